package access

import (
	"context"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Authenticate resolves a bearer token to a caller. It returns EUNAUTHORIZED
// for an unknown or expired token, or a token whose user left the directory.
func (s *Service) Authenticate(ctx context.Context, token string) (*Caller, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "no API token; pass --token or set STINT_TOKEN (create one with `stint token create`)")
	}
	t, err := s.Store.TokenGetByHash(ctx, stint.HashToken(token))
	if stint.IsCode(err, stint.ENOTFOUND) {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "invalid API token")
	}
	if err != nil {
		return nil, err
	}
	if t.Expired(s.now()) {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "API token %s expired at %s; create a new one", t.ID, t.ExpiresAt.Format(time.RFC3339))
	}
	dir, err := s.Directory(ctx)
	if err != nil {
		return nil, err
	}
	u, err := dir.UserByEmail(t.UserEmail)
	if err != nil {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "token user %s is not in the identity store", t.UserEmail)
	}
	return &Caller{User: u, Admin: s.IsAdmin(u.Email)}, nil
}

// Resources lists what the caller may request.
func (s *Service) Resources(ctx context.Context, c *Caller) ([]stint.Eligible, error) {
	dir, err := s.Directory(ctx)
	if err != nil {
		return nil, err
	}
	return stint.EligibleResources(s.flows(), dir, c.User), nil
}

// Submit files a request. It returns ENOTFOUND for an unknown account or
// permission set, EFORBIDDEN when no flow lets the caller request a resource,
// and EINVALID for a bad duration, a missing reason or a past start.
func (s *Service) Submit(ctx context.Context, c *Caller, in SubmitInput) (*stint.Request, error) {
	dir, err := s.Directory(ctx)
	if err != nil {
		return nil, err
	}
	if len(in.Resources) == 0 {
		return nil, stint.Errorf(stint.EINVALID, "name at least one resource (account and permission set)")
	}
	if len(in.Resources) > 100 {
		return nil, stint.Errorf(stint.EINVALID, "a request may name at most 100 resources")
	}
	flows := s.flows()
	var flow *stint.Flow
	refs := make([]stint.ResourceRef, 0, len(in.Resources))
	seen := map[string]bool{}
	for _, ri := range in.Resources {
		ref, f, err := resolveResource(dir, flows, c.User, ri)
		if err != nil {
			return nil, err
		}
		if flow != nil && f.Name != flow.Name {
			return nil, stint.Errorf(stint.EINVALID, "%s comes through flow %q but %s through %q; request them separately",
				refs[0].ID, flow.Name, ref.ID, f.Name)
		}
		flow = f
		if !seen[ref.ID] {
			seen[ref.ID] = true
			refs = append(refs, ref)
		}
	}
	now := s.now()
	if in.StartsAt != nil {
		t := in.StartsAt.UTC().Truncate(time.Microsecond)
		in.StartsAt = &t
	}
	r, err := stint.SubmitRequest(stint.Submission{
		Requester: c.User, Flow: flow, Resources: refs, Reason: in.Reason,
		Duration: in.Duration, StartsAt: in.StartsAt,
	}, s.newID(), now)
	if err != nil {
		return nil, err
	}
	err = s.Store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.RequestCreate(ctx, r); err != nil {
			return err
		}
		data := map[string]any{"flow": r.Flow, "resources": resourceIDs(r), "duration": r.Duration.String(), "reason": r.Reason}
		if err := tx.EventAppend(ctx, s.event(c.User.Email, stint.EventRequestCreated, r.ID, data)); err != nil {
			return err
		}
		if r.State == stint.RequestApproved {
			if err := tx.EventAppend(ctx, s.event("system", stint.EventRequestApproved, r.ID, map[string]any{"auto_approved": true, "flow": r.Flow})); err != nil {
				return err
			}
			return s.createGrants(ctx, tx, r, now)
		}
		return tx.Enqueue(ctx, stint.Job{Args: stint.ExpireRequestArgs{RequestID: r.ID}, RunAt: r.ReviewBy})
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return r, nil
}

func resolveResource(dir *stint.Directory, flows []stint.Flow, u *stint.User, ri ResourceInput) (stint.ResourceRef, *stint.Flow, error) {
	if strings.TrimSpace(ri.Account) == "" || strings.TrimSpace(ri.PermissionSet) == "" {
		return stint.ResourceRef{}, nil, stint.Errorf(stint.EINVALID, "each resource needs an account (ID or name) and a permission set")
	}
	a, err := dir.Account(ri.Account)
	if err != nil {
		return stint.ResourceRef{}, nil, err
	}
	ps, err := dir.PermissionSet(ri.PermissionSet)
	if err != nil {
		return stint.ResourceRef{}, nil, err
	}
	f, err := stint.FindFlow(flows, u, a, ps.Name)
	if err != nil {
		return stint.ResourceRef{}, nil, err
	}
	return stint.ResourceRef{
		ID: stint.ResourceID(a.ID, ps.Name), AccountID: a.ID, AccountName: a.Name,
		PermissionSet: ps.Name, PermissionSetARN: ps.ARN,
	}, f, nil
}

func resourceIDs(r *stint.Request) []string {
	out := make([]string, len(r.Resources))
	for i, res := range r.Resources {
		out[i] = res.ID
	}
	return out
}

// createGrants writes an approved request's grants with their activation and
// expiry jobs.
func (s *Service) createGrants(ctx context.Context, tx stint.Tx, r *stint.Request, now time.Time) error {
	var window time.Duration
	if f, err := s.flow(r.Flow); err == nil {
		window = time.Duration(f.ActivationWindow)
	}
	grants, err := stint.GrantsFor(r, window, s.newID, now)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if err := tx.GrantCreate(ctx, g); err != nil {
			return err
		}
		typ := stint.EventGrantActivating
		if g.State == stint.GrantScheduled {
			typ = stint.EventGrantScheduled
		}
		data := map[string]any{"request_id": r.ID, "user": g.UserEmail, "resource": g.ResourceID,
			"starts_at": g.StartsAt, "ends_at": g.EndsAt}
		if err := tx.EventAppend(ctx, s.event("system", typ, g.ID, data)); err != nil {
			return err
		}
		err := tx.Enqueue(ctx,
			jobAt(stint.ActivateGrantArgs{GrantID: g.ID}, g.StartsAt, now),
			jobAt(stint.ExpireGrantArgs{GrantID: g.ID}, g.EndsAt, now))
		if err != nil {
			return err
		}
	}
	return nil
}

// Requests lists requests visible to the caller: their own, those they may
// review, and (for admins) all.
func (s *Service) Requests(ctx context.Context, c *Caller, in RequestsInput) ([]*stint.Request, error) {
	p := &stint.RequestListParams{Limit: in.Limit}
	if in.Pending {
		p.States = []stint.RequestState{stint.RequestPending}
	}
	if !c.Admin && !s.mayReviewAny(c.User) {
		p.RequesterID = c.User.ID
	}
	list, err := s.Store.RequestList(ctx, p)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, r := range list {
		if s.mayView(c, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Service) mayReviewAny(u *stint.User) bool {
	for _, f := range s.flows() {
		if f.IsApprover(u) {
			return true
		}
	}
	return false
}

func (s *Service) mayView(c *Caller, r *stint.Request) bool {
	if c.Admin || r.RequesterID == c.User.ID {
		return true
	}
	f, err := s.flow(r.Flow)
	return err == nil && f.IsApprover(c.User)
}

// Request returns one request. It returns ENOTFOUND when the caller may not see it.
func (s *Service) Request(ctx context.Context, c *Caller, id string) (*stint.Request, error) {
	r, err := s.Store.RequestGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.mayView(c, r) {
		return nil, stint.Errorf(stint.ENOTFOUND, "request %q not found", id)
	}
	return r, nil
}

// Approve approves a pending request. It returns EFORBIDDEN for the requester
// or a non-approver and ECONFLICT when the request is no longer pending.
func (s *Service) Approve(ctx context.Context, c *Caller, id, comment string) (*stint.Request, error) {
	return s.review(ctx, c, id, func(r *stint.Request, f *stint.Flow, now time.Time) (*stint.Request, error) {
		return stint.ApproveRequest(r, f, c.User, comment, now)
	})
}

// Deny denies a pending request with a reason.
func (s *Service) Deny(ctx context.Context, c *Caller, id, reason string) (*stint.Request, error) {
	return s.review(ctx, c, id, func(r *stint.Request, f *stint.Flow, now time.Time) (*stint.Request, error) {
		return stint.DenyRequest(r, f, c.User, reason, now)
	})
}

func (s *Service) review(ctx context.Context, c *Caller, id string,
	apply func(*stint.Request, *stint.Flow, time.Time) (*stint.Request, error)) (*stint.Request, error) {
	var next *stint.Request
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		r, err := tx.RequestGet(ctx, id)
		if err != nil {
			return err
		}
		if !s.mayView(c, r) {
			return stint.Errorf(stint.ENOTFOUND, "request %q not found", id)
		}
		f, err := s.flow(r.Flow)
		if err != nil {
			return err
		}
		now := s.now()
		if next, err = apply(r, f, now); err != nil {
			return err
		}
		if err := tx.RequestUpdate(ctx, next); err != nil {
			return err
		}
		rv := next.Reviews[len(next.Reviews)-1]
		typ := stint.EventRequestApproved
		if next.State == stint.RequestDenied {
			typ = stint.EventRequestDenied
		}
		if err := tx.EventAppend(ctx, s.event(c.User.Email, typ, r.ID, map[string]any{"comment": rv.Comment, "flow": r.Flow})); err != nil {
			return err
		}
		if next.State == stint.RequestApproved {
			return s.createGrants(ctx, tx, next, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return next, nil
}

// Cancel withdraws the caller's own pending request.
func (s *Service) Cancel(ctx context.Context, c *Caller, id string) (*stint.Request, error) {
	var next *stint.Request
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		r, err := tx.RequestGet(ctx, id)
		if err != nil {
			return err
		}
		if !s.mayView(c, r) {
			return stint.Errorf(stint.ENOTFOUND, "request %q not found", id)
		}
		if next, err = stint.CancelRequest(r, c.User, s.now()); err != nil {
			return err
		}
		if err := tx.RequestUpdate(ctx, next); err != nil {
			return err
		}
		return tx.EventAppend(ctx, s.event(c.User.Email, stint.EventRequestCancelled, r.ID, nil))
	})
	return next, err
}

// Grants lists grants: the caller's own, or every user's for admins. Without
// All only live, revoking and failed grants are listed.
func (s *Service) Grants(ctx context.Context, c *Caller, in GrantsInput) ([]*stint.Grant, error) {
	p := &stint.GrantListParams{Limit: in.Limit}
	if !c.Admin {
		p.UserID = c.User.ID
	}
	if !in.All {
		p.States = []stint.GrantState{stint.GrantScheduled, stint.GrantActivating, stint.GrantActive, stint.GrantRevoking, stint.GrantFailed}
	}
	return s.Store.GrantList(ctx, p)
}

// Grant returns one grant visible to the caller.
func (s *Service) Grant(ctx context.Context, c *Caller, id string) (*stint.Grant, error) {
	g, err := s.Store.GrantGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.Admin && g.UserID != c.User.ID {
		return nil, stint.Errorf(stint.ENOTFOUND, "grant %q not found", id)
	}
	return g, nil
}

// Revoke ends a grant early. The grant's user and admins may revoke. The
// returned grant is revoking (or ended, when no access existed yet); the AWS
// side is removed in the background.
func (s *Service) Revoke(ctx context.Context, c *Caller, id string) (*stint.Grant, error) {
	var next *stint.Grant
	var plan *revokePlan
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		if !c.Admin && g.UserID != c.User.ID {
			return stint.Errorf(stint.ENOTFOUND, "grant %q not found", id)
		}
		now := s.now()
		if next, err = stint.RevokeGrant(g, c.User.Email, now); err != nil {
			return err
		}
		plan, err = s.beginEnd(ctx, tx, next, c.User.Email, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.startRevoke(plan)
	return next, nil
}

// Extend moves a grant's end by d. It returns EFORBIDDEN when the flow allows
// no more extensions and EINVALID when the new end passes the flow's maximum.
func (s *Service) Extend(ctx context.Context, c *Caller, id string, d time.Duration) (*stint.Grant, error) {
	var next *stint.Grant
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		if !c.Admin && g.UserID != c.User.ID {
			return stint.Errorf(stint.ENOTFOUND, "grant %q not found", id)
		}
		if g.UserID != c.User.ID {
			return stint.Errorf(stint.EFORBIDDEN, "only %s can extend their grant", g.UserEmail)
		}
		f, err := s.flow(g.Flow)
		if err != nil {
			return err
		}
		if next, err = stint.ExtendGrant(g, f, d, s.now()); err != nil {
			return err
		}
		if err := tx.GrantUpdate(ctx, next); err != nil {
			return err
		}
		return tx.EventAppend(ctx, s.event(c.User.Email, stint.EventGrantExtended, g.ID, map[string]any{
			"by": stint.FormatDuration(d), "old_ends_at": g.EndsAt, "ends_at": next.EndsAt, "extensions": next.Extensions}))
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return next, nil
}

// Events lists audit events, oldest first: all for admins; for others the
// events of their own requests and grants and their own actions.
func (s *Service) Events(ctx context.Context, c *Caller, in EventsInput) ([]*stint.Event, error) {
	if c.Admin {
		return s.Store.EventList(ctx, &stint.EventListParams{Since: in.Since, Subject: in.Subject, Limit: in.Limit})
	}
	if in.Subject == "" {
		return nil, stint.Errorf(stint.EFORBIDDEN, "only admins can list all events; pass --subject with one of your request or grant IDs")
	}
	if _, err := s.Request(ctx, c, in.Subject); err != nil {
		if _, gerr := s.Grant(ctx, c, in.Subject); gerr != nil {
			return nil, stint.Errorf(stint.ENOTFOUND, "no request or grant %q of yours", in.Subject)
		}
	}
	return s.Store.EventList(ctx, &stint.EventListParams{Since: in.Since, Subject: in.Subject, Limit: in.Limit})
}

// jobAt schedules a job at t, or makes it available at once when t is not in
// the future: River parks every job given a ScheduledAt as "scheduled", and
// its scheduler promotes those only every few seconds.
func jobAt(args stint.JobArgs, t, now time.Time) stint.Job {
	if !t.After(now) {
		return stint.Job{Args: args}
	}
	return stint.Job{Args: args, RunAt: t}
}
