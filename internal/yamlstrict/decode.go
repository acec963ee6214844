package yamlstrict

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// MaxDepth bounds nesting (and alias chains) while decoding.
const MaxDepth = 64

// Decoder turns a YAML AST into a value strictly, field by field, so that
// it can report every unknown key, wrong type and bad value with its
// position. Paths name places in the document: "$" is the root, then
// ".key" for a mapping entry and "[i]" for a list item.
//
// Set File and Root, and any hooks, then call Walk on every document body
// (to record anchors) and Decode on the one to decode.
type Decoder struct {
	File string // the file name in problems
	Root string // what "$" is called in messages, such as "config"

	// MergeLists allows a merge key to take a list of mappings
	// ("<<: [*a, *b]") as well as a mapping.
	MergeLists bool
	// DuplicateKeys reports a key written twice in the same mapping.
	DuplicateKeys bool
	// MapKeyMessage, when set, is reported for a merge key or an empty key
	// in a map field, instead of a message for each.
	MapKeyMessage string

	// Custom, when set, may decode v from n (resolved) itself: it returns
	// false to leave v to the decoder, or true and the error to report.
	Custom func(n ast.Node, v reflect.Value) (bool, error)
	// Text returns the text of a scalar for a string field or an
	// encoding.TextUnmarshaler; the default is ScalarText.
	Text func(n ast.Node) (string, bool)
	// Want names what a value of type t looks like in YAML, returning ""
	// for Want's default.
	Want func(t reflect.Type) string
	// Scalar decodes n (resolved; orig as written) into v, a value of a
	// kind other than pointer, struct, map and slice. The default takes
	// strings (through Text) and booleans, and refuses any other kind.
	Scalar func(d *Decoder, orig, n ast.Node, v reflect.Value, path string)

	Problems []Problem
	Bad      []string            // the path of each problem, in order
	Failed   map[string]bool     // paths (and their parents) whose decoding reported a problem
	Nodes    map[string]ast.Node // path -> the node decoded there (before aliases)
	Keys     map[string]ast.Node // path of a map entry -> its key node

	anchors map[string]ast.Node
}

func (d *Decoder) init() {
	if d.anchors == nil {
		d.anchors = map[string]ast.Node{}
		d.Nodes = map[string]ast.Node{}
		d.Keys = map[string]ast.Node{}
		d.Failed = map[string]bool{}
	}
}

// Walk records the anchors in a document body so aliases can be resolved.
func (d *Decoder) Walk(body ast.Node) {
	d.init()
	ast.Walk(d, body)
}

// Visit records anchors; it implements ast.Visitor for Walk.
func (d *Decoder) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		d.anchors[a.Name.GetToken().Value] = a.Value
	}
	return d
}

// Decode stores the document body n into v, a pointer.
func (d *Decoder) Decode(n ast.Node, v any) {
	d.init()
	d.decode(n, reflect.ValueOf(v).Elem(), "$", 0)
}

// Resolve strips anchors and tags and follows aliases.
func (d *Decoder) Resolve(n ast.Node) ast.Node {
	for range MaxDepth {
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

// Problemf reports a problem at node n about the value at path.
func (d *Decoder) Problemf(n ast.Node, path, format string, args ...any) {
	line, col := Position(n)
	d.Problems = append(d.Problems, Problem{File: d.File, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
	d.Bad = append(d.Bad, path)
}

// Mismatch reports that n, found at path, is not a value of type t.
func (d *Decoder) Mismatch(orig, n ast.Node, t reflect.Type, path string) {
	d.Problemf(orig, path, "%s: expected %s, got %s", d.Display(path), d.WantOf(t), Describe(n))
}

// Display names path in messages: "$.flows[1].name" is "flows[1].name".
func (d *Decoder) Display(path string) string { return Display(path, d.Root) }

// WantOf names what a value of type t looks like in YAML.
func (d *Decoder) WantOf(t reflect.Type) string {
	if d.Want != nil {
		if s := d.Want(t); s != "" {
			return s
		}
	}
	return Want(t)
}

// decode stores node n into v, which must be settable.
func (d *Decoder) decode(n ast.Node, v reflect.Value, path string, depth int) {
	before := len(d.Problems)
	defer func() {
		if len(d.Problems) > before {
			d.Failed[path] = true
		}
	}()
	orig := n
	d.Nodes[path] = orig // last wins: explicit keys override merge keys
	n = d.Resolve(n)
	if n == nil || n.Type() == ast.NullType {
		return // leave the zero value; defaults apply later
	}
	if depth > MaxDepth {
		d.Problemf(orig, path, "%s: nested too deeply", d.Display(path))
		return
	}
	if d.Custom != nil {
		if ok, err := d.Custom(n, v); ok {
			if err != nil {
				d.Problemf(orig, path, "%s: %s", d.Display(path), Message(err))
			}
			return
		}
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
			d.Mismatch(orig, n, v.Type(), path)
			return
		}
		s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
		v.Set(s)
	default:
		if d.Scalar != nil {
			d.Scalar(d, orig, n, v, path)
			return
		}
		d.decodeScalar(orig, n, v, path)
	}
}

// decodeScalar decodes strings and booleans.
func (d *Decoder) decodeScalar(orig, n ast.Node, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		text, ok := d.text(n)
		if !ok {
			d.Mismatch(orig, n, v.Type(), path)
			return
		}
		v.SetString(text)
	case reflect.Bool:
		if n.Type() != ast.BoolType {
			d.Mismatch(orig, n, v.Type(), path)
			return
		}
		v.SetBool(n.GetToken().Value == "true")
	default:
		d.Problemf(orig, path, "%s: cannot decode into %s", d.Display(path), v.Type())
	}
}

func (d *Decoder) text(n ast.Node) (string, bool) {
	if d.Text != nil {
		return d.Text(n)
	}
	return ScalarText(n)
}

// decodeText decodes a scalar through its UnmarshalText method.
func (d *Decoder) decodeText(orig, n ast.Node, tu encoding.TextUnmarshaler, t reflect.Type, path string) {
	s, ok := d.text(n)
	if !ok {
		d.Mismatch(orig, n, t, path)
		return
	}
	if err := tu.UnmarshalText([]byte(s)); err != nil {
		d.Problemf(orig, path, "%s: %s", d.Display(path), Message(err))
	}
}

func (d *Decoder) decodeStruct(orig, n ast.Node, v reflect.Value, path string, depth int) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		d.Mismatch(orig, n, v.Type(), path)
		return
	}
	fields, names := StructFields(v.Type())
	// Merge keys ("<<: *base") first, so that explicit keys override them.
	for _, kv := range m.Values {
		if _, ok := kv.Key.(*ast.MergeKeyNode); !ok {
			continue
		}
		switch src := d.Resolve(kv.Value).(type) {
		case *ast.MappingNode:
			d.decodeStruct(kv.Value, src, v, path, depth+1)
		case *ast.SequenceNode:
			if d.MergeLists {
				for _, item := range src.Values {
					d.decodeStruct(item, d.Resolve(item), v, path, depth+1)
				}
				break
			}
			d.Problemf(kv.Value, path, "%s: a merge key (<<) needs a mapping", d.Display(path))
		default:
			d.Problemf(kv.Value, path, "%s: a merge key (<<) needs a mapping", d.Display(path))
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
			d.Problemf(kv.Key, path+"."+key, "unknown key %q in %s%s; known keys: %s", key, d.where(path), DidYouMean(key, names), strings.Join(names, ", "))
			continue
		}
		if d.DuplicateKeys && seen[key] {
			d.Problemf(kv.Key, path+"."+key, "duplicate key %q in %s", key, d.where(path))
			continue
		}
		seen[key] = true
		d.decode(kv.Value, v.Field(i), path+"."+key, depth+1)
	}
}

// decodeMap decodes a mapping with string keys; entries are at PATH.KEY.
// Merge keys are refused.
func (d *Decoder) decodeMap(orig, n ast.Node, v reflect.Value, path string, depth int) {
	m, ok := n.(*ast.MappingNode)
	if !ok || v.Type().Key().Kind() != reflect.String {
		d.Mismatch(orig, n, v.Type(), path)
		return
	}
	out := reflect.MakeMapWithSize(v.Type(), len(m.Values))
	for _, kv := range m.Values {
		_, merge := kv.Key.(*ast.MergeKeyNode)
		key := keyName(kv.Key)
		kp := path + "." + key
		switch {
		case (merge || key == "") && d.MapKeyMessage != "":
			d.Problemf(kv.Key, path, "%s: %s", d.Display(path), d.MapKeyMessage)
			continue
		case merge:
			d.Problemf(kv.Key, path, "%s: merge keys (<<) are not supported here", d.Display(path))
			continue
		case key == "":
			d.Problemf(kv.Key, kp, "%s: empty key", d.Display(path))
			continue
		}
		mk := reflect.ValueOf(key).Convert(v.Type().Key())
		if d.DuplicateKeys && out.MapIndex(mk).IsValid() {
			d.Problemf(kv.Key, kp, "duplicate key %q in %s", key, d.where(path))
			continue
		}
		d.Keys[kp] = kv.Key
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(kv.Value, elem, kp, depth+1)
		out.SetMapIndex(mk, elem)
	}
	v.Set(out)
}

func (d *Decoder) where(path string) string {
	if path == "$" {
		return "the top level"
	}
	return d.Display(path)
}

// StructFields maps YAML keys to field indexes, and lists the keys in
// declaration order. Unexported fields and those tagged yaml:"-" are not
// decoded; an untagged field's key is its lower-cased name.
func StructFields(t reflect.Type) (map[string]int, []string) {
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
