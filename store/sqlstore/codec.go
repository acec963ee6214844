package sqlstore

import (
	"encoding/json"
	"time"

	"github.com/stint-dev/stint"
)

// Norm returns t as stored: in UTC, truncated to microseconds.
func Norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// normPtr returns a pointer to Norm(*p), or nil for nil.
func normPtr(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	t := Norm(*p)
	return &t
}

// jsonText encodes v for a JSON column; what names the field in errors.
func jsonText(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", stint.Errorf(stint.EINVALID, "%s cannot be stored as JSON: %v", what, err)
	}
	return string(b), nil
}
