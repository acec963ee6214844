package identityconfig

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
)

// Problem is one thing wrong with an Identity Center file, located in it when
// it can be. Line and Col are 1-based, and 0 when the problem has no place
// in a file (a directory entry, for instance).
type Problem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Message string `json:"message"`
}

// String formats the problem as "FILE:LINE:COL: message", or "FILE: message"
// without a position.
func (p Problem) String() string {
	switch {
	case p.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message)
	case p.File != "":
		return p.File + ": " + p.Message
	}
	return p.Message
}

// Error lists every problem found, sorted by file and position. It unwraps
// to a *stint.Error with code stint.EINVALID whose message is the whole
// list, so stint.ErrorCode and stint.ErrorMessage work on it.
type Error struct {
	Problems []Problem `json:"problems"`
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

// newError sorts the problems and returns them as an *Error, or nil when
// there are none.
func newError(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	line := func(p Problem) int {
		if p.Line == 0 {
			return math.MaxInt
		}
		return p.Line
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(line(a), line(b)), cmp.Compare(a.Col, b.Col))
	})
	return &Error{Problems: problems}
}
