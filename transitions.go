package stint

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Submission is what a requester asks for, after resources are resolved and
// the policy engine has chosen the flow.
type Submission struct {
	Requester *User
	Flow      *Flow
	Resources []ResourceRef
	Reason    string
	Duration  time.Duration // 0 means the flow's default
	StartsAt  *time.Time
	Ticket    string
	Bundle    string
	// BreakGlass asks to bypass approval; the caller has checked that the
	// flow allows it for this requester.
	BreakGlass bool
	// AutoApprove is the policy engine's verdict on the flow's auto-approve
	// rules at submission time.
	AutoApprove bool
	// Steps is the approval plan; nil means Flow.Steps for these resources.
	Steps []RequestStep
}

// SubmitRequest builds a new request from a submission. It returns EINVALID
// when the duration exceeds the flow's (or break-glass) maximum, the reason
// or ticket is missing or malformed, or the start is in the past. The
// request is approved at once when the flow auto-approves, for break-glass,
// or when no approval step applies.
func SubmitRequest(s Submission, id string, now time.Time) (*Request, error) {
	f := s.Flow
	if len(s.Resources) == 0 {
		return nil, Errorf(EINVALID, "a request needs at least one resource")
	}
	d, err := requestDuration(s, f)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(s.Reason)
	if reason == "" && (f.ReasonRequired() || s.BreakGlass) {
		return nil, Errorf(EINVALID, "flow %q requires a reason; pass --reason", f.Name)
	}
	if len(reason) > 2000 {
		return nil, Errorf(EINVALID, "reason is longer than 2000 characters")
	}
	ticket, err := f.CheckTicket(s.Ticket)
	if err != nil {
		return nil, err
	}
	if err := checkStart(s.StartsAt, now); err != nil {
		return nil, err
	}
	steps := s.Steps
	if steps == nil {
		steps = f.Steps(resourcePermissionSets(s.Resources), s.Requester)
	}
	if err := checkExternalSubmission(s, f, d, steps); err != nil {
		return nil, err
	}
	r := &Request{
		ID: id, RequesterID: s.Requester.ID, RequesterEmail: s.Requester.Email, RequesterName: s.Requester.UserName,
		Flow: f.Name, Resources: s.Resources, Reason: reason, Duration: Duration(d), StartsAt: s.StartsAt,
		Ticket: ticket, Bundle: s.Bundle, BreakGlass: s.BreakGlass, Cutoff: f.ImmediateCutoff, Steps: steps,
		State: RequestPending, ReviewBy: now.Add(f.Timeout()), CreatedAt: now, UpdatedAt: now,
	}
	if f.AutoApprove || s.AutoApprove || s.BreakGlass || len(steps) == 0 {
		r.State = RequestApproved
		r.AutoApproved = !s.BreakGlass
	}
	return r, nil
}

// checkExternalSubmission keeps externals and internal users apart and
// holds externals' requests to their rules, whatever chose the flow:
// internal flows never carry an external's request nor external flows an
// internal user's; an external's request lasts at least
// MinCredentialDuration and always waits for a person's approval.
func checkExternalSubmission(s Submission, f *Flow, d time.Duration, steps []RequestStep) error {
	switch ext := s.Requester.External(); {
	case ext != f.ForExternals() && ext:
		return Errorf(EFORBIDDEN, "flow %q is not for external users", f.Name)
	case ext != f.ForExternals():
		return Errorf(EFORBIDDEN, "flow %q is for external users only", f.Name)
	case !ext:
		return nil
	case d < MinCredentialDuration:
		return Errorf(EINVALID, "external access lasts at least %s (the shortest credentials AWS issues); ask for more", FormatDuration(MinCredentialDuration))
	case s.BreakGlass || s.AutoApprove || f.AutoApprove || len(steps) == 0:
		return Errorf(EFORBIDDEN, "requests of external users need a person's approval, and flow %q has no approver for this one (no sponsor?)", f.Name)
	}
	return nil
}

func requestDuration(s Submission, f *Flow) (time.Duration, error) {
	d := s.Duration
	if d == 0 {
		d = f.Default()
	}
	if d < 0 {
		return 0, Errorf(EINVALID, "duration must be positive")
	}
	if d > time.Duration(f.MaxDuration) {
		return 0, Errorf(EINVALID, "duration %s exceeds the maximum %s of flow %q", FormatDuration(d), f.MaxDuration, f.Name)
	}
	if s.BreakGlass {
		if f.BreakGlass == nil {
			return 0, Errorf(EFORBIDDEN, "flow %q has no break-glass access", f.Name)
		}
		if bg := time.Duration(f.BreakGlass.MaxDuration); bg > 0 && d > bg {
			return 0, Errorf(EINVALID, "break-glass access lasts at most %s in flow %q; ask for less", f.BreakGlass.MaxDuration, f.Name)
		}
	}
	return d, nil
}

func checkStart(start *time.Time, now time.Time) error {
	if start == nil {
		return nil
	}
	if start.Before(now.Add(-time.Minute)) {
		return Errorf(EINVALID, "start %s is in the past", start.UTC().Format(time.RFC3339))
	}
	if start.After(now.Add(90 * 24 * time.Hour)) {
		return Errorf(EINVALID, "start %s is more than 90 days ahead", start.UTC().Format(time.RFC3339))
	}
	return nil
}

// resourcePermissionSets returns what approval steps' permission_sets
// match: the refs' targets (permission set names for Identity Center).
func resourcePermissionSets(refs []ResourceRef) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.Target())
	}
	return out
}

// ApproveRequest records an approval in the request's current step. The
// request is approved once every step has its quorum of distinct approvers.
// It returns EFORBIDDEN when the reviewer is the requester, not an approver
// of the current step, or has approved already, and ECONFLICT when the
// request is no longer pending.
func ApproveRequest(r *Request, f *Flow, reviewer *User, comment string, now time.Time) (*Request, error) {
	next, i, err := startReview(r, f, reviewer, now)
	if err != nil {
		return nil, err
	}
	st := &next.Steps[i]
	if !matchAny(st.Approvers, reviewer) {
		return nil, Errorf(EFORBIDDEN, "%s is not an approver of step %q of flow %q (approvers: %s)",
			reviewer.Email, st.Name, f.Name, strings.Join(st.Approvers, ", "))
	}
	if next.approvedBy(reviewer.Email) {
		return nil, Errorf(EFORBIDDEN, "%s has approved request %s already; each approval must come from a different person", reviewer.Email, r.ID)
	}
	st.Approvals = append(slices.Clone(st.Approvals), reviewer.Email)
	next.Reviews = append(next.Reviews, Review{ReviewerID: reviewer.ID, ReviewerEmail: reviewer.Email, Decision: "approve", Comment: comment, At: now})
	if next.CurrentStep() < 0 {
		next.State = RequestApproved
	}
	return next, nil
}

// DenyRequest records a denial, which ends the request. Any approver of any
// of its steps may deny; a denial needs a reason.
func DenyRequest(r *Request, f *Flow, reviewer *User, reason string, now time.Time) (*Request, error) {
	next, _, err := startReview(r, f, reviewer, now)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(next.Steps, func(st RequestStep) bool { return matchAny(st.Approvers, reviewer) }) {
		return nil, Errorf(EFORBIDDEN, "%s is not an approver of flow %q", reviewer.Email, f.Name)
	}
	if strings.TrimSpace(reason) == "" {
		return nil, Errorf(EINVALID, "a denial needs a reason; pass --reason")
	}
	next.Reviews = append(next.Reviews, Review{ReviewerID: reviewer.ID, ReviewerEmail: reviewer.Email, Decision: "deny", Comment: reason, At: now})
	next.State = RequestDenied
	return next, nil
}

// startReview checks what every review needs and returns a copy of the
// request (with its steps filled in for requests that predate them) and the
// current step's index.
func startReview(r *Request, f *Flow, reviewer *User, now time.Time) (*Request, int, error) {
	if r.State != RequestPending {
		return nil, 0, Errorf(ECONFLICT, "request %s is %s, not pending", r.ID, r.State)
	}
	if !now.Before(r.ReviewBy) {
		return nil, 0, Errorf(ECONFLICT, "request %s timed out waiting for review at %s", r.ID, r.ReviewBy.UTC().Format(time.RFC3339))
	}
	if reviewer.ID == r.RequesterID || strings.EqualFold(reviewer.Email, r.RequesterEmail) {
		return nil, 0, Errorf(EFORBIDDEN, "you cannot review your own request")
	}
	next := cloneRequest(r)
	if len(next.Steps) == 0 {
		next.Steps = f.Steps(resourcePermissionSets(r.Resources), nil)
	}
	i := next.CurrentStep()
	if i < 0 {
		return nil, 0, Errorf(ECONFLICT, "request %s needs no more approvals", r.ID)
	}
	next.UpdatedAt = now
	return next, i, nil
}

func (r *Request) approvedBy(email string) bool {
	for _, st := range r.Steps {
		if slices.ContainsFunc(st.Approvals, func(a string) bool { return strings.EqualFold(a, email) }) {
			return true
		}
	}
	return false
}

func matchAny(refs []string, u *User) bool {
	return slices.ContainsFunc(refs, func(ref string) bool { return MatchPrincipal(ref, u) })
}

// CancelRequest withdraws a pending request. Only the requester may cancel.
func CancelRequest(r *Request, actor *User, now time.Time) (*Request, error) {
	if actor.ID != r.RequesterID {
		return nil, Errorf(EFORBIDDEN, "only the requester can cancel request %s", r.ID)
	}
	if r.State != RequestPending {
		return nil, Errorf(ECONFLICT, "request %s is %s; only pending requests can be cancelled (revoke its grants instead)", r.ID, r.State)
	}
	next := cloneRequest(r)
	next.State = RequestCancelled
	next.UpdatedAt = now
	return next, nil
}

// ExpireRequest ends a pending request that was not reviewed in time.
func ExpireRequest(r *Request, now time.Time) (*Request, error) {
	if r.State != RequestPending {
		return nil, Errorf(ECONFLICT, "request %s is %s, not pending", r.ID, r.State)
	}
	if now.Before(r.ReviewBy) {
		return nil, Errorf(ECONFLICT, "request %s may be reviewed until %s", r.ID, r.ReviewBy.UTC().Format(time.RFC3339))
	}
	next := cloneRequest(r)
	next.State = RequestExpired
	next.UpdatedAt = now
	return next, nil
}

// GrantsFor returns the grants an approved request produces, one per
// resource. They start scheduled when the request has a future start, else
// activating; with an activation window (not for break-glass) they are ready
// until their user activates them, at most until the window's end.
func GrantsFor(r *Request, activationWindow time.Duration, newID func() string, now time.Time) ([]*Grant, error) {
	if r.State != RequestApproved {
		return nil, Errorf(ECONFLICT, "request %s is %s, not approved", r.ID, r.State)
	}
	if r.ExtendsGrant != "" {
		return nil, nil // an approved extension extends its grant instead
	}
	start := now
	state := GrantActivating
	if r.StartsAt != nil && r.StartsAt.After(now) {
		start = *r.StartsAt
		state = GrantScheduled
	}
	end := start.Add(time.Duration(r.Duration))
	if activationWindow > 0 && !r.BreakGlass {
		state, end = GrantReady, start.Add(activationWindow)
	}
	out := make([]*Grant, 0, len(r.Resources))
	for _, res := range r.Resources {
		out = append(out, &Grant{
			ID: newID(), RequestID: r.ID, Flow: r.Flow, UserID: r.RequesterID, UserEmail: r.RequesterEmail,
			UserName: r.RequesterName, ResourceID: res.ID, AccountID: res.AccountID, AccountName: res.AccountName,
			PermissionSet: res.PermissionSet, PermissionSetARN: res.PermissionSetARN,
			Type: res.Type, Name: res.Name, Level: res.Level, Namespace: res.Namespace, ResourceARN: res.ARN,
			Attributes: maps.Clone(res.Attributes), Cutoff: r.Cutoff,
			State: state, StartsAt: start, EndsAt: end, Duration: r.Duration, BreakGlass: r.BreakGlass,
			CreatedAt: now, UpdatedAt: now,
		})
	}
	return out, nil
}

// ActivateReady switches on a ready grant at its requester's request: its
// access starts now and lasts its duration. It returns EFORBIDDEN for anyone
// but the grant's user and ECONFLICT once the activation window has passed.
func ActivateReady(g *Grant, actor *User, now time.Time) (*Grant, error) {
	if g.State != GrantReady {
		return nil, Errorf(ECONFLICT, "grant %s is %s; only ready grants are activated by their user", g.ID, g.State)
	}
	if actor.ID != g.UserID {
		return nil, Errorf(EFORBIDDEN, "only %s can activate grant %s", g.UserEmail, g.ID)
	}
	if !now.Before(g.EndsAt) {
		return nil, Errorf(ECONFLICT, "grant %s had to be activated by %s", g.ID, g.EndsAt.UTC().Format(time.RFC3339))
	}
	next := withState(g, GrantActivating, now)
	next.StartsAt, next.EndsAt = now, now.Add(time.Duration(g.Duration))
	return next, nil
}

// ActivateGrant moves a scheduled grant whose start has come to activating.
func ActivateGrant(g *Grant, now time.Time) (*Grant, error) {
	if g.State != GrantScheduled {
		return nil, Errorf(ECONFLICT, "grant %s is %s, not scheduled", g.ID, g.State)
	}
	if now.Before(g.StartsAt) {
		return nil, Errorf(ECONFLICT, "grant %s starts at %s", g.ID, g.StartsAt.UTC().Format(time.RFC3339))
	}
	return withState(g, GrantActivating, now), nil
}

// GrantActivated records that the grant's access exists in AWS.
func GrantActivated(g *Grant, now time.Time) (*Grant, error) {
	if g.State != GrantActivating {
		return nil, Errorf(ECONFLICT, "grant %s is %s, not activating", g.ID, g.State)
	}
	next := withState(g, GrantActive, now)
	next.LastError = ""
	return next, nil
}

// ExtendGrant moves a live grant's end by d. It returns EFORBIDDEN when the
// flow allows no more extensions and EINVALID when the new length passes the
// flow's maximum.
func ExtendGrant(g *Grant, f *Flow, d time.Duration, now time.Time) (*Grant, error) {
	if !g.State.Live() {
		return nil, Errorf(ECONFLICT, "grant %s is %s; only scheduled or active grants can be extended", g.ID, g.State)
	}
	if d <= 0 {
		return nil, Errorf(EINVALID, "extension must be positive")
	}
	if g.Extensions >= f.ExtensionLimit() {
		return nil, Errorf(EFORBIDDEN, "grant %s has had %d extensions, the most flow %q allows", g.ID, g.Extensions, f.Name)
	}
	end := g.EndsAt.Add(d)
	if end.Sub(g.StartsAt) > time.Duration(f.MaxDuration) {
		return nil, Errorf(EINVALID, "extending by %s makes the grant %s long, above flow %q's maximum %s",
			FormatDuration(d), FormatDuration(end.Sub(g.StartsAt)), f.Name, f.MaxDuration)
	}
	next := *g
	next.EndsAt = end
	next.Extensions++
	next.UpdatedAt = now
	return &next, nil
}

// RevokeGrant ends a grant early. Scheduled grants end at once (no access
// exists yet); active, activating and failed grants move to revoking.
func RevokeGrant(g *Grant, actor string, now time.Time) (*Grant, error) {
	switch g.State {
	case GrantReady, GrantScheduled:
		next := withState(g, GrantEnded, now)
		next.EndReason, next.RevokedBy, next.EndedAt = EndRevoked, actor, &now
		return next, nil
	case GrantActivating, GrantActive, GrantFailed:
		next := withState(g, GrantRevoking, now)
		next.EndReason, next.RevokedBy, next.FailedOp = EndRevoked, actor, ""
		return next, nil
	}
	return nil, Errorf(ECONFLICT, "grant %s is %s; nothing to revoke", g.ID, g.State)
}

// ExpireGrant moves an active (or activating, or failed) grant whose end has
// come to revoking, with end reason expired (a failed revocation keeps the
// reason it had). A scheduled grant whose whole window passed ends at once.
func ExpireGrant(g *Grant, now time.Time) (*Grant, error) {
	if now.Before(g.EndsAt) {
		return nil, Errorf(ECONFLICT, "grant %s ends at %s", g.ID, g.EndsAt.UTC().Format(time.RFC3339Nano))
	}
	switch g.State {
	case GrantReady:
		next := withState(g, GrantEnded, now)
		next.EndReason, next.EndedAt = EndNotActivated, &now
		return next, nil
	case GrantScheduled:
		next := withState(g, GrantEnded, now)
		next.EndReason, next.EndedAt = EndExpired, &now
		return next, nil
	case GrantActivating, GrantActive, GrantFailed:
		next := withState(g, GrantRevoking, now)
		next.FailedOp = ""
		if next.EndReason == "" { // a failed revocation keeps its reason
			next.EndReason = EndExpired
		}
		return next, nil
	}
	return nil, Errorf(ECONFLICT, "grant %s is %s; nothing to expire", g.ID, g.State)
}

// EndGrant records that a revoking grant's access is gone.
func EndGrant(g *Grant, now time.Time) (*Grant, error) {
	if g.State != GrantRevoking {
		return nil, Errorf(ECONFLICT, "grant %s is %s, not revoking", g.ID, g.State)
	}
	next := withState(g, GrantEnded, now)
	next.EndedAt = &now
	next.LastError = ""
	return next, nil
}

// FailGrant records an AWS failure while activating or revoking.
func FailGrant(g *Grant, cause string, now time.Time) (*Grant, error) {
	op := ""
	switch g.State {
	case GrantActivating:
		op = "activate"
	case GrantRevoking:
		op = "revoke"
	default:
		return nil, Errorf(ECONFLICT, "grant %s is %s; only activating or revoking grants can fail", g.ID, g.State)
	}
	next := withState(g, GrantFailed, now)
	next.FailedOp, next.LastError = op, cause
	next.Attempts++
	return next, nil
}

// RetryGrant moves a failed grant back to the operation that failed. A failed
// activation whose end has passed is retried as a revocation instead, so no
// access outlives its window.
func RetryGrant(g *Grant, now time.Time) (*Grant, error) {
	if g.State != GrantFailed {
		return nil, Errorf(ECONFLICT, "grant %s is %s, not failed", g.ID, g.State)
	}
	state := GrantActivating
	if g.FailedOp == "revoke" || !now.Before(g.EndsAt) {
		state = GrantRevoking
	}
	next := withState(g, state, now)
	if state == GrantRevoking && next.EndReason == "" {
		next.EndReason = EndExpired
	}
	next.FailedOp = ""
	return next, nil
}

func withState(g *Grant, s GrantState, now time.Time) *Grant {
	next := *g
	next.State = s
	next.UpdatedAt = now
	return &next
}

func cloneRequest(r *Request) *Request {
	next := *r
	next.Reviews = append([]Review(nil), r.Reviews...)
	next.Resources = append([]ResourceRef(nil), r.Resources...)
	next.Steps = append([]RequestStep(nil), r.Steps...)
	return &next
}
