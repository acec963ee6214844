package access

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/policy"
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
	if stint.IsExternalID(t.UserEmail) { // an external user's token names them by ID
		return s.ExternalCaller(ctx, t.UserEmail)
	}
	dir, err := s.Directory(ctx)
	if err != nil {
		return nil, err
	}
	u, err := dir.UserByEmail(t.UserEmail)
	if err != nil {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "token user %s is not in the identity store", t.UserEmail)
	}
	eng, err := s.engine()
	if err != nil {
		return nil, err
	}
	return &Caller{User: eng.Expand(u), Admin: s.IsAdmin(u.Email)}, nil
}

// Resources lists what the caller may request.
func (s *Service) Resources(ctx context.Context, c *Caller) ([]stint.Eligible, error) {
	eng, dir, err := s.engineAndDirectory(ctx)
	if err != nil {
		return nil, err
	}
	return eng.Eligible(dir, c.User), nil
}

// Submit files a request for resources or a bundle. The policy engine picks
// the flow and the approval plan. It returns ENOTFOUND for an unknown
// account, permission set or bundle, EFORBIDDEN when no flow lets the caller
// request a resource (or use break-glass), and EINVALID for a bad duration,
// a missing reason or ticket, or a past start.
func (s *Service) Submit(ctx context.Context, c *Caller, in SubmitInput) (*stint.Request, error) {
	if c.External != nil {
		return s.submitExternal(ctx, c, in)
	}
	return s.submit(ctx, c, in)
}

func (s *Service) submit(ctx context.Context, c *Caller, in SubmitInput) (*stint.Request, error) {
	if in.ExtendsGrant != "" {
		return s.submitExtension(ctx, c, in)
	}
	eng, dir, err := s.engineAndDirectory(ctx)
	if err != nil {
		return nil, err
	}
	var d *policy.Decision
	if in.Bundle != "" {
		d, err = s.decideBundle(ctx, eng, dir, c, in)
	} else {
		d, err = s.decideResources(ctx, eng, dir, c, in)
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if in.StartsAt != nil {
		t := in.StartsAt.UTC().Truncate(time.Microsecond)
		in.StartsAt = &t
	}
	r, err := stint.SubmitRequest(stint.Submission{
		Requester: c.User, Flow: d.Flow, Resources: d.Resources, Reason: in.Reason,
		Duration: in.Duration, StartsAt: in.StartsAt, Ticket: in.Ticket, Bundle: in.Bundle,
		BreakGlass: in.BreakGlass, AutoApprove: d.AutoApprove, Steps: d.Steps,
	}, s.newID(), now)
	if err != nil {
		return nil, err
	}
	if err := s.Store.Tx(ctx, func(tx stint.Tx) error { return s.recordSubmission(ctx, tx, c, r, now) }); err != nil {
		return nil, err
	}
	if r.BreakGlass {
		s.log().Warn("BREAK-GLASS access granted without approval", "request", r.ID, "user", r.RequesterEmail,
			"flow", r.Flow, "resources", resourceIDs(r), "reason", r.Reason)
	}
	s.kick()
	return r, nil
}

func (s *Service) recordSubmission(ctx context.Context, tx stint.Tx, c *Caller, r *stint.Request, now time.Time) error {
	if err := tx.RequestCreate(ctx, r); err != nil {
		return err
	}
	data := map[string]any{"flow": r.Flow, "resources": resourceIDs(r), "duration": r.Duration.String(), "reason": r.Reason}
	for k, v := range map[string]string{"ticket": r.Ticket, "bundle": r.Bundle, "extends_grant": r.ExtendsGrant} {
		if v != "" {
			data[k] = v
		}
	}
	if r.BreakGlass {
		data["break_glass"] = true
	}
	if err := s.append(ctx, tx, s.event(c.User.Email, stint.EventRequestCreated, r.ID, data)); err != nil {
		return err
	}
	if r.BreakGlass {
		if err := s.append(ctx, tx, s.event(c.User.Email, stint.EventBreakGlass, r.ID, map[string]any{
			"flow": r.Flow, "resources": resourceIDs(r), "reason": r.Reason, "duration": r.Duration.String(),
			"note": "BREAK-GLASS: access granted without approval; review this use"})); err != nil {
			return err
		}
	}
	if r.State != stint.RequestApproved {
		return tx.Enqueue(ctx, stint.Job{Args: stint.ExpireRequestArgs{RequestID: r.ID}, RunAt: r.ReviewBy})
	}
	how := map[string]any{"auto_approved": r.AutoApproved, "flow": r.Flow}
	if r.BreakGlass {
		how["break_glass"] = true
	}
	if err := s.append(ctx, tx, s.event("system", stint.EventRequestApproved, r.ID, how)); err != nil {
		return err
	}
	return s.approved(ctx, tx, r, now)
}

// approved carries out an approved request: its grants, or for an extension
// request the extension of its grant.
func (s *Service) approved(ctx context.Context, tx stint.Tx, r *stint.Request, now time.Time) error {
	if r.ExtendsGrant == "" {
		return s.createGrants(ctx, tx, r, now)
	}
	g, err := tx.GrantGet(ctx, r.ExtendsGrant)
	if err != nil {
		return err
	}
	f, err := s.flow(g.Flow)
	if err != nil {
		return err
	}
	next, err := stint.ExtendGrant(g, f, time.Duration(r.ExtendBy), now)
	if err != nil {
		return fmt.Errorf("extend grant %s as request %s asked: %w", g.ID, r.ID, err)
	}
	if err := tx.GrantUpdate(ctx, next); err != nil {
		return err
	}
	if err := refreshJob(ctx, tx, next); err != nil {
		return err
	}
	return s.append(ctx, tx, s.event("system", stint.EventGrantExtended, g.ID, map[string]any{
		"by": r.ExtendBy.String(), "old_ends_at": g.EndsAt, "ends_at": next.EndsAt, "extensions": next.Extensions, "request_id": r.ID}))
}

// refreshJob queues, for an extended grant of a timed type, the job that
// tells AWS its new end.
func refreshJob(ctx context.Context, tx stint.Tx, g *stint.Grant) error {
	if !g.Type.Timed() {
		return nil
	}
	return tx.Enqueue(ctx, stint.Job{Args: stint.RefreshEffectArgs{GrantID: g.ID}})
}

// decideResources decides each named resource; they must all come through
// one flow.
func (s *Service) decideResources(ctx context.Context, eng *policy.Engine, dir *stint.Directory, c *Caller, in SubmitInput) (*policy.Decision, error) {
	if len(in.Resources) == 0 {
		return nil, stint.Errorf(stint.EINVALID, "name at least one resource (account and permission set), or a bundle")
	}
	if len(in.Resources) > 100 {
		return nil, stint.Errorf(stint.EINVALID, "a request may name at most 100 resources")
	}
	var out *policy.Decision
	seen := map[string]bool{}
	for _, ri := range in.Resources {
		a, ref, err := ResolveResource(dir, ri)
		if err != nil {
			return nil, err
		}
		q := policy.RequestInput{User: c.User, Account: a, Resource: ref, Duration: in.Duration, BreakGlass: in.BreakGlass}
		d, err := eng.DecideRequest(ctx, q)
		if err != nil {
			return nil, durationProblem(ctx, eng, q, err)
		}
		withFlowAttributes(d.Flow, a, ref)
		if out == nil {
			out = &policy.Decision{Flow: d.Flow, AutoApprove: d.AutoApprove}
		} else if d.Flow.Name != out.Flow.Name {
			return nil, stint.Errorf(stint.EINVALID, "%s comes through flow %q but %s through %q; request them separately",
				out.Resources[0].ID, out.Flow.Name, ref.ID, d.Flow.Name)
		}
		out.AutoApprove = out.AutoApprove && d.AutoApprove
		if !seen[ref.ID] {
			seen[ref.ID] = true
			out.Resources = append(out.Resources, *ref)
		}
	}
	return out, nil
}

// decideBundle decides a bundle, named "NAME" or "FLOW/NAME".
func (s *Service) decideBundle(ctx context.Context, eng *policy.Engine, dir *stint.Directory, c *Caller, in SubmitInput) (*policy.Decision, error) {
	if len(in.Resources) > 0 {
		return nil, stint.Errorf(stint.EINVALID, "request a bundle or resources, not both")
	}
	flowName, bundle, ok := strings.Cut(in.Bundle, "/")
	if !ok {
		flowName, bundle = "", in.Bundle
	}
	var found []string
	for _, f := range eng.Flows() {
		if _, has := f.Bundle(bundle); has && (flowName == "" || strings.EqualFold(f.Name, flowName)) && f.AllowsRequester(c.User) {
			found = append(found, f.Name)
		}
	}
	switch len(found) {
	case 0:
		return nil, stint.Errorf(stint.ENOTFOUND, "no bundle %q that you may request; run `stint resources` to see yours", in.Bundle)
	case 1:
	default:
		return nil, stint.Errorf(stint.EINVALID, "bundle %q is in flows %s; name it as FLOW/%s", bundle, strings.Join(found, ", "), bundle)
	}
	d, err := eng.DecideBundle(ctx, dir, policy.BundleInput{User: c.User, Flow: found[0], Bundle: bundle, Duration: in.Duration, BreakGlass: in.BreakGlass})
	if err != nil {
		return nil, err
	}
	if len(d.Resources) > 100 {
		return nil, stint.Errorf(stint.EINVALID, "bundle %q expands to %d resources; a request may hold at most 100", bundle, len(d.Resources))
	}
	for i := range d.Resources {
		ref := &d.Resources[i]
		a, err := dir.Account(ref.AccountID)
		if err != nil {
			return nil, err
		}
		if ref.Type != stint.ResourceSSO {
			if r, err := dir.Resource(ref.Type, a.ID, ref.Name); err == nil {
				if err := checkResourceUse(ref, r); err != nil {
					return nil, err
				}
			}
		}
		withFlowAttributes(d.Flow, a, ref)
	}
	return d, nil
}

// ResolveResource finds a requested resource in the directory: an
// (account, permission set) pair, or a discovered resource with the level
// asked for. It returns EINVALID for a malformed ID and ENOTFOUND for an
// unknown account, permission set or resource.
func ResolveResource(dir *stint.Directory, ri ResourceInput) (*stint.Account, *stint.ResourceRef, error) {
	if strings.TrimSpace(ri.ID) == "" {
		if strings.TrimSpace(ri.Account) == "" || strings.TrimSpace(ri.PermissionSet) == "" {
			return nil, nil, stint.Errorf(stint.EINVALID, "each resource needs an ID (e.g. aws-s3:111111111111/bucket:read), or an account (ID or name) and a permission set")
		}
		ri.ID = stint.ResourceID(ri.Account, ri.PermissionSet)
	}
	ref, err := stint.ParseResourceID(ri.ID)
	if err != nil {
		return nil, nil, err
	}
	a, err := dir.Account(ref.AccountID)
	if err != nil {
		return nil, nil, err
	}
	ref.AccountID, ref.AccountName = a.ID, a.Name
	if ref.Type == stint.ResourceSSO {
		ps, err := dir.PermissionSet(ref.PermissionSet)
		if err != nil {
			return nil, nil, err
		}
		ref.PermissionSet, ref.PermissionSetARN = ps.Name, ps.ARN
	} else {
		r, err := dir.Resource(ref.Type, a.ID, ref.Name)
		if err != nil {
			return nil, nil, err
		}
		ref.ARN, ref.Tags, ref.Attributes = r.ARN, r.Tags, maps.Clone(r.Attributes)
		if err := checkResourceUse(ref, r); err != nil {
			return nil, nil, err
		}
	}
	ref.ID = ref.FormatID()
	return a, ref, nil
}

// checkResourceUse refuses resources that cannot carry the access: an RDS
// instance without IAM database authentication.
func checkResourceUse(ref *stint.ResourceRef, r *stint.Resource) error {
	if ref.Type == stint.ResourceRDS && r.Attributes["iam_auth"] == "false" {
		return stint.Errorf(stint.EINVALID, "RDS instance %s in %s has IAM database authentication off; turn it on (modify-db-instance --enable-iam-database-authentication) before access can be granted",
			ref.Name, ref.AccountID)
	}
	return nil
}

// withFlowAttributes adds to the resource what the flow's selector says
// about its use: the permission set an IAM role is assumed from.
func withFlowAttributes(f *stint.Flow, a *stint.Account, ref *stint.ResourceRef) {
	if ref.Type != stint.ResourceIAMRole {
		return
	}
	res := &stint.Resource{Type: ref.Type, AccountID: a.ID, Name: ref.Name, Tags: ref.Tags}
	for i := range f.Resources {
		if sel := f.Resources[i].Selector(); sel != nil && sel.Via != "" && sel.Matches(a, res) {
			if ref.Attributes == nil {
				ref.Attributes = map[string]string{}
			}
			ref.Attributes["via_permission_set"] = sel.Via
			return
		}
	}
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
	if err := s.boundExternalGrants(ctx, tx, r, grants); err != nil {
		return err
	}
	for _, g := range grants {
		if err := tx.GrantCreate(ctx, g); err != nil {
			return err
		}
		typ := stint.EventGrantActivating
		switch g.State {
		case stint.GrantScheduled:
			typ = stint.EventGrantScheduled
		case stint.GrantReady:
			typ = stint.EventGrantReady
		}
		data := map[string]any{"request_id": r.ID, "user": g.UserEmail, "resource": g.ResourceID,
			"starts_at": g.StartsAt, "ends_at": g.EndsAt}
		if g.BreakGlass {
			data["break_glass"] = true
		}
		if err := s.append(ctx, tx, s.event("system", typ, g.ID, data)); err != nil {
			return err
		}
		jobs := []stint.Job{jobAt(stint.ExpireGrantArgs{GrantID: g.ID}, g.EndsAt, now)}
		if g.State != stint.GrantReady { // ready grants start when their user activates them
			jobs = append(jobs, jobAt(stint.ActivateGrantArgs{GrantID: g.ID}, g.StartsAt, now))
		}
		err := tx.Enqueue(ctx, jobs...)
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
	if !c.Admin && !s.mayReviewAny(c.User) && !s.sponsorsAny(c.User) {
		p.RequesterID = c.User.ID
	}
	list, err := s.Store.RequestList(ctx, p)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, r := range list {
		if s.mayView(c, r) {
			out = append(out, forExternal(c, r))
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
	if c.External != nil {
		return false
	}
	// An external's sponsor approves through the request's own step.
	if stint.IsExternalID(r.RequesterID) && slices.ContainsFunc(r.Steps, func(st stint.RequestStep) bool {
		return slices.ContainsFunc(st.Approvers, func(a string) bool { return stint.MatchPrincipal(a, c.User) })
	}) {
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
		return nil, s.refuseExternal(ctx, c, "see a request", id, stint.Errorf(stint.ENOTFOUND, "request %q not found", id))
	}
	return forExternal(c, r), nil
}

// Approve approves a pending request. It returns EFORBIDDEN for the requester
// or a non-approver and ECONFLICT when the request is no longer pending.
func (s *Service) Approve(ctx context.Context, c *Caller, id, comment string) (*stint.Request, error) {
	eng, err := s.engine()
	if err != nil {
		return nil, err
	}
	return s.review(ctx, c, id, func(r *stint.Request, f *stint.Flow, now time.Time) (*stint.Request, error) {
		if r.State == stint.RequestPending && r.CurrentStep() >= 0 && !strings.EqualFold(r.RequesterEmail, c.User.Email) {
			err := eng.Authorize(ctx, policy.ActionInput{Action: policy.ActionApprove, User: c.User, Flow: r.Flow, Request: r})
			if err != nil {
				return nil, err
			}
		}
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
		typ, data := stint.EventRequestApproved, map[string]any{"comment": rv.Comment, "flow": r.Flow}
		switch {
		case next.State == stint.RequestDenied:
			typ = stint.EventRequestDenied
		case next.State == stint.RequestPending:
			typ = stint.EventRequestReviewed
			st := next.Steps[next.CurrentStep()]
			data["next_step"], data["approvals"], data["quorum"] = st.Name, len(st.Approvals), st.Quorum
		}
		if err := s.append(ctx, tx, s.event(c.User.Email, typ, r.ID, data)); err != nil {
			return err
		}
		if next.State == stint.RequestApproved {
			return s.approved(ctx, tx, next, now)
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
		return s.append(ctx, tx, s.event(c.User.Email, stint.EventRequestCancelled, r.ID, nil))
	})
	return forExternal(c, next), err
}

// Grants lists grants: the caller's own, or every user's for admins. Without
// All only live, revoking and failed grants are listed.
func (s *Service) Grants(ctx context.Context, c *Caller, in GrantsInput) ([]*stint.Grant, error) {
	p := &stint.GrantListParams{Limit: in.Limit, Offset: in.Offset, Resource: in.Resource, States: in.States}
	switch {
	case !c.Admin:
		p.UserID = c.User.ID
	case in.User != "":
		// A directory user is found by the indexed ID; someone who left
		// the directory by the email on their grants.
		p.UserEmail = in.User
		if dir, err := s.Directory(ctx); err == nil {
			if u, err := dir.UserByEmail(in.User); err == nil {
				p.UserID, p.UserEmail = u.ID, ""
			}
		}
	}
	if !in.All && len(in.States) == 0 {
		p.States = []stint.GrantState{stint.GrantReady, stint.GrantScheduled, stint.GrantActivating, stint.GrantActive, stint.GrantRevoking, stint.GrantFailed}
	}
	list, err := s.Store.GrantList(ctx, p)
	for i := range list {
		list[i] = forExternalGrant(c, list[i])
	}
	return list, err
}

// Grant returns one grant visible to the caller.
func (s *Service) Grant(ctx context.Context, c *Caller, id string) (*stint.Grant, error) {
	g, err := s.Store.GrantGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.Admin && g.UserID != c.User.ID {
		return nil, s.refuseExternal(ctx, c, "see a grant", id, stint.Errorf(stint.ENOTFOUND, "grant %q not found", id))
	}
	return forExternalGrant(c, g), nil
}

// Revoke ends a grant early. The grant's user and admins may revoke. The
// returned grant is revoking (or ended, when no access existed yet); the AWS
// side is removed in the background.
func (s *Service) Revoke(ctx context.Context, c *Caller, id string) (*stint.Grant, error) {
	return s.revokeAs(ctx, id, c.User.Email, func(g *stint.Grant) (bool, error) {
		if !c.Admin && g.UserID != c.User.ID {
			return false, stint.Errorf(stint.ENOTFOUND, "grant %q not found", id)
		}
		return false, nil
	})
}

// revokeAs revokes the grant for actor once check allows it (check may
// also skip the grant, which is then returned as it is), and starts
// removing its access.
func (s *Service) revokeAs(ctx context.Context, id, actor string, check func(g *stint.Grant) (skip bool, err error)) (*stint.Grant, error) {
	var next *stint.Grant
	var plan *revokePlan
	err := s.Store.Tx(ctx, func(tx stint.Tx) error {
		g, err := tx.GrantGet(ctx, id)
		if err != nil {
			return err
		}
		if skip, err := check(g); skip || err != nil {
			next = g
			return err
		}
		now := s.now()
		if next, err = stint.RevokeGrant(g, actor, now); err != nil {
			return err
		}
		plan, err = s.beginEnd(ctx, tx, next, actor, now)
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
		if c.External != nil {
			return stint.Errorf(stint.EFORBIDDEN, "external access is not extended; request it again, and your sponsor approves")
		}
		f, err := s.flow(g.Flow)
		if err != nil {
			return err
		}
		if f.Extensions != nil && f.Extensions.Reapproval {
			return stint.Errorf(stint.EFORBIDDEN, "flow %q needs approval to extend a grant; ask for it with `stint request --extend %s --for %s --reason ...`",
				f.Name, g.ID, stint.FormatDuration(d))
		}
		if next, err = stint.ExtendGrant(g, f, d, s.now()); err != nil {
			return err
		}
		if err := s.authorizeExtend(ctx, c, g, d); err != nil {
			return err
		}
		if err := tx.GrantUpdate(ctx, next); err != nil {
			return err
		}
		if err := refreshJob(ctx, tx, next); err != nil {
			return err
		}
		return s.append(ctx, tx, s.event(c.User.Email, stint.EventGrantExtended, g.ID, map[string]any{
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
	p := &stint.EventListParams{Since: in.Since, Until: in.Until, Subject: in.Subject, Actor: in.Actor, Type: in.Type,
		Text: in.Text, BeforeID: in.BeforeID, AfterID: in.AfterID, Oldest: in.Oldest, Limit: in.Limit, Flow: in.Flow}
	if c.Admin {
		var err error
		if in.Resource != "" {
			if p.Resource, err = s.AuditResourceID(ctx, in.Resource); err != nil {
				return nil, err
			}
		}
		if in.Account != "" {
			if p.Account, err = s.AuditAccountID(ctx, in.Account); err != nil {
				return nil, err
			}
		}
		return s.Store.EventList(ctx, p)
	}
	if c.External != nil {
		return nil, s.RefuseExternal(ctx, c, "read the audit log")
	}
	if in.Subject == "" {
		return nil, stint.Errorf(stint.EFORBIDDEN, "only admins can list all events; pass --subject with one of your request or grant IDs")
	}
	if _, err := s.Request(ctx, c, in.Subject); err != nil {
		if _, gerr := s.Grant(ctx, c, in.Subject); gerr != nil {
			return nil, stint.Errorf(stint.ENOTFOUND, "no request or grant %q of yours", in.Subject)
		}
	}
	p.Text = "" // a text search could reach other subjects' events
	p.Flow = ""
	return s.Store.EventList(ctx, p)
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

func (s *Service) authorizeExtend(ctx context.Context, c *Caller, g *stint.Grant, d time.Duration) error {
	eng, err := s.engine()
	if err != nil {
		return err
	}
	return eng.Authorize(ctx, policy.ActionInput{Action: policy.ActionExtend, User: c.User, Flow: g.Flow, Grant: g, Extension: d})
}

// durationProblem turns a denial that only the duration caused into
// EINVALID: the resource may be requested, for less time.
func durationProblem(ctx context.Context, eng *policy.Engine, q policy.RequestInput, err error) error {
	if !stint.IsCode(err, stint.EFORBIDDEN) {
		return err
	}
	if q.Duration == 0 {
		return stint.Errorf(stint.EFORBIDDEN, "%s; run `stint resources` to see what you may request", stint.ErrorMessage(err))
	}
	q.Duration = 0
	if _, again := eng.DecideRequest(ctx, q); again == nil {
		return stint.Errorf(stint.EINVALID, "%s", stint.ErrorMessage(err))
	}
	return stint.Errorf(stint.EFORBIDDEN, "%s; run `stint resources` to see what you may request", stint.ErrorMessage(err))
}

// submitExtension files a request to extend the caller's grant, reviewed by
// the flow's approval steps; approved, it extends the grant. It returns
// ENOTFOUND for a grant that is not the caller's, and the errors of
// ExtendGrant (limit, maximum) at once rather than after approval.
func (s *Service) submitExtension(ctx context.Context, c *Caller, in SubmitInput) (*stint.Request, error) {
	if len(in.Resources) > 0 || in.Bundle != "" || in.BreakGlass || in.StartsAt != nil {
		return nil, stint.Errorf(stint.EINVALID, "an extension request names only the grant, the extra time and a reason")
	}
	if in.Duration <= 0 {
		return nil, stint.Errorf(stint.EINVALID, "say how much longer, e.g. --for 30m")
	}
	g, err := s.Store.GrantGet(ctx, in.ExtendsGrant)
	if err != nil {
		return nil, err
	}
	if g.UserID != c.User.ID {
		return nil, stint.Errorf(stint.ENOTFOUND, "grant %q not found", in.ExtendsGrant)
	}
	f, err := s.flow(g.Flow)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if _, err := stint.ExtendGrant(g, f, in.Duration, now); err != nil {
		return nil, err
	}
	if err := s.authorizeExtend(ctx, c, g, in.Duration); err != nil {
		return nil, err
	}
	ref := g.Ref()
	sub := stint.Submission{Requester: c.User, Flow: f, Resources: []stint.ResourceRef{ref}, Reason: in.Reason, Ticket: in.Ticket,
		Duration: min(in.Duration, time.Duration(f.MaxDuration))}
	if f.Extensions == nil || !f.Extensions.Reapproval {
		sub.AutoApprove = true // extensions of this flow need no approval
	}
	r, err := stint.SubmitRequest(sub, s.newID(), now)
	if err != nil {
		return nil, err
	}
	r.ExtendsGrant, r.ExtendBy = g.ID, stint.Duration(in.Duration)
	if err := s.Store.Tx(ctx, func(tx stint.Tx) error { return s.recordSubmission(ctx, tx, c, r, now) }); err != nil {
		return nil, err
	}
	s.kick()
	return r, nil
}
