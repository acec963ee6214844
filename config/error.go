package config

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
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
	switch {
	case p.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, msg)
	case p.File != "":
		return p.File + ": " + msg
	}
	return msg
}

// Error lists every problem found in a configuration, in file order. It
// unwraps to a *stint.Error with code stint.EINVALID whose message is the
// whole list, so stint.ErrorCode and stint.ErrorMessage work on it.
type Error struct {
	Problems []Problem
}

// Error returns the problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

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
	line := func(p Problem) int {
		if p.Line == 0 {
			return math.MaxInt
		}
		return p.Line
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(line(a), line(b)), cmp.Compare(a.Col, b.Col))
	})
}
