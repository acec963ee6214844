package identityconfig

import (
	"reflect"

	"github.com/goccy/go-yaml/ast"

	"github.com/stint-dev/stint/internal/yamlstrict"
)

// nodeDecoder is implemented by values that decode themselves from the YAML
// node (InlinePolicy takes a JSON string or a YAML mapping).
type nodeDecoder interface {
	decodeNode(n ast.Node) error
}

// decodeBytes parses data and decodes its single document into v, a
// pointer, strictly: it reports every unknown key, wrong type and bad value
// with its position rather than the first.
func decodeBytes(name string, data []byte, v any) *yamlstrict.Decoder {
	d := &yamlstrict.Decoder{
		File:          name,
		Root:          "file",
		DuplicateKeys: true,
		MapKeyMessage: "keys must be non-empty strings",
		Custom:        decodeCustom,
		Text:          scalarText,
	}
	f, p := yamlstrict.Parse(name, data)
	if p != nil {
		d.Problems = append(d.Problems, *p)
		return d
	}
	for i, doc := range f.Docs {
		if doc.Body == nil {
			continue
		}
		d.Walk(doc.Body)
		if i > 0 {
			d.Problemf(doc.Body, "$", "a file holds one YAML document; split the second one into its own file")
			break
		}
	}
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		d.Decode(f.Docs[0].Body, v)
	}
	return d
}

// decodeCustom lets a nodeDecoder decode itself.
func decodeCustom(n ast.Node, v reflect.Value) (bool, error) {
	nd, ok := v.Addr().Interface().(nodeDecoder)
	if !ok {
		return false, nil
	}
	return true, nd.decodeNode(n)
}

// scalarText returns the text of a scalar node as written, taking the
// mapping {name: web} that the YAML parser reads for the item in
// {accounts: [name:web]} as the string "name:web" (see
// yamlstrict.TouchingPair).
func scalarText(n ast.Node) (string, bool) {
	if kv, ok := yamlstrict.TouchingPair(n); ok {
		if _, isMap := kv.Value.(*ast.MappingNode); !isMap {
			return kv.Key.GetToken().Value + ":" + kv.Value.GetToken().Value, true
		}
	}
	return yamlstrict.ScalarText(n)
}

// describe names what a node is, for messages.
func describe(n ast.Node) string { return yamlstrict.Describe(n) }

// position returns where a node starts: for a block mapping, its first key.
func position(n ast.Node) (line, col int) { return yamlstrict.Position(n) }
