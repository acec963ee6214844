package sqlstore

import (
	"context"
	"fmt"

	"github.com/stint-dev/stint"
)

const managedCols = "kind, key, name, created_at"

func scanManaged(d *Dialect, s Row) (*stint.Managed, error) {
	var m stint.Managed
	err := s.Scan(&m.Kind, &m.Key, &m.Name, d.ScanTime(&m.CreatedAt))
	return &m, err
}

// ManagedList lists the records in (kind, key) order.
func (r Reader) ManagedList(ctx context.Context, p *stint.ManagedListParams) ([]*stint.Managed, error) {
	if p == nil {
		p = &stint.ManagedListParams{}
	}
	w := where{d: r.d}
	if p.Kind != "" {
		w.add("kind = " + w.arg(p.Kind))
	}
	return list(ctx, r, "managed objects", scanManaged, "SELECT "+managedCols+" FROM managed"+w.sql()+" ORDER BY kind, key", w.args...)
}

// ManagedPut records m, keeping the CreatedAt of an earlier record. It
// returns EINVALID without a kind or key.
func (t writer) ManagedPut(ctx context.Context, m *stint.Managed) error {
	if m.Kind == "" || m.Key == "" {
		return stint.Errorf(stint.EINVALID, "a managed object needs a kind and a key")
	}
	m.CreatedAt = Norm(m.CreatedAt)
	if _, err := t.q.Exec(ctx, t.d.stmt().managedPut, m.Kind, m.Key, m.Name, t.d.Time(m.CreatedAt)); err != nil {
		return fmt.Errorf("record managed %s %s: %w", m.Kind, m.Key, t.d.Translate(err))
	}
	return nil
}

// ManagedDelete removes the record; a missing one is not an error.
func (t writer) ManagedDelete(ctx context.Context, kind, key string) error {
	if _, err := t.q.Exec(ctx, t.d.stmt().managedDelete, kind, key); err != nil {
		return fmt.Errorf("forget managed %s %s: %w", kind, key, t.d.Translate(err))
	}
	return nil
}
