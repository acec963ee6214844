package identitycenter

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	"github.com/stretchr/testify/require"
)

func TestManagerOf(t *testing.T) {
	t.Parallel()
	ext := func(v any) map[string]document.Interface {
		return map[string]document.Interface{enterpriseExtension: document.NewLazyDocument(v)}
	}
	tests := []struct {
		name string
		ext  map[string]document.Interface
		want string
	}{
		{"SCIM reference", ext(map[string]any{"manager": map[string]any{"value": "u-carol"}, "department": "payments"}), "u-carol"},
		{"bare string", ext(map[string]any{"manager": "u-carol"}), "u-carol"},
		{"no manager", ext(map[string]any{"employeeNumber": "42"}), ""},
		{"no extension", nil, ""},
		{"another extension", map[string]document.Interface{"aws:identitystore:other": document.NewLazyDocument(map[string]any{"manager": "x"})}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, managerOf(tt.ext))
		})
	}
}
