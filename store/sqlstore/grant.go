package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/stint-dev/stint"
)

// grantMutable are the columns an update rewrites.
const grantMutable = `request_id, flow, user_id, user_email, resource_id, account_id, account_name,
	permission_set, permission_set_arn, state, starts_at, ends_at, duration_ns, break_glass, end_reason,
	ended_at, revoked_by, extensions, failed_op, last_error, attempts, resource_type, details, updated_at`

const grantCols = grantMutable + ", id, created_at, version"

func scanGrant(d *Dialect, s Row) (*stint.Grant, error) {
	var g stint.Grant
	var det grantDetails
	err := s.Scan(&g.RequestID, &g.Flow, &g.UserID, &g.UserEmail, &g.ResourceID, &g.AccountID, &g.AccountName,
		&g.PermissionSet, &g.PermissionSetARN, &g.State, d.ScanTime(&g.StartsAt), d.ScanTime(&g.EndsAt),
		(*int64)(&g.Duration), &g.BreakGlass, &g.EndReason,
		d.ScanNullTime(&g.EndedAt), &g.RevokedBy, &g.Extensions, &g.FailedOp, &g.LastError, &g.Attempts,
		&g.Type, d.ScanJSON(&det),
		d.ScanTime(&g.UpdatedAt),
		&g.ID, d.ScanTime(&g.CreatedAt), &g.Version)
	g.Name, g.Level, g.Namespace, g.ResourceARN = det.Name, det.Level, det.Namespace, det.ResourceARN
	g.Attributes, g.UserName, g.Cutoff = det.Attributes, det.UserName, det.Cutoff
	return &g, err
}

// grantDetails are the fields of other resource types than Identity
// Center, stored as JSON in the details column.
type grantDetails struct {
	Name        string            `json:"name,omitempty"`
	Level       string            `json:"level,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	ResourceARN string            `json:"resource_arn,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	UserName    string            `json:"user_name,omitempty"`
	Cutoff      bool              `json:"cutoff,omitempty"`
}

// grantArgs puts g's times in the form they are stored in and returns the
// values of grantMutable.
func grantArgs(d *Dialect, g *stint.Grant) ([]any, error) {
	g.StartsAt, g.EndsAt, g.EndedAt = Norm(g.StartsAt), Norm(g.EndsAt), normPtr(g.EndedAt)
	g.CreatedAt, g.UpdatedAt = Norm(g.CreatedAt), Norm(g.UpdatedAt)
	details, err := jsonText("grant details", grantDetails{Name: g.Name, Level: g.Level, Namespace: g.Namespace,
		ResourceARN: g.ResourceARN, Attributes: g.Attributes, UserName: g.UserName, Cutoff: g.Cutoff})
	if err != nil {
		return nil, err
	}
	return []any{g.RequestID, g.Flow, g.UserID, g.UserEmail, g.ResourceID, g.AccountID, g.AccountName,
		g.PermissionSet, g.PermissionSetARN, string(g.State), d.Time(g.StartsAt), d.Time(g.EndsAt),
		int64(g.Duration), g.BreakGlass, g.EndReason,
		d.nullTime(g.EndedAt), g.RevokedBy, g.Extensions, g.FailedOp, g.LastError, g.Attempts,
		string(g.Type), details, d.Time(g.UpdatedAt)}, nil
}

// GrantGet returns the grant, or ENOTFOUND.
func (r Reader) GrantGet(ctx context.Context, id string) (*stint.Grant, error) {
	return one(ctx, r, fmt.Sprintf("grant %q", id), scanGrant,
		r.d.stmt().grantGet, id)
}

// GrantList lists grants, newest first.
func (r Reader) GrantList(ctx context.Context, p *stint.GrantListParams) ([]*stint.Grant, error) {
	if p == nil {
		p = &stint.GrantListParams{}
	}
	w := where{d: r.d}
	if p.UserID != "" {
		w.add("user_id = " + w.arg(p.UserID))
	}
	if p.RequestID != "" {
		w.add("request_id = " + w.arg(p.RequestID))
	}
	if len(p.States) > 0 {
		w.in("state", strs(p.States))
	}
	if p.UserEmail != "" {
		w.add("lower(user_email) = " + w.arg(strings.ToLower(p.UserEmail)))
	}
	if p.Resource != "" {
		w.contains("resource_id || ' ' || account_name", p.Resource)
	}
	if p.ResourceID != "" {
		w.add("resource_id = " + w.arg(p.ResourceID))
	}
	if p.AccountID != "" {
		w.add("account_id = " + w.arg(p.AccountID))
	}
	if p.Flow != "" {
		w.add("flow = " + w.arg(p.Flow))
	}
	if !p.From.IsZero() || !p.Until.IsZero() {
		w.in("state", strs([]stint.GrantState{stint.GrantActivating, stint.GrantActive, stint.GrantRevoking, stint.GrantFailed, stint.GrantEnded}))
		w.add("end_reason <> " + w.arg(stint.EndNotActivated))
		w.add("(state <> 'ended' OR ended_at IS NULL OR ended_at > starts_at)")
	}
	if !p.Until.IsZero() {
		w.add("starts_at < " + w.arg(r.d.Time(Norm(p.Until))))
	}
	if !p.From.IsZero() {
		w.add("(state <> 'ended' OR coalesce(ended_at, ends_at) > " + w.arg(r.d.Time(Norm(p.From))) + ")")
	}
	query := "SELECT " + grantCols + " FROM grants" + w.sql() +
		" ORDER BY created_at DESC, id DESC LIMIT " + w.arg(limit(p.Limit, 100, 10000))
	if p.Offset > 0 {
		query += " OFFSET " + w.arg(p.Offset)
	}
	return list(ctx, r, "grants", scanGrant, query, w.args...)
}

// GrantListDue lists the grants whose next timed step is due before
// p.Before, earliest first: scheduled grants by their start; ready (at the
// end of their activation window), activating, active and failed grants by
// their end. The generated column due_at holds that time (NULL for grants
// with no timed step) and is indexed.
func (r Reader) GrantListDue(ctx context.Context, p *stint.GrantListDueParams) ([]*stint.Grant, error) {
	if p == nil {
		p = &stint.GrantListDueParams{}
	}
	return list(ctx, r, "due grants", scanGrant, r.d.stmt().grantListDue, r.d.Time(Norm(p.Before)), limit(p.Max, 1000, 0))
}

// GrantCreate inserts g with Version 1. It returns ECONFLICT when the ID is
// taken.
func (t writer) GrantCreate(ctx context.Context, g *stint.Grant) error {
	args, err := grantArgs(t.d, g) // normalises g.CreatedAt: a separate statement orders it before the read below
	if err != nil {
		return err
	}
	args = append(args, g.ID, t.d.Time(g.CreatedAt), 1)
	if err := t.insert(ctx, grantsTable, g.ID, t.d.stmt().grantInsert, args...); err != nil {
		return err
	}
	g.Version = 1
	return nil
}

// GrantUpdate writes g if the stored version is still g.Version, then bumps
// g.Version. It returns ECONFLICT when the grant changed since it was read
// and ENOTFOUND when it does not exist.
func (t writer) GrantUpdate(ctx context.Context, g *stint.Grant) error {
	args, err := grantArgs(t.d, g)
	if err != nil {
		return err
	}
	if err := t.cas(ctx, grantsTable, g.ID, t.d.stmt().grantUpdate, append(args, g.ID, g.Version)...); err != nil {
		return err
	}
	g.Version++
	return nil
}
