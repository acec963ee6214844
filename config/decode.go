package config

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/stint-dev/stint"
)

// maxDepth bounds nesting (and alias chains) while decoding.
const maxDepth = 64

// decoder turns a YAML AST into a value strictly, field by field, so that it
// can report every unknown key, wrong type and bad value with its position
// instead of stopping at the first (as yaml.Decoder does).
type decoder struct {
	file     string
	anchors  map[string]ast.Node
	problems []Problem
	bad      []string            // paths whose value could not be decoded
	nodes    map[string]ast.Node // path -> the node decoded there (after aliases)
	keys     map[string]ast.Node // path of a map entry -> its key node
}

// parseFile parses data into an AST. A syntax error ends parsing, so it is
// the only problem reported.
func parseFile(name string, data []byte) (*ast.File, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		p := Problem{File: name, Message: err.Error()}
		if ye, ok := err.(yaml.Error); ok {
			p.Message = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				p.Line, p.Col = tk.Position.Line, tk.Position.Column
			}
		}
		return nil, newError([]Problem{p})
	}
	return f, nil
}

// decodeFile decodes the file's single document into v (a pointer).
func decodeFile(name string, f *ast.File, v any) *decoder {
	d := &decoder{file: name, anchors: map[string]ast.Node{}, nodes: map[string]ast.Node{}, keys: map[string]ast.Node{}}
	for _, doc := range f.Docs {
		if doc.Body != nil {
			ast.Walk(d, doc.Body)
		}
	}
	for i, doc := range f.Docs {
		if i > 0 && doc.Body != nil {
			d.problem(doc.Body, "$", "a config file holds one YAML document; remove the second one")
			break
		}
	}
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		d.decode(f.Docs[0].Body, reflect.ValueOf(v).Elem(), "$", 0)
	}
	return d
}

// Visit records anchors so aliases can be resolved.
func (d *decoder) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		d.anchors[a.Name.GetToken().Value] = a.Value
	}
	return d
}

// resolve strips anchors and tags and follows aliases.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range maxDepth {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			if v.Value == nil {
				return nil
			}
			n = d.anchors[v.Value.GetToken().Value]
		default:
			return n
		}
	}
	return n
}

func (d *decoder) problem(n ast.Node, path, format string, args ...any) {
	line, col := position(n)
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
	d.bad = append(d.bad, path)
}

// decode stores node n into v, which must be settable.
func (d *decoder) decode(n ast.Node, v reflect.Value, path string, depth int) {
	orig := n
	d.nodes[path] = orig // last wins: explicit keys override merge keys
	n = d.resolve(n)
	if n == nil || n.Type() == ast.NullType {
		return // leave the zero value; defaults apply later
	}
	if depth > maxDepth {
		d.problem(orig, path, "%s: nested too deeply", display(path))
		return
	}
	if tu, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		d.decodeText(orig, n, tu, v.Type(), path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		d.decode(orig, elem.Elem(), path, depth+1)
		v.Set(elem)
	case reflect.Struct:
		d.decodeStruct(orig, n, v, path, depth)
	case reflect.Map:
		d.decodeMap(orig, n, v, path, depth)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.problem(orig, path, "%s: expected %s, got %s", display(path), want(v.Type()), describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
		v.Set(s)
	default:
		d.decodeScalar(orig, n, v, path)
	}
}

func (d *decoder) decodeStruct(orig, n ast.Node, v reflect.Value, path string, depth int) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		d.problem(orig, path, "%s: expected %s, got %s", display(path), want(v.Type()), describe(n))
		return
	}
	fields := structFields(v.Type())
	// Merge keys ("<<: *base") first, so that explicit keys override them.
	for _, kv := range m.Values {
		if _, ok := kv.Key.(*ast.MergeKeyNode); !ok {
			continue
		}
		switch src := d.resolve(kv.Value).(type) {
		case *ast.MappingNode:
			d.decodeStruct(kv.Value, src, v, path, depth+1)
		case *ast.SequenceNode:
			for _, item := range src.Values {
				d.decodeStruct(item, d.resolve(item), v, path, depth+1)
			}
		default:
			d.problem(kv.Value, path, "%s: a merge key (<<) needs a mapping", display(path))
		}
	}
	for _, kv := range m.Values {
		if _, ok := kv.Key.(*ast.MergeKeyNode); ok {
			continue
		}
		key := keyName(kv.Key)
		i, ok := fields[key]
		if !ok {
			names := fieldNames(fields)
			hint := ""
			if s := suggest(key, names); s != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", s)
			}
			d.problem(kv.Key, path+"."+key, "unknown key %q in %s%s; known keys: %s", key, where(path), hint, strings.Join(names, ", "))
			continue
		}
		d.decode(kv.Value, v.Field(i), path+"."+key, depth+1)
	}
}

// decodeMap decodes a mapping with string keys (groups,
// requester_attributes). Entries are at PATH.KEY; merge keys are refused.
func (d *decoder) decodeMap(orig, n ast.Node, v reflect.Value, path string, depth int) {
	m, ok := n.(*ast.MappingNode)
	if !ok || v.Type().Key().Kind() != reflect.String {
		d.problem(orig, path, "%s: expected %s, got %s", display(path), want(v.Type()), describe(n))
		return
	}
	out := reflect.MakeMapWithSize(v.Type(), len(m.Values))
	for _, kv := range m.Values {
		if _, ok := kv.Key.(*ast.MergeKeyNode); ok {
			d.problem(kv.Key, path, "%s: merge keys (<<) are not supported here", display(path))
			continue
		}
		key := keyName(kv.Key)
		kp := path + "." + key
		if key == "" {
			d.problem(kv.Key, kp, "%s: empty key", display(path))
			continue
		}
		d.keys[kp] = kv.Key
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(kv.Value, elem, kp, depth+1)
		out.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
	}
	v.Set(out)
}

// decodeText decodes a scalar through its UnmarshalText method (stint.Duration).
func (d *decoder) decodeText(orig, n ast.Node, tu encoding.TextUnmarshaler, t reflect.Type, path string) {
	text, ok := scalarText(n)
	if !ok {
		d.problem(orig, path, "%s: expected %s, got %s", display(path), want(t), describe(n))
		return
	}
	if err := tu.UnmarshalText([]byte(text)); err != nil {
		msg := err.Error()
		if stint.ErrorCode(err) != stint.EINTERNAL {
			msg = stint.ErrorMessage(err)
		}
		d.problem(orig, path, "%s: %s", display(path), msg)
	}
}

// decodeScalar decodes strings, booleans and numbers, refusing the lenient
// conversions YAML libraries allow (such as "yes" or "7" into a number).
func (d *decoder) decodeScalar(orig, n ast.Node, v reflect.Value, path string) {
	var fits bool
	switch v.Kind() {
	case reflect.String:
		if text, ok := misparsedPair(n); ok {
			v.SetString(text)
			return
		}
		_, fits = scalarText(n)
	case reflect.Bool:
		fits = n.Type() == ast.BoolType
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		fits = n.Type() == ast.IntegerType
	case reflect.Float32, reflect.Float64:
		fits = n.Type() == ast.IntegerType || n.Type() == ast.FloatType ||
			n.Type() == ast.InfinityType || n.Type() == ast.NanType
	default:
		fits = true // let the YAML library decide
	}
	if !fits {
		d.problem(orig, path, "%s: expected %s, got %s", display(path), want(v.Type()), describe(n))
		return
	}
	if err := yaml.NodeToValue(n, v.Addr().Interface(), yaml.Strict()); err != nil {
		msg := err.Error()
		if ye, ok := err.(yaml.Error); ok {
			msg = ye.GetMessage()
		}
		d.problem(orig, path, "%s: %s", display(path), msg)
	}
}

// structFields maps YAML keys to field indexes.
func structFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		out[name] = i
	}
	return out
}

func fieldNames(fields map[string]int) []string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int { return fields[a] - fields[b] })
	return names
}

func keyName(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

// scalarText returns the text of a scalar node as written.
func scalarText(n ast.Node) (string, bool) {
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

// misparsedPair undoes a quirk of the YAML parser: inside a flow mapping it
// reads the list item in {requesters: [group:Engineers]} as the mapping
// {group: Engineers}, where YAML (and the same list outside braces) has the
// string "group:Engineers". A one-pair mapping whose plain key, colon and
// plain value touch is turned back into that string.
func misparsedPair(n ast.Node) (string, bool) {
	m, ok := n.(*ast.MappingNode)
	if !ok || len(m.Values) != 1 {
		return "", false
	}
	kv := m.Values[0]
	key, colon, val := kv.Key.GetToken(), kv.Start, kv.Value.GetToken()
	if key == nil || colon == nil || val == nil || key.Position == nil || colon.Position == nil || val.Position == nil {
		return "", false
	}
	if key.Type != token.StringType || val.Type == token.SingleQuoteType || val.Type == token.DoubleQuoteType {
		return "", false
	}
	text, ok := scalarText(kv.Value)
	kp, cp, vp := key.Position, colon.Position, val.Position
	touching := kp.Line == cp.Line && cp.Line == vp.Line &&
		kp.Column+len([]rune(key.Value)) == cp.Column && cp.Column+1 == vp.Column
	if !ok || !touching {
		return "", false
	}
	return key.Value + ":" + text, true
}

var durationType = reflect.TypeFor[stint.Duration]()

// want names what a value of type t looks like in YAML.
func want(t reflect.Type) string {
	if t == durationType {
		return "a duration such as 30m, 4h or 7d"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return t.String()
}

// describe names what a node is, for messages.
func describe(n ast.Node) string {
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
	if s, ok := scalarText(n); ok {
		return fmt.Sprintf("%q", s)
	}
	return strings.ToLower(n.Type().String())
}

// position returns where a node starts: for a block mapping, its first key.
func position(n ast.Node) (line, col int) {
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

// display turns "$.flows[1].max_duration" into "flows[1].max_duration".
func display(path string) string {
	if path == "$" {
		return "config"
	}
	return strings.TrimPrefix(path, "$.")
}

func where(path string) string {
	if path == "$" {
		return "the top level"
	}
	return display(path)
}
