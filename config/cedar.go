package config

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/cedar-policy/cedar-go"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/stint-dev/stint"
)

var cedarPos = regexp.MustCompile(`(?: at)? <input>:(\d+):(\d+)`)

// cedar checks a flow's raw Cedar text: it must parse and hold only forbid
// policies. Problems are placed at their line in the file when the text is
// a literal block (cedar: |) or a single plain line, else at the cedar key.
func (ch *checker) cedar(f *stint.Flow, fp, label string) {
	if strings.TrimSpace(f.Cedar) == "" {
		return
	}
	path := fp + ".cedar"
	list, err := cedar.NewPolicyListFromBytes("", []byte(f.Cedar))
	if err != nil {
		msg := err.Error()
		line, col := 0, 0
		if m := cedarPos.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			col, _ = strconv.Atoi(m[2])
			msg = strings.Replace(msg, m[0], "", 1)
		}
		msg = strings.TrimPrefix(msg, "parser error: ")
		ch.atCedar(path, line, col, "%s: cedar does not parse: %s", label, msg)
		return
	}
	for _, p := range list {
		if p.Effect() == cedar.Permit {
			pos := p.Position()
			ch.atCedar(path, pos.Line, pos.Column, "%s: cedar may only hold forbid policies (the flow's requesters and resources permit); remove this permit", label)
		}
	}
}

// atCedar reports a problem at line:col of the Cedar text at path.
func (ch *checker) atCedar(path string, line, col int, format string, args ...any) {
	before := len(ch.problems)
	ch.at(path, format, args...)
	if len(ch.problems) == before || line <= 0 {
		return
	}
	p := &ch.problems[len(ch.problems)-1]
	if l, c, ok := ch.cedarOrigin(path, line, col); ok && p.Line > 0 {
		p.Line, p.Col = l, c
	}
}

// cedarOrigin maps line:col of the Cedar text at path to the file.
func (ch *checker) cedarOrigin(path string, line, col int) (int, int, bool) {
	n, ok := ch.c.nodes[path]
	if !ok {
		return 0, 0, false
	}
	switch v := n.(type) {
	case *ast.LiteralNode:
		// A "|" block: text line 1 is the line after the indicator, and
		// every line is indented alike.
		tk := v.Start
		if tk == nil || tk.Position == nil || !strings.HasPrefix(tk.Value, "|") {
			return 0, 0, false
		}
		first := tk.Position.Line + 1
		indent, ok := blockIndent(ch.c.Raw, first)
		if !ok {
			return 0, 0, false
		}
		return first + line - 1, indent + col, true
	case *ast.StringNode:
		tk := v.GetToken()
		if line != 1 || tk == nil || tk.Position == nil || tk.Type != token.StringType || strings.Contains(v.Value, "\n") {
			return 0, 0, false
		}
		return tk.Position.Line, tk.Position.Column + col - 1, true
	}
	return 0, 0, false
}

// blockIndent returns the indentation of the first non-blank line of raw at
// or after the 1-based line.
func blockIndent(raw []byte, line int) (int, bool) {
	lines := bytes.Split(raw, []byte("\n"))
	for i := line - 1; i >= 0 && i < len(lines); i++ {
		l := bytes.TrimRight(lines[i], "\r")
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		return len(l) - len(bytes.TrimLeft(l, " ")), true
	}
	return 0, false
}
