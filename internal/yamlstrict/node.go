package yamlstrict

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// ScalarText returns the text of a scalar node as written (a literal block
// without its trailing newlines).
func ScalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return strings.TrimRight(v.Value.Value, "\n"), true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	return "", false
}

// TouchingPair spots a quirk of the YAML parser: inside a flow mapping it
// reads the list item in {requesters: [group:Engineers]} as the mapping
// {group: Engineers}, where YAML (and the same list outside braces) has the
// string "group:Engineers". It returns the pair of a one-pair mapping whose
// plain key, colon and unquoted value touch, so that the caller can turn it
// back into that string.
func TouchingPair(n ast.Node) (*ast.MappingValueNode, bool) {
	m, ok := n.(*ast.MappingNode)
	if !ok || len(m.Values) != 1 {
		return nil, false
	}
	kv := m.Values[0]
	key, colon, val := kv.Key.GetToken(), kv.Start, kv.Value.GetToken()
	if key == nil || colon == nil || val == nil || key.Position == nil || colon.Position == nil || val.Position == nil {
		return nil, false
	}
	if key.Type != token.StringType || val.Type == token.SingleQuoteType || val.Type == token.DoubleQuoteType {
		return nil, false
	}
	kp, cp, vp := key.Position, colon.Position, val.Position
	touching := kp.Line == cp.Line && cp.Line == vp.Line &&
		kp.Column+len([]rune(key.Value)) == cp.Column && cp.Column+1 == vp.Column
	return kv, touching
}

// Want names what a value of type t looks like in YAML, by its kind.
func Want(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return t.String()
}

// Describe names what a node is, for messages.
func Describe(n ast.Node) string {
	switch n.Type() {
	case ast.MappingType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.BoolType:
		return "boolean " + n.GetToken().Value
	case ast.IntegerType, ast.FloatType:
		return "number " + n.GetToken().Value
	}
	if s, ok := ScalarText(n); ok {
		return fmt.Sprintf("%q", s)
	}
	return strings.ToLower(n.Type().String())
}

// Display turns "$.flows[1].max_duration" into "flows[1].max_duration",
// and "$" into root.
func Display(path, root string) string {
	if path == "$" {
		return root
	}
	return strings.TrimPrefix(path, "$.")
}
