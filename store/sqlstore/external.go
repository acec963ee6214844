package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
)

var externalsTable = table{noun: "external user", name: "externals", key: "id"}

// externalMutable are the columns an update rewrites.
const externalMutable = `email, org, sponsor, invited_by, state, expires_at, invite_hash, invite_expires_at,
	invite_used_at, totp_secret, enrolled_at, totp_step, failures, failed_at, locked_until, recovery_hashes,
	disabled_at, disabled_by, updated_at`

const externalCols = externalMutable + ", id, created_at, version"

func scanExternal(d *Dialect, s Row) (*stint.External, error) {
	var x stint.External
	err := s.Scan(&x.Email, &x.Org, &x.Sponsor, &x.InvitedBy, &x.State, d.ScanTime(&x.ExpiresAt), &x.InviteHash,
		d.ScanTime(&x.InviteExpiresAt), d.ScanNullTime(&x.InviteUsedAt), &x.TOTPSecret, d.ScanNullTime(&x.EnrolledAt),
		&x.TOTPStep, &x.Failures, d.ScanNullTime(&x.FailedAt), d.ScanNullTime(&x.LockedUntil), d.ScanJSON(&x.RecoveryHashes),
		d.ScanNullTime(&x.DisabledAt), &x.DisabledBy, d.ScanTime(&x.UpdatedAt),
		&x.ID, d.ScanTime(&x.CreatedAt), &x.Version)
	if len(x.RecoveryHashes) == 0 {
		x.RecoveryHashes = nil
	}
	return &x, err
}

// externalArgs normalises x and returns the values of externalMutable.
func externalArgs(d *Dialect, x *stint.External) ([]any, error) {
	x.Email = strings.ToLower(strings.TrimSpace(x.Email))
	x.ExpiresAt, x.InviteExpiresAt, x.UpdatedAt, x.CreatedAt = Norm(x.ExpiresAt), Norm(x.InviteExpiresAt), Norm(x.UpdatedAt), Norm(x.CreatedAt)
	x.InviteUsedAt, x.EnrolledAt, x.FailedAt = normPtr(x.InviteUsedAt), normPtr(x.EnrolledAt), normPtr(x.FailedAt)
	x.LockedUntil, x.DisabledAt = normPtr(x.LockedUntil), normPtr(x.DisabledAt)
	hashes := x.RecoveryHashes
	if hashes == nil {
		hashes = []string{}
	}
	recovery, err := jsonText("recovery code hashes", slices.Clone(hashes))
	if err != nil {
		return nil, err
	}
	return []any{x.Email, x.Org, x.Sponsor, x.InvitedBy, string(x.State), d.Time(x.ExpiresAt), x.InviteHash,
		d.Time(x.InviteExpiresAt), d.nullTime(x.InviteUsedAt), x.TOTPSecret, d.nullTime(x.EnrolledAt), x.TOTPStep,
		x.Failures, d.nullTime(x.FailedAt), d.nullTime(x.LockedUntil), recovery, d.nullTime(x.DisabledAt), x.DisabledBy,
		d.Time(x.UpdatedAt)}, nil
}

// ExternalGet returns the external user, or ENOTFOUND.
func (r Reader) ExternalGet(ctx context.Context, id string) (*stint.External, error) {
	return one(ctx, r, fmt.Sprintf("external user %q", id), scanExternal,
		"SELECT "+externalCols+" FROM externals WHERE id = "+r.d.Placeholder(1), id)
}

// ExternalGetByEmail returns the external user with the email (any case),
// or ENOTFOUND.
func (r Reader) ExternalGetByEmail(ctx context.Context, email string) (*stint.External, error) {
	return one(ctx, r, fmt.Sprintf("external user %q", email), scanExternal,
		"SELECT "+externalCols+" FROM externals WHERE email = "+r.d.Placeholder(1), strings.ToLower(strings.TrimSpace(email)))
}

// ExternalGetByInvite returns the external user whose invite has the
// hash, or ENOTFOUND.
func (r Reader) ExternalGetByInvite(ctx context.Context, hash string) (*stint.External, error) {
	if hash == "" {
		return nil, stint.Errorf(stint.ENOTFOUND, "invite not found")
	}
	return one(ctx, r, "invite", scanExternal,
		"SELECT "+externalCols+" FROM externals WHERE invite_hash = "+r.d.Placeholder(1), hash)
}

// ExternalList lists external users by email.
func (r Reader) ExternalList(ctx context.Context, p *stint.ExternalListParams) ([]*stint.External, error) {
	if p == nil {
		p = &stint.ExternalListParams{}
	}
	w := where{d: r.d}
	if p.Org != "" {
		w.add("lower(org) = " + w.arg(strings.ToLower(p.Org)))
	}
	if p.Sponsor != "" {
		w.add("sponsor = " + w.arg(strings.ToLower(p.Sponsor)))
	}
	query := "SELECT " + externalCols + " FROM externals" + w.sql() + " ORDER BY email LIMIT " + w.arg(limit(p.Limit, 1000, 10000))
	return list(ctx, r, "external users", scanExternal, query, w.args...)
}

// ExternalCreate inserts x with Version 1. It returns ECONFLICT when the
// ID or the email is taken.
func (t writer) ExternalCreate(ctx context.Context, x *stint.External) error {
	if x.ID == "" || !stint.IsExternalID(x.ID) {
		return stint.Errorf(stint.EINVALID, "an external user's ID must start with %q", stint.ExternalIDPrefix)
	}
	args, err := externalArgs(t.d, x)
	if err != nil {
		return err
	}
	args = append(args, x.ID, t.d.Time(x.CreatedAt), 1)
	if err := t.insert(ctx, externalsTable, x.ID, t.d.insertSQL(externalsTable, externalCols), args...); err != nil {
		if stint.IsCode(err, stint.ECONFLICT) {
			return stint.Errorf(stint.ECONFLICT, "an external user %s or with email %s exists already", x.ID, x.Email)
		}
		return err
	}
	x.Version = 1
	return nil
}

// ExternalUpdate writes x if the stored version is still x.Version, then
// bumps it; ECONFLICT when it changed, ENOTFOUND when it is gone.
func (t writer) ExternalUpdate(ctx context.Context, x *stint.External) error {
	args, err := externalArgs(t.d, x)
	if err != nil {
		return err
	}
	if err := t.cas(ctx, externalsTable, x.ID, t.d.updateSQL(externalsTable, externalMutable), append(args, x.ID, x.Version)...); err != nil {
		return err
	}
	x.Version++
	return nil
}
