package postgres

import (
	"context"
	"fmt"

	"github.com/stint-dev/stint"
)

// grantMutable are the columns an update rewrites.
const grantMutable = `request_id, flow, user_id, user_email, resource_id, account_id, account_name,
	permission_set, permission_set_arn, state, starts_at, ends_at, end_reason, ended_at, revoked_by,
	extensions, failed_op, last_error, attempts, updated_at`

const grantCols = grantMutable + ", id, created_at, version"

func scanGrant(s scanner) (*stint.Grant, error) {
	var g stint.Grant
	err := s.Scan(&g.RequestID, &g.Flow, &g.UserID, &g.UserEmail, &g.ResourceID, &g.AccountID, &g.AccountName,
		&g.PermissionSet, &g.PermissionSetARN, &g.State, &g.StartsAt, &g.EndsAt, &g.EndReason,
		&g.EndedAt, &g.RevokedBy, &g.Extensions, &g.FailedOp, &g.LastError, &g.Attempts, &g.UpdatedAt,
		&g.ID, &g.CreatedAt, &g.Version)
	return &g, err
}

// grantArgs puts g's times in the form they are stored in and returns the
// values of grantMutable.
func grantArgs(g *stint.Grant) []any {
	g.StartsAt, g.EndsAt, g.EndedAt = norm(g.StartsAt), norm(g.EndsAt), normPtr(g.EndedAt)
	g.CreatedAt, g.UpdatedAt = norm(g.CreatedAt), norm(g.UpdatedAt)
	return []any{g.RequestID, g.Flow, g.UserID, g.UserEmail, g.ResourceID, g.AccountID, g.AccountName,
		g.PermissionSet, g.PermissionSetARN, string(g.State), g.StartsAt, g.EndsAt, g.EndReason,
		g.EndedAt, g.RevokedBy, g.Extensions, g.FailedOp, g.LastError, g.Attempts, g.UpdatedAt}
}

// GrantGet returns the grant, or ENOTFOUND.
func (r reader) GrantGet(ctx context.Context, id string) (*stint.Grant, error) {
	var g *stint.Grant
	err := r.get(ctx, fmt.Sprintf("grant %q", id), func(s scanner) (err error) {
		g, err = scanGrant(s)
		return err
	}, "SELECT "+grantCols+" FROM grants WHERE id = $1", id)
	return g, err
}

// GrantList lists grants, newest first.
func (r reader) GrantList(ctx context.Context, p *stint.GrantListParams) ([]*stint.Grant, error) {
	if p == nil {
		p = &stint.GrantListParams{}
	}
	var w where
	if p.UserID != "" {
		w.add("user_id = " + w.arg(p.UserID))
	}
	if p.RequestID != "" {
		w.add("request_id = " + w.arg(p.RequestID))
	}
	if len(p.States) > 0 {
		w.add("state = ANY(" + w.arg(strs(p.States)) + ")")
	}
	query := "SELECT " + grantCols + " FROM grants" + w.sql() +
		" ORDER BY created_at DESC, id DESC LIMIT " + w.arg(limit(p.Limit, 100, 10000))
	return list(ctx, r.q, "grants", scanGrant, query, w.args...)
}

// GrantListDue lists the grants whose next timed step is due before
// p.Before, earliest first. The generated column due_at holds that time
// (NULL for grants with no timed step) and is indexed.
func (r reader) GrantListDue(ctx context.Context, p *stint.GrantListDueParams) ([]*stint.Grant, error) {
	if p == nil {
		p = &stint.GrantListDueParams{}
	}
	query := "SELECT " + grantCols + " FROM grants WHERE due_at < $1 ORDER BY due_at, id LIMIT $2"
	return list(ctx, r.q, "due grants", scanGrant, query, norm(p.Before), limit(p.Max, 1000, 0))
}

// GrantCreate inserts g with Version 1. It returns ECONFLICT when the ID is
// taken.
func (t *tx) GrantCreate(ctx context.Context, g *stint.Grant) error {
	args := grantArgs(g) // normalises g.CreatedAt: a separate statement orders it before the read below
	args = append(args, g.ID, g.CreatedAt, 1)
	if err := t.insert(ctx, grantsTable, g.ID, insertSQL("grants", grantCols), args...); err != nil {
		return err
	}
	g.Version = 1
	return nil
}

// GrantUpdate writes g if the stored version is still g.Version, then bumps
// g.Version. It returns ECONFLICT when the grant changed since it was read
// and ENOTFOUND when it does not exist.
func (t *tx) GrantUpdate(ctx context.Context, g *stint.Grant) error {
	query := updateSQL("grants", grantMutable, "id")
	if err := t.cas(ctx, grantsTable, g.ID, query, append(grantArgs(g), g.ID, g.Version)...); err != nil {
		return err
	}
	g.Version++
	return nil
}
