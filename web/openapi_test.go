package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/policy"
)

type route struct{ method, path string }

// apiRoutes lists the router's routes under /api/v1.
func apiRoutes(t *testing.T, s *Server) []route {
	t.Helper()
	var out []route
	err := chi.Walk(s.router, func(method, path string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(path, "/api/v1/") {
			out = append(out, route{method, path})
		}
		return nil
	})
	require.NoError(t, err)
	slices.SortFunc(out, func(a, b route) int { return strings.Compare(a.path+" "+a.method, b.path+" "+b.method) })
	return out
}

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		} `json:"schemas"`
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
		Responses map[string]json.RawMessage `json:"responses"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) (openAPIDoc, map[string]any) {
	t.Helper()
	var doc openAPIDoc
	require.NoError(t, json.Unmarshal(openAPIDocument, &doc), "openapi.json is not valid JSON")
	var raw map[string]any
	require.NoError(t, json.Unmarshal(openAPIDocument, &raw))
	return doc, raw
}

func TestOpenAPICoversRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	doc, _ := loadOpenAPI(t)
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3.0."), "openapi = %q", doc.OpenAPI)

	var documented []route
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, route{strings.ToUpper(method), path})
		}
	}
	slices.SortFunc(documented, func(a, b route) int { return strings.Compare(a.path+" "+a.method, b.path+" "+b.method) })
	require.Equal(t, apiRoutes(t, e.srv), documented, "routes and openapi.json differ")

	w := e.call("GET", "/api/v1/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, string(openAPIDocument), w.Body.String())
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	doc, raw := loadOpenAPI(t)

	t.Run("bearer auth", func(t *testing.T) {
		require.Equal(t, "http", doc.Components.SecuritySchemes["bearer"].Type)
		require.Equal(t, "bearer", doc.Components.SecuritySchemes["bearer"].Scheme)
		require.Equal(t, []any{map[string]any{"bearer": []any{}}}, raw["security"])
	})

	t.Run("every $ref resolves", func(t *testing.T) {
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if ref, ok := x["$ref"].(string); ok {
					parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
					var node any = raw
					for _, p := range parts {
						m, ok := node.(map[string]any)
						require.True(t, ok, "bad $ref %s", ref)
						node, ok = m[p]
						require.True(t, ok, "dangling $ref %s", ref)
					}
				}
				for _, c := range x {
					walk(c)
				}
			case []any:
				for _, c := range x {
					walk(c)
				}
			}
		}
		walk(raw)
	})

	t.Run("every operation documents 401 and 500 unless public", func(t *testing.T) {
		for path, ops := range doc.Paths {
			for method, op := range ops {
				var o struct {
					Security  []any                      `json:"security"`
					Responses map[string]json.RawMessage `json:"responses"`
				}
				require.NoError(t, json.Unmarshal(op, &o))
				if o.Security != nil && len(o.Security) == 0 {
					continue
				}
				require.Contains(t, o.Responses, "401", "%s %s", method, path)
				require.Contains(t, o.Responses, "500", "%s %s", method, path)
			}
		}
	})

	// The schemas name the same fields as the JSON tags of the types the
	// handlers read and write.
	schemas := []struct {
		schema string
		typ    any
	}{
		{"Request", stint.Request{}},
		{"ResourceRef", stint.ResourceRef{}},
		{"Review", stint.Review{}},
		{"Grant", stint.Grant{}},
		{"Event", stint.Event{}},
		{"Eligible", stint.Eligible{}},
		{"Profile", Profile{}},
		{"SubmitRequest", SubmitBody{}},
		{"ResourceInput", access.ResourceInput{}},
		{"ApproveRequest", ApproveBody{}},
		{"DenyRequest", DenyBody{}},
		{"ExtendGrant", ExtendBody{}},
		{"Empty", emptyBody{}},
		{"Error", errorBody{}},
		{"RequestStep", stint.RequestStep{}},
		{"Flow", stint.Flow{}},
		{"FlowResource", stint.FlowResource{}},
		{"IdentityCenterSelector", stint.IdentityCenterSelector{}},
		{"Bundle", stint.Bundle{}},
		{"TicketRule", stint.TicketRule{}},
		{"ApprovalStep", stint.ApprovalStep{}},
		{"AutoApproveRule", stint.AutoApproveRule{}},
		{"TimeWindow", stint.TimeWindow{}},
		{"OnCallSource", stint.OnCallSource{}},
		{"BreakGlass", stint.BreakGlass{}},
		{"ExtensionRule", stint.ExtensionRule{}},
		{"CanRequest", CanBody{}},
		{"Explanation", policy.Explanation{}},
		{"FlowReason", policy.FlowReason{}},
		{"WhoCan", policy.WhoCan{}},
		{"AccessReport", stint.AccessReport{}},
		{"AccessRecord", stint.AccessRecord{}},
		{"GrantExtension", stint.GrantExtension{}},
		{"Summary", stint.Summary{}},
		{"RequestCounts", stint.RequestCounts{}},
		{"FlowCount", stint.FlowCount{}},
		{"BreakGlassUse", stint.BreakGlassUse{}},
		{"DeniedRequest", stint.DeniedRequest{}},
		{"RequesterCount", stint.RequesterCount{}},
		{"GrantSpan", stint.GrantSpan{}},
		{"Invite", InviteBody{}},
		{"External", stint.External{}},
		{"InviteResult", access.InviteResult{}},
		{"CredentialsRequest", CredentialsBody{}},
		{"Credentials", stint.Credentials{}},
	}
	for _, tt := range schemas {
		t.Run("schema "+tt.schema, func(t *testing.T) {
			s, ok := doc.Components.Schemas[tt.schema]
			require.True(t, ok, "no schema %s", tt.schema)
			got := []string{}
			for name := range s.Properties {
				got = append(got, name)
			}
			slices.Sort(got)
			require.Equal(t, jsonFields(reflect.TypeOf(tt.typ)), got)
			for _, r := range s.Required {
				require.Contains(t, got, r, "required field %s is not a property", r)
			}
		})
	}
}

// jsonFields lists the JSON names of a struct's fields, sorted.
func jsonFields(t reflect.Type) []string {
	out := []string{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
