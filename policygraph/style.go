package policygraph

import (
	"fmt"
	"io"
)

// The colours every renderer uses: rules are tinted by type, subtly;
// endpoints are white; the start marker is dark.
const (
	lineColour      = "#5f6b7a"
	textColour      = "#1f2933"
	mutedColour     = "#52606d"
	startFill       = "#3e4c59"
	endpointFill    = "#ffffff"
	warnColour      = "#a35200"
	fontFamily      = "Helvetica,Arial,sans-serif"
	defaultRuleTint = "#eef1f4"
)

// ruleFill is the fill of each rule type.
var ruleFill = map[string]string{
	"failover":     "#fbe9e7",
	"geo":          "#e3eefa",
	"geoproximity": "#e0f2ef",
	"latency":      "#efe7f8",
	"weighted":     "#fcf1d9",
	"multivalue":   "#e9f2df",
}

// fill returns the fill colour of a node.
func (n *Node) fill() string {
	switch n.Kind {
	case StartNode:
		return startFill
	case EndpointNode:
		return endpointFill
	}
	if c, ok := ruleFill[n.Type]; ok {
		return c
	}
	return defaultRuleTint
}

// errWriter writes formatted text and keeps the first error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
