package policygraph

// helvetica holds the advance widths of printable ASCII (space to ~) in
// Helvetica, Arial and Liberation Sans, in thousandths of the font size.
var helvetica = [95]uint16{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
}

// textWidth estimates the width in pixels of s set in a sans-serif font
// of the given size, from Helvetica's metrics with a margin for fonts that
// run wider (bold text adds a tenth). Characters outside ASCII count as
// wide letters; East Asian ones as a full em.
func textWidth(s string, size float64, bold bool) float64 {
	var units float64
	for _, r := range s {
		switch {
		case r >= ' ' && r <= '~':
			units += float64(helvetica[r-' '])
		case r >= 0x2E80:
			units += 1000
		default:
			units += 667
		}
	}
	w := units / 1000 * size * 1.06
	if bold {
		w *= 1.1
	}
	return w
}
