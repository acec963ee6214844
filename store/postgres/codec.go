package postgres

import (
	"encoding/json"
	"time"

	"github.com/stint-dev/stint"
)

// norm returns t as stored: in UTC, truncated to microseconds.
func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// normPtr returns a pointer to norm(*p), or nil for nil.
func normPtr(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	t := norm(*p)
	return &t
}

// jsonText encodes v for a jsonb column; what names the field in errors.
func jsonText(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", stint.Errorf(stint.EINVALID, "%s cannot be stored as JSON: %v", what, err)
	}
	return string(b), nil
}
