package stint

import (
	"strings"
	"time"
)

// Submission is what a requester asks for, after resources are resolved.
type Submission struct {
	Requester *User
	Flow      *Flow
	Resources []ResourceRef
	Reason    string
	Duration  time.Duration // 0 means the flow's default
	StartsAt  *time.Time
}

// SubmitRequest builds a new request from a submission. It returns EINVALID
// when the duration exceeds the flow's maximum, the reason is missing, or the
// start is in the past; the request is approved at once when the flow
// auto-approves.
func SubmitRequest(s Submission, id string, now time.Time) (*Request, error) {
	f := s.Flow
	if len(s.Resources) == 0 {
		return nil, Errorf(EINVALID, "a request needs at least one resource")
	}
	d := s.Duration
	if d == 0 {
		d = f.Default()
	}
	if d < 0 {
		return nil, Errorf(EINVALID, "duration must be positive")
	}
	if d > time.Duration(f.MaxDuration) {
		return nil, Errorf(EINVALID, "duration %s exceeds the maximum %s of flow %q", FormatDuration(d), f.MaxDuration, f.Name)
	}
	reason := strings.TrimSpace(s.Reason)
	if reason == "" && f.ReasonRequired() {
		return nil, Errorf(EINVALID, "flow %q requires a reason; pass --reason", f.Name)
	}
	if len(reason) > 2000 {
		return nil, Errorf(EINVALID, "reason is longer than 2000 characters")
	}
	if s.StartsAt != nil {
		if s.StartsAt.Before(now.Add(-time.Minute)) {
			return nil, Errorf(EINVALID, "start %s is in the past", s.StartsAt.UTC().Format(time.RFC3339))
		}
		if s.StartsAt.After(now.Add(90 * 24 * time.Hour)) {
			return nil, Errorf(EINVALID, "start %s is more than 90 days ahead", s.StartsAt.UTC().Format(time.RFC3339))
		}
	}
	r := &Request{
		ID: id, RequesterID: s.Requester.ID, RequesterEmail: s.Requester.Email, Flow: f.Name,
		Resources: s.Resources, Reason: reason, Duration: Duration(d), StartsAt: s.StartsAt,
		State: RequestPending, ReviewBy: now.Add(f.Timeout()), CreatedAt: now, UpdatedAt: now,
	}
	if f.AutoApprove {
		r.State = RequestApproved
		r.AutoApproved = true
	}
	return r, nil
}

// ApproveRequest records an approval. It returns EFORBIDDEN when the reviewer
// is the requester or not an approver of the flow, and ECONFLICT when the
// request is no longer pending. One approval approves the request.
func ApproveRequest(r *Request, f *Flow, reviewer *User, comment string, now time.Time) (*Request, error) {
	if err := checkReview(r, f, reviewer, now); err != nil {
		return nil, err
	}
	next := cloneRequest(r)
	next.Reviews = append(next.Reviews, Review{ReviewerID: reviewer.ID, ReviewerEmail: reviewer.Email, Decision: "approve", Comment: comment, At: now})
	next.State = RequestApproved
	next.UpdatedAt = now
	return next, nil
}

// DenyRequest records a denial, which ends the request. It needs a reason.
func DenyRequest(r *Request, f *Flow, reviewer *User, reason string, now time.Time) (*Request, error) {
	if err := checkReview(r, f, reviewer, now); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, Errorf(EINVALID, "a denial needs a reason; pass --reason")
	}
	next := cloneRequest(r)
	next.Reviews = append(next.Reviews, Review{ReviewerID: reviewer.ID, ReviewerEmail: reviewer.Email, Decision: "deny", Comment: reason, At: now})
	next.State = RequestDenied
	next.UpdatedAt = now
	return next, nil
}

func checkReview(r *Request, f *Flow, reviewer *User, now time.Time) error {
	if r.State != RequestPending {
		return Errorf(ECONFLICT, "request %s is %s, not pending", r.ID, r.State)
	}
	if !now.Before(r.ReviewBy) {
		return Errorf(ECONFLICT, "request %s timed out waiting for review at %s", r.ID, r.ReviewBy.UTC().Format(time.RFC3339))
	}
	if reviewer.ID == r.RequesterID || strings.EqualFold(reviewer.Email, r.RequesterEmail) {
		return Errorf(EFORBIDDEN, "you cannot review your own request")
	}
	if !f.IsApprover(reviewer) {
		return Errorf(EFORBIDDEN, "%s is not an approver of flow %q (approvers: %s)", reviewer.Email, f.Name, strings.Join(f.Approvers, ", "))
	}
	return nil
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

// GrantsFor returns the grants an approved request produces, one per resource.
// They start scheduled when the request has a future start, else activating.
func GrantsFor(r *Request, newID func() string, now time.Time) ([]*Grant, error) {
	if r.State != RequestApproved {
		return nil, Errorf(ECONFLICT, "request %s is %s, not approved", r.ID, r.State)
	}
	start := now
	state := GrantActivating
	if r.StartsAt != nil && r.StartsAt.After(now) {
		start = *r.StartsAt
		state = GrantScheduled
	}
	out := make([]*Grant, 0, len(r.Resources))
	for _, res := range r.Resources {
		out = append(out, &Grant{
			ID: newID(), RequestID: r.ID, Flow: r.Flow, UserID: r.RequesterID, UserEmail: r.RequesterEmail,
			ResourceID: res.ID, AccountID: res.AccountID, AccountName: res.AccountName,
			PermissionSet: res.PermissionSet, PermissionSetARN: res.PermissionSetARN,
			State: state, StartsAt: start, EndsAt: start.Add(time.Duration(r.Duration)),
			CreatedAt: now, UpdatedAt: now,
		})
	}
	return out, nil
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
	case GrantScheduled:
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
	return &next
}
