package sqlite

import (
	"context"

	"github.com/stint-dev/stint"
)

const tokenCols = "id, hash, user_email, name, created_at, expires_at"

// TokenGetByHash returns the token with the hash, or ENOTFOUND.
func (r reader) TokenGetByHash(ctx context.Context, hash string) (*stint.Token, error) {
	var tok stint.Token
	err := r.get(ctx, "token with that hash", func(s scanner) error {
		return s.Scan(&tok.ID, &tok.Hash, &tok.UserEmail, &tok.Name, timeCol{&tok.CreatedAt}, nullTimeCol{&tok.ExpiresAt})
	}, "SELECT "+tokenCols+" FROM tokens WHERE hash = ?", hash)
	if err != nil {
		return nil, err
	}
	return &tok, nil
}

// TokenCreate stores the token. It returns ECONFLICT when its ID or hash is
// taken.
func (t *tx) TokenCreate(ctx context.Context, tok *stint.Token) error {
	tok.CreatedAt, tok.ExpiresAt = norm(tok.CreatedAt), normPtr(tok.ExpiresAt)
	return t.insert(ctx, tokensTable, tok.ID, insertSQL("tokens", tokenCols),
		tok.ID, tok.Hash, tok.UserEmail, tok.Name, timeText(tok.CreatedAt), nullTimeText(tok.ExpiresAt))
}
