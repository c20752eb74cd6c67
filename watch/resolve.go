package watch

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxLinks bounds the symlinks followed while resolving one path, like the
// kernel's MAXSYMLINKS (40).
const maxLinks = 40

// errTooManyLinks is returned by resolveIn for symlink loops.
var errTooManyLinks = errors.New("too many levels of symbolic links")

// resolveIn returns the physical path (no symlinks left) of name relative to
// base, a physical directory; base may be "" when name is absolute.
//
// dirSeen, if not nil, receives the physical directories whose entries
// decide where the path leads: every directory in which a symlink was looked
// up, the directory in which a lookup failed, and, if final is true, the
// directory holding the last element. Watching those directories is enough
// to notice every change of the path's resolution (a re-pointed or replaced
// symlink, a file renamed over the target).
func resolveIn(base, name string, final bool, dirSeen func(string)) (string, error) {
	seen := func(dir string) {
		if dirSeen != nil {
			dirSeen(dir)
		}
	}
	resolved := base
	rest := filepath.ToSlash(name)
	if filepath.IsAbs(name) {
		vol := filepath.VolumeName(name)
		resolved = vol + string(filepath.Separator)
		rest = filepath.ToSlash(name[len(vol):])
	}
	links := 0
	for rest != "" {
		var comp string
		comp, rest, _ = strings.Cut(rest, "/")
		switch comp {
		case "", ".":
			continue
		case "..":
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, comp)
		fi, err := os.Lstat(next)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				seen(resolved)
			}
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if final && strings.Trim(rest, "/.") == "" {
				seen(resolved)
			}
			resolved = next
			continue
		}
		seen(resolved)
		links++
		if links > maxLinks {
			return "", &fs.PathError{Op: "resolve", Path: next, Err: errTooManyLinks}
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		if filepath.IsAbs(target) {
			vol := filepath.VolumeName(target)
			resolved = vol + string(filepath.Separator)
			target = target[len(vol):]
		}
		target = filepath.ToSlash(target)
		if rest != "" {
			target += "/" + rest
		}
		rest = target
	}
	return resolved, nil
}

// isMissing reports whether err means that a path (or a symlink on the way)
// does not lead to anything: the entry vanished, a symlink dangles or loops.
func isMissing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, errTooManyLinks) || isDeadEnd(err)
}
