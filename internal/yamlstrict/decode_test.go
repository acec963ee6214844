package yamlstrict_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/internal/yamlstrict"
)

type item struct {
	Name string            `yaml:"name"`
	On   bool              `yaml:"on"`
	Tags map[string]string `yaml:"tags"`
}

type doc struct {
	Items []item `yaml:"items"`
}

func decode(t *testing.T, src string, mergeLists bool) (doc, []string) {
	t.Helper()
	f, p := yamlstrict.Parse("f.yaml", []byte(src))
	if p != nil {
		return doc{}, []string{p.String()}
	}
	d := &yamlstrict.Decoder{File: "f.yaml", Root: "file", MergeLists: mergeLists}
	d.Walk(f.Docs[0].Body)
	var out doc
	d.Decode(f.Docs[0].Body, &out)
	var msgs []string
	for _, p := range d.Problems {
		msgs = append(msgs, p.String())
	}
	return out, msgs
}

func TestDecoder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		src        string
		mergeLists bool
		want       []string
	}{
		{name: "valid", src: "items:\n  - name: a\n    on: true\n"},
		{
			name: "unknown key with hint",
			src:  "items:\n  - nme: a\n",
			want: []string{`f.yaml:2:5: unknown key "nme" in items[0] (did you mean name?); known keys: name, on, tags`},
		},
		{
			name: "wrong type",
			src:  "items:\n  - name: [a]\n    on: yes\n",
			want: []string{
				`f.yaml:2:11: items[0].name: expected a string, got a list`,
				`f.yaml:3:9: items[0].on: expected true or false, got "yes"`,
			},
		},
		{name: "merge key and alias", src: "base: &b {name: a}\nitems:\n  - <<: *b\n    on: true\n", want: []string{
			`f.yaml:1:1: unknown key "base" in the top level; known keys: items`,
		}},
		{
			name: "merge list refused",
			src:  "items:\n  - <<: [{name: a}]\n",
			want: []string{`f.yaml:2:9: items[0]: a merge key (<<) needs a mapping`},
		},
		{name: "merge list allowed", src: "items:\n  - <<: [{name: a}]\n", mergeLists: true},
		{
			name: "map keys",
			src:  "items:\n  - tags: {\"\": x, <<: {a: b}}\n",
			want: []string{
				`f.yaml:2:12: items[0].tags: empty key`,
				`f.yaml:2:19: items[0].tags: merge keys (<<) are not supported here`,
			},
		},
		{name: "syntax error", src: "items: [a\n", want: []string{`f.yaml:1:8: sequence end token ']' not found`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, got := decode(t, tt.src, tt.mergeLists)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecoderValues(t *testing.T) {
	t.Parallel()
	got, problems := decode(t, "x: &x {name: a, on: true}\nitems: [*x, {<<: *x, name: b}]\n", false)
	require.Len(t, problems, 1) // the unknown key x
	require.Equal(t, []item{{Name: "a", On: true}, {Name: "b", On: true}}, got.Items)
}

func TestNewErrorSorts(t *testing.T) {
	t.Parallel()
	err := yamlstrict.NewError([]yamlstrict.Problem{
		{File: "b.yaml", Line: 1, Col: 1, Message: "m3"},
		{File: "a.yaml", Message: "m2"},
		{File: "a.yaml", Line: 2, Col: 5, Message: "m1"},
	})
	require.EqualError(t, err, "a.yaml:2:5: m1\na.yaml: m2\nb.yaml:1:1: m3")
	require.NoError(t, yamlstrict.NewError(nil))
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	names := []string{"region", "instance_arn", "endpoint"}
	require.Equal(t, "region", yamlstrict.Suggest("regoin", names))
	require.Equal(t, "endpoint", yamlstrict.Suggest("ENDPOINT", names))
	require.Equal(t, "", yamlstrict.Suggest("zzz", names))
	require.Equal(t, " (did you mean region?)", yamlstrict.DidYouMean("regon", names))
}
