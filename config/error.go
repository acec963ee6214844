package config

import (
	"slices"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/yamlstrict"
)

// Problem is one thing wrong with a configuration, located in the file when
// it can be. Line and Col are 1-based; they are 0 when the problem has no
// place in the file (a value that came from the environment, or a config
// built in code), and File then names the environment variable, if any.
type Problem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Message string `json:"message"`
	// Warning marks advice that does not make the config invalid (from
	// CheckAgainst: a flow no one can use, overlapping flows, a tag that
	// matches no account). Problems from Load and Validate are never
	// warnings.
	Warning bool `json:"warning,omitempty"`
}

// String formats the problem as "FILE:LINE:COL: message", or "FILE: message"
// when it has no position; a warning's message starts with "warning: ".
func (p Problem) String() string {
	msg := p.Message
	if p.Warning {
		msg = "warning: " + msg
	}
	return yamlstrict.Problem{File: p.File, Line: p.Line, Col: p.Col, Message: msg}.String()
}

// fromStrict converts a decoding problem.
func fromStrict(p yamlstrict.Problem) Problem {
	return Problem{File: p.File, Line: p.Line, Col: p.Col, Message: p.Message}
}

// Error lists every problem found in a configuration, in file order. It
// unwraps to a *stint.Error with code stint.EINVALID whose message is the
// whole list, so stint.ErrorCode and stint.ErrorMessage work on it.
type Error struct {
	Problems []Problem
}

// Error returns the problems, one per line.
func (e *Error) Error() string { return yamlstrict.Lines(e.Problems) }

// Unwrap returns the problems as a stint.EINVALID error.
func (e *Error) Unwrap() error {
	return &stint.Error{Code: stint.EINVALID, Message: e.Error()}
}

// newError sorts the problems by position (those without one last) and
// returns them as an *Error, or nil when there are none.
func newError(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	sortProblems(problems)
	return &Error{Problems: problems}
}

// sortProblems orders problems by position, those without one last.
func sortProblems(problems []Problem) {
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return yamlstrict.ComparePositions(a.Line, a.Col, b.Line, b.Col)
	})
}
