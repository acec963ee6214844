package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stint-dev/stint"
)

const cursorCols = "name, seq, forwarded_at, attempted_at, last_error, version"

func scanCursor(d *Dialect, s Row) (*stint.ForwardCursor, error) {
	var c stint.ForwardCursor
	err := s.Scan(&c.Name, &c.Seq, d.ScanTime(&c.ForwardedAt), d.ScanTime(&c.AttemptedAt), &c.LastError, &c.Version)
	return &c, err
}

// ForwardCursorList lists the forwarding cursors by name.
func (r Reader) ForwardCursorList(ctx context.Context) ([]*stint.ForwardCursor, error) {
	return list(ctx, r, "forwarding cursors", scanCursor, "SELECT "+cursorCols+" FROM forward_cursors ORDER BY name")
}

// ForwardCursorPut creates c when c.Version is 0 (ECONFLICT when the name is
// taken) and otherwise updates it if the stored version is still c.Version
// (ECONFLICT when it changed). It sets c.Version to the stored version.
func (t writer) ForwardCursorPut(ctx context.Context, c *stint.ForwardCursor) error {
	if c.Name == "" {
		return stint.Errorf(stint.EINVALID, "a forwarding cursor needs a name")
	}
	c.ForwardedAt, c.AttemptedAt = Norm(c.ForwardedAt), Norm(c.AttemptedAt)
	args := []any{c.Seq, t.d.Time(c.ForwardedAt), t.d.Time(c.AttemptedAt), c.LastError, c.Name}
	if c.Version == 0 {
		if err := t.insert(ctx, cursorsTable, c.Name, t.d.stmt().cursorInsert, args...); err != nil {
			return err
		}
		c.Version = 1
		return nil
	}
	if err := t.cas(ctx, cursorsTable, c.Name, t.d.stmt().cursorUpdate, append(args, c.Version)...); err != nil {
		return err
	}
	c.Version++
	return nil
}

const anchorCols = "seq, hash, time, key_id, signature, pruned"

func scanAnchor(d *Dialect, s Row) (*stint.Anchor, error) {
	var a stint.Anchor
	err := s.Scan(&a.Seq, &a.Hash, d.ScanTime(&a.Time), &a.KeyID, &a.Signature, &a.Pruned)
	return &a, err
}

// AnchorList lists the retention anchors, oldest first.
func (r Reader) AnchorList(ctx context.Context) ([]*stint.Anchor, error) {
	return list(ctx, r, "retention anchors", scanAnchor, "SELECT "+anchorCols+" FROM anchors ORDER BY seq")
}

// EventPrune deletes the events of the chain up to a.Seq and records the
// anchor in their place. It returns ECONFLICT, deleting nothing, unless
// the event at a.Seq is there with a.Hash.
func (t writer) EventPrune(ctx context.Context, a *stint.Anchor) (int64, error) {
	var hash string
	err := t.q.QueryRow(ctx, "SELECT hash FROM events WHERE seq = "+t.d.Placeholder(1), a.Seq).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, stint.Errorf(stint.ECONFLICT, "event %d is not in the store; nothing pruned", a.Seq)
	}
	if err != nil {
		return 0, fmt.Errorf("read event %d: %w", a.Seq, t.d.Translate(err))
	}
	if hash != a.Hash {
		return 0, stint.Errorf(stint.ECONFLICT, "event %d has another hash than the anchor was signed for; nothing pruned", a.Seq)
	}
	n, err := t.q.Exec(ctx, "DELETE FROM events WHERE seq <= "+t.d.Placeholder(1), a.Seq)
	if err != nil {
		return 0, fmt.Errorf("delete events up to %d: %w", a.Seq, t.d.Translate(err))
	}
	a.Time, a.Pruned = Norm(a.Time), n
	if _, err := t.q.Exec(ctx, t.d.stmt().anchorInsert, a.Seq, a.Hash, t.d.Time(a.Time), a.KeyID, a.Signature, a.Pruned); err != nil {
		return 0, fmt.Errorf("record the anchor at %d: %w", a.Seq, t.d.Translate(err))
	}
	return n, nil
}
