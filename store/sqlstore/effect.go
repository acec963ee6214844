package sqlstore

import (
	"context"
	"fmt"

	"github.com/stint-dev/stint"
)

// effectMutable are the columns an update rewrites.
const effectMutable = `kind, account_id, permission_set_arn, principal_type, principal_id, state,
	preexisting, holders, target, subject, spec, until, updated_at`

const effectCols = effectMutable + ", key, created_at, version"

func scanEffect(d *Dialect, s Row) (*stint.Effect, error) {
	var e stint.Effect
	err := s.Scan(&e.Kind, &e.AccountID, &e.PermissionSetARN, &e.PrincipalType, &e.PrincipalID, &e.State,
		&e.Preexisting, d.ScanJSON(&e.Holders), &e.Target, &e.Subject, d.ScanJSON(&e.Spec), d.ScanNullTime(&e.Until),
		d.ScanTime(&e.UpdatedAt),
		&e.Key, d.ScanTime(&e.CreatedAt), &e.Version)
	return &e, err
}

// effectArgs puts e's times in the form they are stored in and returns the
// values of effectMutable.
func effectArgs(d *Dialect, e *stint.Effect) ([]any, error) {
	e.CreatedAt, e.UpdatedAt, e.Until = Norm(e.CreatedAt), Norm(e.UpdatedAt), normPtr(e.Until)
	holders, err := jsonText("effect holders", e.Holders)
	if err != nil {
		return nil, err
	}
	spec, err := jsonText("effect spec", e.Spec)
	if err != nil {
		return nil, err
	}
	return []any{e.Kind, e.AccountID, e.PermissionSetARN, e.PrincipalType, e.PrincipalID, string(e.State),
		e.Preexisting, holders, e.Target, e.Subject, spec, d.nullTime(e.Until), d.Time(e.UpdatedAt)}, nil
}

// EffectGet returns the effect, or ENOTFOUND.
func (r Reader) EffectGet(ctx context.Context, key string) (*stint.Effect, error) {
	return one(ctx, r, fmt.Sprintf("effect %q", key), scanEffect,
		r.d.stmt().effectGet, key)
}

// EffectList lists effects in key order, all of them unless p.Limit is set.
func (r Reader) EffectList(ctx context.Context, p *stint.EffectListParams) ([]*stint.Effect, error) {
	if p == nil {
		p = &stint.EffectListParams{}
	}
	w := where{d: r.d}
	if p.Kind != "" {
		w.add("kind = " + w.arg(p.Kind))
	}
	query := "SELECT " + effectCols + " FROM effects" + w.sql() + " ORDER BY key"
	if p.Limit > 0 {
		query += " LIMIT " + w.arg(p.Limit)
	}
	return list(ctx, r, "effects", scanEffect, query, w.args...)
}

// EffectPut creates e when e.Version is 0 (ECONFLICT when the key is taken)
// and otherwise updates it if the stored version is still e.Version
// (ECONFLICT when it changed, ENOTFOUND when it is gone). It sets e.Version
// to the stored version.
func (t writer) EffectPut(ctx context.Context, e *stint.Effect) error {
	args, err := effectArgs(t.d, e)
	if err != nil {
		return err
	}
	if e.Version == 0 {
		args = append(args, e.Key, t.d.Time(e.CreatedAt), 1)
		if err := t.insert(ctx, effectsTable, e.Key, t.d.stmt().effectInsert, args...); err != nil {
			return err
		}
		e.Version = 1
		return nil
	}
	query := t.d.stmt().effectUpdate
	if err := t.cas(ctx, effectsTable, e.Key, query, append(args, e.Key, e.Version)...); err != nil {
		return err
	}
	e.Version++
	return nil
}

// EffectDelete removes the effect if its stored version is still version.
// It returns ECONFLICT when it changed and ENOTFOUND when it is gone.
func (t writer) EffectDelete(ctx context.Context, key string, version int64) error {
	return t.cas(ctx, effectsTable, key, t.d.stmt().effectDelete, key, version)
}
