package policyfile

import (
	"sort"
	"strings"
)

// Severity tells errors from warnings.
type Severity uint8

// Severities of a Problem. A Warning is a lenient-mode fix or a likely
// mistake that does not stop the store from loading (unless Options.Strict).
const (
	Error Severity = iota
	Warning
	// promoted is a warning that strict mode turns into an error once
	// loading is done. Until then it does not count as an error, so that
	// strict mode reads exactly as far as lenient mode does and loses none
	// of its findings.
	promoted
)

// Problem is one thing wrong with a store: the file (relative to the store
// directory, with forward slashes), the JSON path inside it (empty for the
// file as a whole) and what is wrong.
type Problem struct {
	File     string
	Path     string
	Message  string
	Severity Severity
}

// String formats the problem as "FILE: PATH: message", with "warning: "
// before the message of a warning.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	if p.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is a list of problems in a stable order.
type Problems []Problem

// Errors returns the problems of severity Error.
func (ps Problems) Errors() Problems { return ps.filter(Error) }

// Warnings returns the problems of severity Warning.
func (ps Problems) Warnings() Problems { return ps.filter(Warning) }

func (ps Problems) filter(s Severity) Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// Err returns a *LoadError holding every error, or nil when there is none.
func (ps Problems) Err() error {
	errs := ps.Errors()
	if len(errs) == 0 {
		return nil
	}
	return &LoadError{Problems: errs}
}

// LoadError is returned when a store (or a file of it) is invalid. It
// lists every error found, not just the first.
type LoadError struct {
	Problems Problems
}

// Error lists every problem, one per line.
func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems by file, keeping the order they were found
// in within a file (which follows the file's own order).
func sortProblems(ps Problems) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].File < ps[j].File })
}

// promote turns the warnings strict mode recorded into errors (see
// promoted).
func (ps Problems) promote() {
	for i := range ps {
		if ps[i].Severity == promoted {
			ps[i].Severity = Error
		}
	}
}
