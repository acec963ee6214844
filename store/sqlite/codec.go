package sqlite

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/stint-dev/stint/store/sqlstore"
)

// timeLayout is how times are stored: UTC, fixed width, microseconds, so
// that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// timeText encodes t for a TEXT column.
func timeText(t time.Time) string { return sqlstore.Norm(t).Format(timeLayout) }

// timeCol scans a time column into *p.
type timeCol struct{ p *time.Time }

func (c timeCol) Scan(src any) error {
	s, err := text(src)
	if err != nil {
		return err
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return fmt.Errorf("parse stored time %q: %w", s, err)
	}
	*c.p = t
	return nil
}

// nullTimeCol scans a nullable time column into *p.
type nullTimeCol struct{ p **time.Time }

func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.p = &t
	return nil
}

// jsonCol scans a JSON column into p, a pointer.
type jsonCol struct{ p any }

func (c jsonCol) Scan(src any) error {
	s, err := text(src)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(s), c.p); err != nil {
		return fmt.Errorf("decode stored JSON: %w", err)
	}
	return nil
}

func text(src any) (string, error) {
	switch v := src.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("stored value is %T, want text", src)
}
