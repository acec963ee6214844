package sqlite

import (
	"context"
	"fmt"

	"github.com/stint-dev/stint"
)

// effectMutable are the columns an update rewrites.
const effectMutable = `kind, account_id, permission_set_arn, principal_type, principal_id, state,
	preexisting, holders, updated_at`

const effectCols = "key, created_at, " + effectMutable + ", version"

func scanEffect(s scanner) (*stint.Effect, error) {
	var e stint.Effect
	err := s.Scan(&e.Key, timeCol{&e.CreatedAt},
		&e.Kind, &e.AccountID, &e.PermissionSetARN, &e.PrincipalType, &e.PrincipalID, &e.State,
		&e.Preexisting, jsonCol{&e.Holders}, timeCol{&e.UpdatedAt},
		&e.Version)
	return &e, err
}

// effectArgs puts e's times in the form they are stored in and returns the
// values of effectMutable.
func effectArgs(e *stint.Effect) ([]any, error) {
	e.CreatedAt, e.UpdatedAt = norm(e.CreatedAt), norm(e.UpdatedAt)
	holders, err := jsonText("effect holders", e.Holders)
	if err != nil {
		return nil, err
	}
	return []any{e.Kind, e.AccountID, e.PermissionSetARN, e.PrincipalType, e.PrincipalID, string(e.State),
		e.Preexisting, holders, timeText(e.UpdatedAt)}, nil
}

// EffectGet returns the effect, or ENOTFOUND.
func (r reader) EffectGet(ctx context.Context, key string) (*stint.Effect, error) {
	var e *stint.Effect
	err := r.get(ctx, fmt.Sprintf("effect %q", key), func(s scanner) (err error) {
		e, err = scanEffect(s)
		return err
	}, "SELECT "+effectCols+" FROM effects WHERE key = ?", key)
	return e, err
}

// EffectList lists effects in key order.
func (r reader) EffectList(ctx context.Context, p *stint.EffectListParams) ([]*stint.Effect, error) {
	if p == nil {
		p = &stint.EffectListParams{}
	}
	var w where
	if p.Kind != "" {
		w.add("kind = ?", p.Kind)
	}
	query := "SELECT " + effectCols + " FROM effects" + w.sql() + " ORDER BY key LIMIT ?"
	return list(ctx, r.q, "effects", scanEffect, query, append(w.args, limit(p.Limit, 10000, 0))...)
}

// EffectPut creates e when e.Version is 0 (ECONFLICT when the key is taken)
// and otherwise updates it if the stored version is still e.Version
// (ECONFLICT when it changed, ENOTFOUND when it is gone). It sets e.Version
// to the stored version.
func (t *tx) EffectPut(ctx context.Context, e *stint.Effect) error {
	args, err := effectArgs(e)
	if err != nil {
		return err
	}
	if e.Version == 0 {
		args = append([]any{e.Key, timeText(e.CreatedAt)}, append(args, 1)...)
		if err := t.insert(ctx, effectsTable, e.Key, insertSQL("effects", effectCols), args...); err != nil {
			return err
		}
		e.Version = 1
		return nil
	}
	query := "UPDATE effects SET " + setSQL(effectMutable) + ", version = version + 1 WHERE key = ? AND version = ?"
	if err := t.cas(ctx, effectsTable, e.Key, query, append(args, e.Key, e.Version)...); err != nil {
		return err
	}
	e.Version++
	return nil
}

// EffectDelete removes the effect if its stored version is still version.
// It returns ECONFLICT when it changed and ENOTFOUND when it is gone.
func (t *tx) EffectDelete(ctx context.Context, key string, version int64) error {
	return t.cas(ctx, effectsTable, key, "DELETE FROM effects WHERE key = ? AND version = ?", key, version)
}
