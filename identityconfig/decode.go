package identityconfig

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/stint-dev/stint"
)

// maxDepth bounds nesting and alias chains while decoding.
const maxDepth = 64

// nodeDecoder is implemented by values that decode themselves from the YAML
// node (InlinePolicy takes a JSON string or a YAML mapping).
type nodeDecoder interface {
	decodeNode(n ast.Node) error
}

// decoder turns a YAML AST into a value strictly, reporting every unknown
// key, wrong type and bad value with its position rather than the first.
type decoder struct {
	file     string
	anchors  map[string]ast.Node
	problems []Problem
	nodes    map[string]ast.Node // path ("$.permission_sets[0].name") -> node
	bad      map[string]bool     // paths whose value could not be decoded
}

// decodeBytes parses data and decodes its single document into v, a pointer.
func decodeBytes(name string, data []byte, v any) *decoder {
	d := &decoder{file: name, anchors: map[string]ast.Node{}, nodes: map[string]ast.Node{}, bad: map[string]bool{}}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		p := Problem{File: name, Message: err.Error()}
		if ye, ok := err.(yaml.Error); ok {
			p.Message = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				p.Line, p.Col = tk.Position.Line, tk.Position.Column
			}
		}
		d.problems = append(d.problems, p)
		return d
	}
	for i, doc := range f.Docs {
		if doc.Body == nil {
			continue
		}
		ast.Walk(d, doc.Body)
		if i > 0 {
			d.problem(doc.Body, "a file holds one YAML document; split the second one into its own file")
			break
		}
	}
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		d.decode(f.Docs[0].Body, reflect.ValueOf(v).Elem(), "$", 0)
	}
	return d
}

// Visit records anchors so that aliases can be resolved.
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

func (d *decoder) problem(n ast.Node, format string, args ...any) {
	line, col := position(n)
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

// decode stores node n into v, which must be settable.
func (d *decoder) decode(n ast.Node, v reflect.Value, path string, depth int) {
	before := len(d.problems)
	defer func() {
		if len(d.problems) > before {
			d.bad[path] = true
		}
	}()
	orig := n
	d.nodes[path] = orig
	n = d.resolve(n)
	if n == nil || n.Type() == ast.NullType {
		return
	}
	if depth > maxDepth {
		d.problem(orig, "%s: nested too deeply", display(path))
		return
	}
	if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
		if err := nd.decodeNode(n); err != nil {
			d.problem(orig, "%s: %s", display(path), message(err))
		}
		return
	}
	if tu, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		text, ok := scalarText(n)
		if !ok {
			d.problem(orig, "%s: expected %s, got %s", display(path), want(v.Type()), describe(n))
			return
		}
		if err := tu.UnmarshalText([]byte(text)); err != nil {
			d.problem(orig, "%s: %s", display(path), message(err))
		}
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
			d.problem(orig, "%s: expected %s, got %s", display(path), want(v.Type()), describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
		v.Set(s)
	case reflect.String:
		text, ok := scalarText(n)
		if !ok {
			d.problem(orig, "%s: expected a string, got %s", display(path), describe(n))
			return
		}
		v.SetString(text)
	case reflect.Bool:
		if n.Type() != ast.BoolType {
			d.problem(orig, "%s: expected true or false, got %s", display(path), describe(n))
			return
		}
		v.SetBool(n.GetToken().Value == "true")
	default:
		d.problem(orig, "%s: cannot decode into %s", display(path), v.Type())
	}
}

func (d *decoder) decodeStruct(orig, n ast.Node, v reflect.Value, path string, depth int) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		d.problem(orig, "%s: expected %s, got %s", display(path), want(v.Type()), describe(n))
		return
	}
	fields, names := structFields(v.Type())
	for _, kv := range m.Values {
		if _, ok := kv.Key.(*ast.MergeKeyNode); ok {
			switch src := d.resolve(kv.Value).(type) {
			case *ast.MappingNode:
				d.decodeStruct(kv.Value, src, v, path, depth+1)
			default:
				d.problem(kv.Value, "%s: a merge key (<<) needs a mapping", display(path))
			}
		}
	}
	seen := map[string]bool{}
	for _, kv := range m.Values {
		if _, ok := kv.Key.(*ast.MergeKeyNode); ok {
			continue
		}
		key := keyName(kv.Key)
		i, ok := fields[key]
		if !ok {
			d.problem(kv.Key, "unknown key %q in %s%s; known keys: %s", key, where(path), didYouMean(key, names), strings.Join(names, ", "))
			continue
		}
		if seen[key] {
			d.problem(kv.Key, "duplicate key %q in %s", key, where(path))
			continue
		}
		seen[key] = true
		d.decode(kv.Value, v.Field(i), path+"."+key, depth+1)
	}
}

// decodeMap decodes a mapping with string keys and values (tags).
func (d *decoder) decodeMap(orig, n ast.Node, v reflect.Value, path string, depth int) {
	m, ok := n.(*ast.MappingNode)
	if !ok || v.Type().Key().Kind() != reflect.String {
		d.problem(orig, "%s: expected %s, got %s", display(path), want(v.Type()), describe(n))
		return
	}
	out := reflect.MakeMapWithSize(v.Type(), len(m.Values))
	for _, kv := range m.Values {
		key := keyName(kv.Key)
		if _, ok := kv.Key.(*ast.MergeKeyNode); ok || key == "" {
			d.problem(kv.Key, "%s: keys must be non-empty strings", display(path))
			continue
		}
		if out.MapIndex(reflect.ValueOf(key)).IsValid() {
			d.problem(kv.Key, "duplicate key %q in %s", key, where(path))
			continue
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(kv.Value, elem, path+"."+key, depth+1)
		out.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
	}
	v.Set(out)
}

// structFields maps YAML keys to field indexes, and lists the keys in
// declaration order. Fields tagged yaml:"-" are not decoded.
func structFields(t reflect.Type) (map[string]int, []string) {
	out := map[string]int{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = i
		names = append(names, name)
	}
	return out, names
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
	if text, ok := misparsedPair(n); ok {
		return text, true
	}
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

// want names what a value of type t looks like in YAML.
func want(t reflect.Type) string {
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

// display turns "$.permission_sets[1].name" into "permission_sets[1].name".
func display(path string) string {
	if path == "$" {
		return "file"
	}
	return strings.TrimPrefix(path, "$.")
}

func where(path string) string {
	if path == "$" {
		return "the top level"
	}
	return display(path)
}

// message returns the user-facing message of an error.
func message(err error) string {
	if stint.ErrorCode(err) != stint.EINTERNAL {
		return stint.ErrorMessage(err)
	}
	return err.Error()
}

// misparsedPair undoes a quirk of the YAML parser: inside a flow mapping it
// reads the item in {accounts: [name:web]} as the mapping {name: web},
// where YAML (and the same list outside braces) has the string "name:web".
// A one-pair mapping whose plain key, colon and plain value touch is turned
// back into that string.
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
	if _, isMap := kv.Value.(*ast.MappingNode); isMap {
		return "", false
	}
	kp, cp, vp := key.Position, colon.Position, val.Position
	touching := kp.Line == cp.Line && cp.Line == vp.Line &&
		kp.Column+len([]rune(key.Value)) == cp.Column && cp.Column+1 == vp.Column
	if !touching {
		return "", false
	}
	return key.Value + ":" + val.Value, true
}
