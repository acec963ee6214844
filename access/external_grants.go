package access

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// An external's grant changes nothing in AWS: no assignment, no
// membership, no trust statement. Its access is the credentials stint
// issues while it is active (IssueCredentials), each ending no later
// than the grant. So it holds no effect in the ledger: activation marks
// it active at once, revocation and expiry end it without a provider
// call, and the reconciler, which walks effects, has nothing of theirs
// to compare with AWS. A grant that ends while credentials issued for it
// are still valid (revoked, or its external disabled) has them cut off:
// a durable job puts a statement on the broker role that denies the
// grant's sessions issued until then (see stint.SessionCutter and
// docs/external.md).

// queueCutoff queues the cut-off of the credentials issued for an
// external's grant that ends at now, when some are still valid: the
// latest expiry among its credentials.issued events is after now.
func (s *Service) queueCutoff(ctx context.Context, tx stint.Tx, g *stint.Grant, now time.Time) error {
	if !stint.IsExternalID(g.UserID) {
		return nil
	}
	issued, err := tx.EventList(ctx, &stint.EventListParams{Subject: g.ID, Type: stint.EventCredentialsIssued, Limit: 1000})
	if err != nil {
		return err
	}
	var until time.Time
	for _, e := range issued {
		if t, ok := stint.DataTime(e.Data["expiration"]); ok && t.After(until) {
			until = t
		}
	}
	if !until.After(now) {
		return nil
	}
	return tx.Enqueue(ctx, stint.Job{Args: stint.ExternalCutoffArgs{GrantID: g.ID, Before: now, Until: until}}) // at once
}

// CutOffExternal carries out a queued cut-off (the external_cutoff job):
// nothing once every credential it covers has expired, or with a broker
// that cannot cut sessions off (logged); otherwise the broker's CutOff,
// then a credentials.cut_off event. Errors are the broker's, for the job
// to retry.
func (s *Service) CutOffExternal(ctx context.Context, a stint.ExternalCutoffArgs) error {
	if !a.Until.After(s.now()) {
		return nil
	}
	cfg, err := s.externals()
	if err != nil {
		return err
	}
	cut, ok := cfg.Broker.(stint.SessionCutter)
	if !ok {
		s.log().Warn("the credential broker cannot cut off credentials; they stay valid until they expire", "grant", a.GrantID, "until", a.Until)
		return nil
	}
	g, err := s.Store.GrantGet(ctx, a.GrantID)
	if err != nil {
		return err
	}
	if err := cut.CutOff(ctx, g, a.Before, a.Until); err != nil {
		s.log().Warn("cutting off an external's credentials failed; retried", "grant", g.ID, "account", g.AccountID, "err", err)
		return err
	}
	s.log().Info("external's credentials cut off", "grant", g.ID, "account", g.AccountID, "before", a.Before, "until", a.Until)
	return s.Store.Tx(ctx, func(tx stint.Tx) error {
		return s.append(ctx, tx, s.event("system", stint.EventCredentialsCutOff, g.ID, map[string]any{
			"user": g.UserEmail, "resource": g.ResourceID, "account": g.AccountID,
			"issued_before": a.Before.UTC().Truncate(time.Second).Add(time.Second), "until": a.Until}))
	})
}

// activateExternal marks an external's activating grant active.
func (s *Service) activateExternal(ctx context.Context, id string) error {
	return s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		if g.State != stint.GrantActivating {
			return nil
		}
		next, err := stint.GrantActivated(g, s.now())
		if err != nil {
			return err
		}
		if err := tx.GrantUpdate(ctx, next); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event("system", stint.EventGrantActive, g.ID, map[string]any{
			"user": g.UserEmail, "resource": g.ResourceID, "ends_at": g.EndsAt,
			"note": "external user: no AWS change; the access is the credentials stint issues while the grant is active"}))
	})
}

// boundExternalGrants keeps an external's grants within their identity:
// none is made for a disabled or expired external, and none ends after
// the identity does.
func (s *Service) boundExternalGrants(ctx context.Context, tx stint.Tx, r *stint.Request, grants []*stint.Grant) error {
	if !stint.IsExternalID(r.RequesterID) {
		return nil
	}
	x, err := tx.ExternalGet(ctx, r.RequesterID)
	if err != nil {
		return fmt.Errorf("the external requester of %s: %w", r.ID, err)
	}
	if err := x.Usable(s.now()); err != nil {
		return stint.Errorf(stint.ECONFLICT, "request %s cannot be granted: %s", r.ID, stint.ErrorMessage(err))
	}
	for _, g := range grants {
		if g.EndsAt.After(x.ExpiresAt) {
			g.EndsAt = x.ExpiresAt
		}
	}
	return nil
}

// submitExternal files an external's request: only for what their own
// listing offers (checked first, so that no answer names anything else of
// the organisation), never past their identity's end, no break-glass, no
// extension requests. Refusals are recorded.
func (s *Service) submitExternal(ctx context.Context, c *Caller, in SubmitInput) (*stint.Request, error) {
	x := c.External
	refuse := func(what string, err error) (*stint.Request, error) {
		return nil, s.refuseExternal(ctx, c, what, "", err)
	}
	switch {
	case in.BreakGlass:
		return refuse("use break-glass", stint.Errorf(stint.EFORBIDDEN, "external users have no break-glass access"))
	case in.ExtendsGrant != "":
		return refuse("extend a grant", stint.Errorf(stint.EFORBIDDEN, "external access is not extended; request it again, and your sponsor approves"))
	}
	start := s.now()
	if in.StartsAt != nil && in.StartsAt.After(start) {
		start = *in.StartsAt
	}
	if left := x.ExpiresAt.Sub(start); in.Duration > left {
		return nil, stint.Errorf(stint.EINVALID, "your external account ends at %s; ask for at most %s",
			x.ExpiresAt.UTC().Format(time.RFC3339), stint.FormatDuration(left.Truncate(time.Minute)))
	}
	eligible, err := s.Resources(ctx, c)
	if err != nil {
		return nil, err
	}
	denied := func(what string) (*stint.Request, error) {
		return refuse("request "+what, stint.Errorf(stint.EFORBIDDEN, "you may not request %s; `stint resources` (or the portal) lists what you may request", what))
	}
	for _, res := range in.Resources {
		if res.ID == "" || !offers(eligible, res.ID) {
			return denied(strings.TrimSpace(res.ID + " " + res.Account + " " + res.PermissionSet))
		}
	}
	if in.Bundle != "" && !offersBundle(eligible, in.Bundle) {
		return denied("bundle " + in.Bundle)
	}
	r, err := s.submit(ctx, c, in)
	if stint.IsCode(err, stint.EFORBIDDEN) || stint.IsCode(err, stint.ENOTFOUND) {
		// The engine's explanation can name other flows: never shown to externals.
		return refuse("request", stint.Errorf(stint.EFORBIDDEN, "that request is not one you may make; `stint resources` lists what you may request"))
	}
	return forExternal(c, r), err
}

// offers reports whether the listing has the resource ID (by account ID
// or name).
func offers(eligible []stint.Eligible, id string) bool {
	for _, el := range eligible {
		g := &stint.Grant{ResourceID: el.ResourceID, AccountID: el.AccountID, AccountName: el.AccountName}
		if el.Type != "" && resourceMatches(g, strings.TrimSpace(id)) {
			return true
		}
	}
	return false
}

func offersBundle(eligible []stint.Eligible, name string) bool {
	for _, el := range eligible {
		if el.Type == "" && strings.HasPrefix(el.ResourceID, "bundle:") && strings.EqualFold(el.ResourceID[strings.LastIndex(el.ResourceID, "/")+1:], name) {
			return true
		}
	}
	return false
}
