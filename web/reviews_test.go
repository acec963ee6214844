package web

import (
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// flatFields lists a struct's JSON field names, embedded structs' fields
// included (as encoding/json flattens them).
func flatFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			out = append(out, flatFields(ft)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		out = append(out, jsonFields(reflect.StructOf([]reflect.StructField{f}))...)
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIReviewSchemas(t *testing.T) {
	t.Parallel()
	doc, _ := loadOpenAPI(t)
	for name, typ := range map[string]any{
		"Campaign": stint.Campaign{}, "ReviewScope": stint.ReviewScope{}, "CampaignCounts": stint.CampaignCounts{},
		"ReviewItem": stint.ReviewItem{}, "CreateCampaign": CampaignBody{}, "DecideReviewItem": DecisionBody{},
	} {
		t.Run(name, func(t *testing.T) {
			s, ok := doc.Components.Schemas[name]
			require.True(t, ok, "no schema %s", name)
			var got []string
			for p := range s.Properties {
				got = append(got, p)
			}
			slices.Sort(got)
			require.Equal(t, flatFields(reflect.TypeOf(typ)), got)
			for _, r := range s.Required {
				require.Contains(t, got, r)
			}
		})
	}
}
