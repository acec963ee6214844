package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/stint-dev/stint"
)

const sessionCols = "hash, user_email, method, csrf, data, created_at, seen_at, expires_at"

func scanSession(d *Dialect, s Row) (*stint.Session, error) {
	var ss stint.Session
	err := s.Scan(&ss.Hash, &ss.UserEmail, &ss.Method, &ss.CSRF, d.ScanJSON(&ss.Data),
		d.ScanTime(&ss.CreatedAt), d.ScanTime(&ss.SeenAt), d.ScanTime(&ss.ExpiresAt))
	return &ss, err
}

// SessionGet returns the session with the hash, or ENOTFOUND.
func (r Reader) SessionGet(ctx context.Context, hash string) (*stint.Session, error) {
	return one(ctx, r, "session", scanSession,
		"SELECT "+sessionCols+" FROM sessions WHERE hash = "+r.d.Placeholder(1), hash)
}

// SessionPut creates the session or replaces the one with its hash. It
// returns EINVALID without a hash.
func (t writer) SessionPut(ctx context.Context, s *stint.Session) error {
	if s.Hash == "" {
		return stint.Errorf(stint.EINVALID, "a session needs its hash")
	}
	s.CreatedAt, s.SeenAt, s.ExpiresAt = Norm(s.CreatedAt), Norm(s.SeenAt), Norm(s.ExpiresAt)
	data := s.Data
	if data == nil {
		data = map[string]string{}
	}
	text, err := jsonText("session data", data)
	if err != nil {
		return err
	}
	p := t.d.Placeholder
	q := "INSERT INTO sessions (" + sessionCols + ") VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ", " + p(4) + ", " +
		p(5) + ", " + p(6) + ", " + p(7) + ", " + p(8) + ") ON CONFLICT (hash) DO UPDATE SET user_email = excluded.user_email," +
		" method = excluded.method, csrf = excluded.csrf, data = excluded.data, seen_at = excluded.seen_at, expires_at = excluded.expires_at"
	if _, err := t.q.Exec(ctx, q, s.Hash, s.UserEmail, s.Method, s.CSRF, text,
		t.d.Time(s.CreatedAt), t.d.Time(s.SeenAt), t.d.Time(s.ExpiresAt)); err != nil {
		return fmt.Errorf("store session: %w", t.d.Translate(err))
	}
	return nil
}

// SessionDelete removes the session; a missing one is not an error.
func (t writer) SessionDelete(ctx context.Context, hash string) error {
	if _, err := t.q.Exec(ctx, "DELETE FROM sessions WHERE hash = "+t.d.Placeholder(1), hash); err != nil {
		return fmt.Errorf("delete session: %w", t.d.Translate(err))
	}
	return nil
}

// SessionDeleteExpired removes the sessions past their absolute end at now
// or last seen before idleBefore.
func (t writer) SessionDeleteExpired(ctx context.Context, now, idleBefore time.Time) (int, error) {
	n, err := t.q.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= "+t.d.Placeholder(1)+" OR seen_at < "+t.d.Placeholder(2),
		t.d.Time(Norm(now)), t.d.Time(Norm(idleBefore)))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", t.d.Translate(err))
	}
	return int(n), nil
}
