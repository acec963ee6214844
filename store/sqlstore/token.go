package sqlstore

import (
	"context"

	"github.com/stint-dev/stint"
)

const tokenCols = "id, hash, user_email, name, created_at, expires_at"

func scanToken(d *Dialect, s Row) (*stint.Token, error) {
	var tok stint.Token
	err := s.Scan(&tok.ID, &tok.Hash, &tok.UserEmail, &tok.Name, d.ScanTime(&tok.CreatedAt), d.ScanNullTime(&tok.ExpiresAt))
	return &tok, err
}

// TokenGetByHash returns the token with the hash, or ENOTFOUND.
func (r Reader) TokenGetByHash(ctx context.Context, hash string) (*stint.Token, error) {
	return one(ctx, r, "token with that hash", scanToken,
		r.d.stmt().tokenGet, hash)
}

// TokenCreate stores the token. It returns ECONFLICT when its ID or hash is
// taken.
func (t writer) TokenCreate(ctx context.Context, tok *stint.Token) error {
	tok.CreatedAt, tok.ExpiresAt = Norm(tok.CreatedAt), normPtr(tok.ExpiresAt)
	return t.insert(ctx, tokensTable, tok.ID, t.d.stmt().tokenInsert,
		tok.ID, tok.Hash, tok.UserEmail, tok.Name, t.d.Time(tok.CreatedAt), t.d.nullTime(tok.ExpiresAt))
}
