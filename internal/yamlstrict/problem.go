package yamlstrict

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/stint-dev/stint"
)

// Problem is one thing wrong with a file, located in it when it can be.
// Line and Col are 1-based, and 0 when the problem has no place in a file.
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
func (e *Error) Error() string { return Lines(e.Problems) }

// Unwrap returns the problems as a stint.EINVALID error.
func (e *Error) Unwrap() error {
	return &stint.Error{Code: stint.EINVALID, Message: e.Error()}
}

// NewError sorts the problems by file and position (those without a
// position last in their file) and returns them as an *Error, or nil when
// there are none.
func NewError(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), ComparePositions(a.Line, a.Col, b.Line, b.Col))
	})
	return &Error{Problems: problems}
}

// Lines formats problems one per line.
func Lines[P fmt.Stringer](problems []P) string {
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// ComparePositions orders two positions by line, then column; a position
// with line 0 (none) comes after every other.
func ComparePositions(aLine, aCol, bLine, bCol int) int {
	line := func(l int) int {
		if l == 0 {
			return math.MaxInt
		}
		return l
	}
	return cmp.Or(cmp.Compare(line(aLine), line(bLine)), cmp.Compare(aCol, bCol))
}

// Parse parses data into an AST. A syntax error ends parsing, so it is
// returned as the only problem.
func Parse(name string, data []byte) (*ast.File, *Problem) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		p := &Problem{File: name, Message: err.Error()}
		if ye, ok := err.(yaml.Error); ok {
			p.Message = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				p.Line, p.Col = tk.Position.Line, tk.Position.Column
			}
		}
		return nil, p
	}
	return f, nil
}

// Position returns where a node starts: for a block mapping, its first key.
// It returns 0, 0 for a nil node or one without a position.
func Position(n ast.Node) (line, col int) {
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		n = m.Values[0].Key
	}
	if n == nil {
		return 0, 0
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// Message returns the user-facing message of an error: the message of a
// coded stint error, or the whole error text otherwise.
func Message(err error) string {
	if stint.ErrorCode(err) != stint.EINTERNAL {
		return stint.ErrorMessage(err)
	}
	return err.Error()
}
