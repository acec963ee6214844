package config

import (
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/yamlstrict"
)

// parseFile parses data into an AST. A syntax error ends parsing, so it is
// the only problem reported.
func parseFile(name string, data []byte) (*ast.File, error) {
	f, p := yamlstrict.Parse(name, data)
	if p != nil {
		return nil, newError([]Problem{fromStrict(*p)})
	}
	return f, nil
}

// decodeFile decodes the file's single document into v (a pointer),
// strictly: it reports every unknown key, wrong type and bad value with its
// position instead of stopping at the first (as yaml.Decoder does).
func decodeFile(name string, f *ast.File, v any) *yamlstrict.Decoder {
	d := &yamlstrict.Decoder{File: name, Root: "config", MergeLists: true, Want: wantDuration, Scalar: decodeScalar}
	for _, doc := range f.Docs {
		if doc.Body != nil {
			d.Walk(doc.Body)
		}
	}
	for i, doc := range f.Docs {
		if i > 0 && doc.Body != nil {
			d.Problemf(doc.Body, "$", "a config file holds one YAML document; remove the second one")
			break
		}
	}
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		d.Decode(f.Docs[0].Body, v)
	}
	return d
}

// decodeScalar decodes strings, booleans and numbers, refusing the lenient
// conversions YAML libraries allow (such as "yes" or "7" into a number).
func decodeScalar(d *yamlstrict.Decoder, orig, n ast.Node, v reflect.Value, path string) {
	var fits bool
	switch v.Kind() {
	case reflect.String:
		if text, ok := misparsedPair(n); ok {
			v.SetString(text)
			return
		}
		_, fits = yamlstrict.ScalarText(n)
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
		d.Mismatch(orig, n, v.Type(), path)
		return
	}
	if err := yaml.NodeToValue(n, v.Addr().Interface(), yaml.Strict()); err != nil {
		msg := err.Error()
		if ye, ok := err.(yaml.Error); ok {
			msg = ye.GetMessage()
		}
		d.Problemf(orig, path, "%s: %s", display(path), msg)
	}
}

// misparsedPair turns the mapping {group: Engineers} that the YAML parser
// reads for the list item in {requesters: [group:Engineers]} back into the
// string "group:Engineers" (see yamlstrict.TouchingPair).
func misparsedPair(n ast.Node) (string, bool) {
	kv, ok := yamlstrict.TouchingPair(n)
	if !ok {
		return "", false
	}
	text, ok := yamlstrict.ScalarText(kv.Value)
	if !ok {
		return "", false
	}
	return kv.Key.GetToken().Value + ":" + text, true
}

var durationType = reflect.TypeFor[stint.Duration]()

// wantDuration names the YAML for durations and numbers, which
// yamlstrict.Want leaves to the type's name.
func wantDuration(t reflect.Type) string {
	if t == durationType {
		return "a duration such as 30m, 4h or 7d"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return ""
}

// position returns where a node starts: for a block mapping, its first key.
func position(n ast.Node) (line, col int) { return yamlstrict.Position(n) }

// display turns "$.flows[1].max_duration" into "flows[1].max_duration".
func display(path string) string { return yamlstrict.Display(path, "config") }
