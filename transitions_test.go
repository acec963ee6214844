package stint_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

// People used across the transition tests.
var (
	alice = &stint.User{ID: "u-alice", Email: "alice@example.com", Groups: []string{"Engineers"}}
	bob   = &stint.User{ID: "u-bob", Email: "bob@example.com", Groups: []string{"Security"}}
	carol = &stint.User{ID: "u-carol", Email: "carol@example.com", Groups: []string{"Engineers", "security"}}
	dave  = &stint.User{ID: "u-dave", Email: "dave@example.com"}
	eve   = &stint.User{ID: "u-eve", Email: "eve@example.com", Groups: []string{"Sales"}}
)

func prodFlow() *stint.Flow {
	return &stint.Flow{
		Name:       "prod-admin",
		Requesters: []string{"group:Engineers"},
		Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
			Accounts: []string{"ou:Prod"}, PermissionSets: []string{"AdministratorAccess"},
		}}},
		MaxDuration: stint.Duration(4 * time.Hour),
		Approvers:   []string{"group:Security", "user:Dave@example.com"},
	}
}

func sandboxFlow() *stint.Flow {
	no := false
	return &stint.Flow{
		Name:       "sandbox-read",
		Requesters: []string{"group:Engineers"},
		Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
			Accounts: []string{"ou:Sandbox"}, PermissionSets: []string{"ReadOnlyAccess"},
		}}},
		MaxDuration:   stint.Duration(8 * time.Hour),
		AutoApprove:   true,
		RequireReason: &no,
	}
}

var (
	resPayments = stint.ResourceRef{
		ID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111", AccountName: "prod-payments",
		PermissionSet: "AdministratorAccess", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin",
	}
	resLedger = stint.ResourceRef{
		ID: "aws-sso:222222222222/AdministratorAccess", AccountID: "222222222222", AccountName: "prod-ledger",
		PermissionSet: "AdministratorAccess", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin",
	}
)

func submission(f *stint.Flow, mut ...func(*stint.Submission)) stint.Submission {
	s := stint.Submission{
		Requester: alice, Flow: f, Resources: []stint.ResourceRef{resPayments},
		Reason: "INC-4211", Duration: time.Hour,
	}
	for _, m := range mut {
		m(&s)
	}
	return s
}

// pendingRequest returns alice's pending request through the prod flow.
func pendingRequest(t *testing.T, mut ...func(*stint.Request)) *stint.Request {
	t.Helper()
	r, err := stint.SubmitRequest(submission(prodFlow()), "req-1", t0)
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, r.State)
	for _, m := range mut {
		m(r)
	}
	return r
}

func inState(s stint.RequestState) func(*stint.Request) {
	return func(r *stint.Request) { r.State = s }
}

func requireCode(t *testing.T, want string, err error) {
	t.Helper()
	if want == "" {
		require.NoError(t, err)
		return
	}
	require.Error(t, err)
	require.Equal(t, want, stint.ErrorCode(err), "error: %v", err)
}

func TestSubmitRequest(t *testing.T) {
	t.Parallel()
	longDefault := prodFlow()
	longDefault.DefaultDuration = stint.Duration(2 * time.Hour)
	shortMax := prodFlow()
	shortMax.MaxDuration = stint.Duration(30 * time.Minute)
	quickReview := prodFlow()
	quickReview.ReviewTimeout = stint.Duration(2 * time.Hour)
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }

	tests := []struct {
		name  string
		sub   stint.Submission
		code  string
		check func(t *testing.T, r *stint.Request)
	}{
		{
			name: "pending with every field set",
			sub:  submission(prodFlow()),
			check: func(t *testing.T, r *stint.Request) {
				require.Equal(t, "req-1", r.ID)
				require.Equal(t, stint.RequestPending, r.State)
				require.Equal(t, "u-alice", r.RequesterID)
				require.Equal(t, "alice@example.com", r.RequesterEmail)
				require.Equal(t, "prod-admin", r.Flow)
				require.Equal(t, []stint.ResourceRef{resPayments}, r.Resources)
				require.Equal(t, "INC-4211", r.Reason)
				require.Equal(t, stint.Duration(time.Hour), r.Duration)
				require.Nil(t, r.StartsAt)
				require.False(t, r.AutoApproved)
				require.Empty(t, r.Reviews)
				require.Equal(t, t0.Add(stint.DefaultReviewTimeout), r.ReviewBy)
				require.Equal(t, t0, r.CreatedAt)
				require.Equal(t, t0, r.UpdatedAt)
			},
		},
		{
			name:  "zero duration takes the default of 1h",
			sub:   submission(prodFlow(), func(s *stint.Submission) { s.Duration = 0 }),
			check: wantDuration(time.Hour),
		},
		{
			name:  "zero duration takes the flow's default_duration",
			sub:   submission(longDefault, func(s *stint.Submission) { s.Duration = 0 }),
			check: wantDuration(2 * time.Hour),
		},
		{
			name:  "default duration is capped at the flow's maximum",
			sub:   submission(shortMax, func(s *stint.Submission) { s.Duration = 0 }),
			check: wantDuration(30 * time.Minute),
		},
		{
			name:  "duration equal to the maximum is allowed",
			sub:   submission(prodFlow(), func(s *stint.Submission) { s.Duration = 4 * time.Hour }),
			check: wantDuration(4 * time.Hour),
		},
		{
			name: "duration above the maximum is refused",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.Duration = 4*time.Hour + time.Second }),
			code: stint.EINVALID,
		},
		{
			name: "negative duration is refused",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.Duration = -time.Hour }),
			code: stint.EINVALID,
		},
		{
			name: "missing reason is refused when the flow requires one",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.Reason = "" }),
			code: stint.EINVALID,
		},
		{
			name: "blank reason counts as missing",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.Reason = " \t\n" }),
			code: stint.EINVALID,
		},
		{
			name: "reason is optional when the flow says so",
			sub:  submission(sandboxFlow(), func(s *stint.Submission) { s.Reason = "" }),
			check: func(t *testing.T, r *stint.Request) {
				require.Empty(t, r.Reason)
			},
		},
		{
			name: "reason is trimmed",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.Reason = "  INC-1 \n" }),
			check: func(t *testing.T, r *stint.Request) {
				require.Equal(t, "INC-1", r.Reason)
			},
		},
		{
			name: "reason over 2000 characters is refused",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.Reason = strings.Repeat("x", 2001) }),
			code: stint.EINVALID,
		},
		{
			name: "no resources is refused",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.Resources = nil }),
			code: stint.EINVALID,
		},
		{
			name: "start in the past is refused",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.StartsAt = at(-2 * time.Minute) }),
			code: stint.EINVALID,
		},
		{
			name: "start less than a minute ago is allowed (clock skew)",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.StartsAt = at(-30 * time.Second) }),
			check: func(t *testing.T, r *stint.Request) {
				require.Equal(t, t0.Add(-30*time.Second), *r.StartsAt)
			},
		},
		{
			name: "start tomorrow is kept",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.StartsAt = at(24 * time.Hour) }),
			check: func(t *testing.T, r *stint.Request) {
				require.Equal(t, t0.Add(24*time.Hour), *r.StartsAt)
				require.Equal(t, stint.RequestPending, r.State)
			},
		},
		{
			name: "start more than 90 days ahead is refused",
			sub:  submission(prodFlow(), func(s *stint.Submission) { s.StartsAt = at(91 * 24 * time.Hour) }),
			code: stint.EINVALID,
		},
		{
			name: "auto-approve flow approves at once",
			sub:  submission(sandboxFlow()),
			check: func(t *testing.T, r *stint.Request) {
				require.Equal(t, stint.RequestApproved, r.State)
				require.True(t, r.AutoApproved)
				require.Empty(t, r.Reviews)
			},
		},
		{
			name: "auto-approve flow still enforces its maximum",
			sub:  submission(sandboxFlow(), func(s *stint.Submission) { s.Duration = 9 * time.Hour }),
			code: stint.EINVALID,
		},
		{
			name: "review deadline follows the flow's review_timeout",
			sub:  submission(quickReview),
			check: func(t *testing.T, r *stint.Request) {
				require.Equal(t, t0.Add(2*time.Hour), r.ReviewBy)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := stint.SubmitRequest(tt.sub, "req-1", t0)
			requireCode(t, tt.code, err)
			if tt.code != "" {
				require.Nil(t, r)
				return
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func wantDuration(d time.Duration) func(*testing.T, *stint.Request) {
	return func(t *testing.T, r *stint.Request) {
		t.Helper()
		require.Equal(t, stint.Duration(d), r.Duration)
	}
}

func TestReviewRequest(t *testing.T) {
	t.Parallel()
	carolsRequest := func(r *stint.Request) { r.RequesterID, r.RequesterEmail = carol.ID, carol.Email }
	tests := []struct {
		name     string
		deny     bool
		reviewer *stint.User
		req      []func(*stint.Request)
		at       time.Time
		comment  string
		code     string
		want     stint.RequestState
	}{
		{name: "group approver approves", reviewer: bob, want: stint.RequestApproved},
		{name: "group approver matched case-insensitively", reviewer: carol, want: stint.RequestApproved},
		{name: "user approver approves", reviewer: dave, want: stint.RequestApproved},
		{name: "approval without a comment is fine", reviewer: bob, comment: "-", want: stint.RequestApproved},
		{name: "approval just before the deadline", reviewer: bob, at: t0.Add(stint.DefaultReviewTimeout - time.Nanosecond), want: stint.RequestApproved},
		{name: "group approver denies with a reason", deny: true, reviewer: bob, comment: "not during the freeze", want: stint.RequestDenied},
		{name: "user approver denies with a reason", deny: true, reviewer: dave, comment: "use read-only", want: stint.RequestDenied},
		{name: "requester cannot approve own request", reviewer: carol, req: []func(*stint.Request){carolsRequest}, code: stint.EFORBIDDEN},
		{name: "requester cannot deny own request", deny: true, reviewer: carol, req: []func(*stint.Request){carolsRequest}, comment: "oops", code: stint.EFORBIDDEN},
		{
			name: "self-approval refused when only the email matches", reviewer: &stint.User{ID: "other-id", Email: "ALICE@example.com", Groups: []string{"Security"}},
			code: stint.EFORBIDDEN,
		},
		{name: "non-approver cannot approve", reviewer: eve, code: stint.EFORBIDDEN},
		{name: "fellow requester cannot approve", reviewer: &stint.User{ID: "u-frank", Email: "frank@example.com", Groups: []string{"Engineers"}}, code: stint.EFORBIDDEN},
		{name: "non-approver cannot deny", deny: true, reviewer: eve, comment: "no", code: stint.EFORBIDDEN},
		{name: "approved request is not pending", reviewer: bob, req: []func(*stint.Request){inState(stint.RequestApproved)}, code: stint.ECONFLICT},
		{name: "denied request is not pending", reviewer: bob, req: []func(*stint.Request){inState(stint.RequestDenied)}, code: stint.ECONFLICT},
		{name: "cancelled request is not pending", reviewer: bob, req: []func(*stint.Request){inState(stint.RequestCancelled)}, code: stint.ECONFLICT},
		{name: "expired request is not pending", reviewer: bob, req: []func(*stint.Request){inState(stint.RequestExpired)}, code: stint.ECONFLICT},
		{name: "deny of an approved request conflicts", deny: true, reviewer: bob, comment: "late", req: []func(*stint.Request){inState(stint.RequestApproved)}, code: stint.ECONFLICT},
		{name: "approval at the review deadline conflicts", reviewer: bob, at: t0.Add(stint.DefaultReviewTimeout), code: stint.ECONFLICT},
		{name: "approval after the review deadline conflicts", reviewer: bob, at: t0.Add(25 * time.Hour), code: stint.ECONFLICT},
		{name: "denial after the review deadline conflicts", deny: true, reviewer: bob, comment: "no", at: t0.Add(25 * time.Hour), code: stint.ECONFLICT},
		{name: "denial needs a reason", deny: true, reviewer: bob, code: stint.EINVALID},
		{name: "blank denial reason is refused", deny: true, reviewer: bob, comment: "  ", code: stint.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := pendingRequest(t, tt.req...)
			before := *r
			now := tt.at
			if now.IsZero() {
				now = t0.Add(time.Minute)
			}
			var next *stint.Request
			var err error
			if tt.deny {
				next, err = stint.DenyRequest(r, prodFlow(), tt.reviewer, tt.comment, now)
			} else {
				next, err = stint.ApproveRequest(r, prodFlow(), tt.reviewer, tt.comment, now)
			}
			requireCode(t, tt.code, err)
			require.Equal(t, before, *r, "the input request is never changed")
			if tt.code != "" {
				require.Nil(t, next)
				return
			}
			require.Equal(t, tt.want, next.State)
			require.Equal(t, now, next.UpdatedAt)
			require.Len(t, next.Reviews, 1)
			rv := next.Reviews[0]
			require.Equal(t, tt.reviewer.ID, rv.ReviewerID)
			require.Equal(t, tt.reviewer.Email, rv.ReviewerEmail)
			require.Equal(t, map[bool]string{false: "approve", true: "deny"}[tt.deny], rv.Decision)
			require.Equal(t, tt.comment, rv.Comment)
			require.Equal(t, now, rv.At)
		})
	}
}

func TestCancelRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		actor *stint.User
		req   []func(*stint.Request)
		code  string
	}{
		{name: "requester cancels a pending request", actor: alice},
		{name: "approver cannot cancel someone's request", actor: bob, code: stint.EFORBIDDEN},
		{name: "another engineer cannot cancel", actor: carol, code: stint.EFORBIDDEN},
		{name: "approved request cannot be cancelled", actor: alice, req: []func(*stint.Request){inState(stint.RequestApproved)}, code: stint.ECONFLICT},
		{name: "denied request cannot be cancelled", actor: alice, req: []func(*stint.Request){inState(stint.RequestDenied)}, code: stint.ECONFLICT},
		{name: "cancelled request cannot be cancelled again", actor: alice, req: []func(*stint.Request){inState(stint.RequestCancelled)}, code: stint.ECONFLICT},
		{name: "expired request cannot be cancelled", actor: alice, req: []func(*stint.Request){inState(stint.RequestExpired)}, code: stint.ECONFLICT},
		{name: "non-requester is refused before the state is checked", actor: bob, req: []func(*stint.Request){inState(stint.RequestApproved)}, code: stint.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := pendingRequest(t, tt.req...)
			now := t0.Add(time.Minute)
			next, err := stint.CancelRequest(r, tt.actor, now)
			requireCode(t, tt.code, err)
			if tt.code != "" {
				return
			}
			require.Equal(t, stint.RequestCancelled, next.State)
			require.Equal(t, now, next.UpdatedAt)
			require.Equal(t, stint.RequestPending, r.State)
		})
	}
}

func TestExpireRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  []func(*stint.Request)
		at   time.Time
		code string
	}{
		{name: "pending request expires at its review deadline", at: t0.Add(stint.DefaultReviewTimeout)},
		{name: "pending request expires after its review deadline", at: t0.Add(48 * time.Hour)},
		{name: "pending request before its deadline is refused", at: t0.Add(time.Hour), code: stint.ECONFLICT},
		{name: "approved request does not expire", req: []func(*stint.Request){inState(stint.RequestApproved)}, at: t0.Add(48 * time.Hour), code: stint.ECONFLICT},
		{name: "denied request does not expire", req: []func(*stint.Request){inState(stint.RequestDenied)}, at: t0.Add(48 * time.Hour), code: stint.ECONFLICT},
		{name: "cancelled request does not expire", req: []func(*stint.Request){inState(stint.RequestCancelled)}, at: t0.Add(48 * time.Hour), code: stint.ECONFLICT},
		{name: "expired request does not expire twice", req: []func(*stint.Request){inState(stint.RequestExpired)}, at: t0.Add(48 * time.Hour), code: stint.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := pendingRequest(t, tt.req...)
			next, err := stint.ExpireRequest(r, tt.at)
			requireCode(t, tt.code, err)
			if tt.code != "" {
				return
			}
			require.Equal(t, stint.RequestExpired, next.State)
			require.True(t, next.State.Terminal())
			require.Equal(t, tt.at, next.UpdatedAt)
		})
	}
}

func TestGrantsFor(t *testing.T) {
	t.Parallel()
	ids := func() func() string {
		n := 0
		return func() string { n++; return fmt.Sprintf("g-%d", n) }
	}
	approved := func(t *testing.T, starts *time.Time, res ...stint.ResourceRef) *stint.Request {
		r := pendingRequest(t, inState(stint.RequestApproved))
		r.StartsAt = starts
		r.Resources = res
		r.Duration = stint.Duration(2 * time.Hour)
		return r
	}
	now := t0.Add(5 * time.Minute)
	later := t0.Add(24 * time.Hour)
	earlier := t0.Add(time.Minute)

	tests := []struct {
		name      string
		req       func(t *testing.T) *stint.Request
		code      string
		wantState stint.GrantState
		wantStart time.Time
		wantCount int
	}{
		{
			name:      "no start: activating from now",
			req:       func(t *testing.T) *stint.Request { return approved(t, nil, resPayments) },
			wantState: stint.GrantActivating, wantStart: now, wantCount: 1,
		},
		{
			name:      "future start: scheduled at the start",
			req:       func(t *testing.T) *stint.Request { return approved(t, &later, resPayments) },
			wantState: stint.GrantScheduled, wantStart: later, wantCount: 1,
		},
		{
			name:      "start already passed when approved: activating from now",
			req:       func(t *testing.T) *stint.Request { return approved(t, &earlier, resPayments) },
			wantState: stint.GrantActivating, wantStart: now, wantCount: 1,
		},
		{
			name:      "start exactly now: activating",
			req:       func(t *testing.T) *stint.Request { return approved(t, &now, resPayments) },
			wantState: stint.GrantActivating, wantStart: now, wantCount: 1,
		},
		{
			name:      "one grant per resource of a bundle",
			req:       func(t *testing.T) *stint.Request { return approved(t, nil, resPayments, resLedger) },
			wantState: stint.GrantActivating, wantStart: now, wantCount: 2,
		},
		{name: "pending request has no grants", req: func(t *testing.T) *stint.Request { return pendingRequest(t) }, code: stint.ECONFLICT},
		{name: "denied request has no grants", req: func(t *testing.T) *stint.Request { return pendingRequest(t, inState(stint.RequestDenied)) }, code: stint.ECONFLICT},
		{name: "cancelled request has no grants", req: func(t *testing.T) *stint.Request { return pendingRequest(t, inState(stint.RequestCancelled)) }, code: stint.ECONFLICT},
		{name: "expired request has no grants", req: func(t *testing.T) *stint.Request { return pendingRequest(t, inState(stint.RequestExpired)) }, code: stint.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.req(t)
			grants, err := stint.GrantsFor(r, 0, ids(), now)
			requireCode(t, tt.code, err)
			if tt.code != "" {
				return
			}
			require.Len(t, grants, tt.wantCount)
			for i, g := range grants {
				res := r.Resources[i]
				require.Equal(t, fmt.Sprintf("g-%d", i+1), g.ID)
				require.Equal(t, r.ID, g.RequestID)
				require.Equal(t, r.Flow, g.Flow)
				require.Equal(t, alice.ID, g.UserID)
				require.Equal(t, alice.Email, g.UserEmail)
				require.Equal(t, res.ID, g.ResourceID)
				require.Equal(t, res.AccountID, g.AccountID)
				require.Equal(t, res.AccountName, g.AccountName)
				require.Equal(t, res.PermissionSet, g.PermissionSet)
				require.Equal(t, res.PermissionSetARN, g.PermissionSetARN)
				require.Equal(t, tt.wantState, g.State)
				require.Equal(t, tt.wantStart, g.StartsAt)
				require.Equal(t, tt.wantStart.Add(2*time.Hour), g.EndsAt)
				require.Equal(t, now, g.CreatedAt)
				require.Zero(t, g.Extensions)
				require.Zero(t, g.Attempts)
			}
		})
	}
}

// grantIn returns an active-looking grant for [t0, t0+2h) in state s.
func grantIn(s stint.GrantState, mut ...func(*stint.Grant)) *stint.Grant {
	g := &stint.Grant{
		ID: "g-1", RequestID: "req-1", Flow: "prod-admin", UserID: alice.ID, UserEmail: alice.Email,
		ResourceID: resPayments.ID, AccountID: resPayments.AccountID, AccountName: resPayments.AccountName,
		PermissionSet: resPayments.PermissionSet, PermissionSetARN: resPayments.PermissionSetARN,
		State: s, StartsAt: t0, EndsAt: t0.Add(2 * time.Hour), CreatedAt: t0, UpdatedAt: t0,
	}
	for _, m := range mut {
		m(g)
	}
	return g
}

func failedOp(op string) func(*stint.Grant) {
	return func(g *stint.Grant) { g.FailedOp, g.LastError, g.Attempts = op, "ThrottlingException", 1 }
}

var allGrantStates = []stint.GrantState{
	stint.GrantScheduled, stint.GrantActivating, stint.GrantActive,
	stint.GrantRevoking, stint.GrantEnded, stint.GrantFailed,
}

// grantCase is one row of the grant transition tables.
type grantCase struct {
	name  string
	grant *stint.Grant
	at    time.Time
	code  string
	check func(t *testing.T, next *stint.Grant)
}

func runGrantCases(t *testing.T, tests []grantCase, apply func(*stint.Grant, time.Time) (*stint.Grant, error)) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := *tt.grant
			next, err := apply(tt.grant, tt.at)
			requireCode(t, tt.code, err)
			require.Equal(t, before, *tt.grant, "the input grant is never changed")
			if tt.code != "" {
				require.Nil(t, next)
				return
			}
			require.Equal(t, tt.at, next.UpdatedAt)
			if tt.check != nil {
				tt.check(t, next)
			}
		})
	}
}

func wantGrant(state stint.GrantState, endReason string) func(*testing.T, *stint.Grant) {
	return func(t *testing.T, g *stint.Grant) {
		t.Helper()
		require.Equal(t, state, g.State)
		require.Equal(t, endReason, g.EndReason)
	}
}

func TestActivateGrant(t *testing.T) {
	t.Parallel()
	tests := []grantCase{
		{name: "scheduled grant activates at its start", grant: grantIn(stint.GrantScheduled), at: t0, check: wantGrant(stint.GrantActivating, "")},
		{name: "scheduled grant activates after its start", grant: grantIn(stint.GrantScheduled), at: t0.Add(time.Minute), check: wantGrant(stint.GrantActivating, "")},
		{name: "scheduled grant before its start is refused", grant: grantIn(stint.GrantScheduled), at: t0.Add(-time.Second), code: stint.ECONFLICT},
	}
	for _, s := range allGrantStates {
		if s != stint.GrantScheduled {
			tests = append(tests, grantCase{name: string(s) + " grant cannot activate", grant: grantIn(s), at: t0, code: stint.ECONFLICT})
		}
	}
	runGrantCases(t, tests, stint.ActivateGrant)
}

func TestGrantActivated(t *testing.T) {
	t.Parallel()
	tests := []grantCase{
		{name: "activating grant becomes active", grant: grantIn(stint.GrantActivating), at: t0, check: wantGrant(stint.GrantActive, "")},
		{
			name:  "activation after a retry clears the last error",
			grant: grantIn(stint.GrantActivating, func(g *stint.Grant) { g.LastError, g.Attempts = "ThrottlingException", 2 }),
			at:    t0,
			check: func(t *testing.T, g *stint.Grant) {
				require.Equal(t, stint.GrantActive, g.State)
				require.Empty(t, g.LastError)
				require.Equal(t, 2, g.Attempts, "attempts are history, kept")
			},
		},
	}
	for _, s := range allGrantStates {
		if s != stint.GrantActivating {
			tests = append(tests, grantCase{name: string(s) + " grant cannot become active", grant: grantIn(s), at: t0, code: stint.ECONFLICT})
		}
	}
	runGrantCases(t, tests, stint.GrantActivated)
}

func TestExtendGrant(t *testing.T) {
	t.Parallel()
	oneExtension := prodFlow()
	oneExtension.MaxExtensions = 1
	noExtensions := prodFlow()
	noExtensions.MaxExtensions = -1
	extended := func(n int) func(*stint.Grant) { return func(g *stint.Grant) { g.Extensions = n } }

	tests := []struct {
		name  string
		grant *stint.Grant
		flow  *stint.Flow
		by    time.Duration
		code  string
		end   time.Time
	}{
		{name: "active grant is extended", grant: grantIn(stint.GrantActive), flow: prodFlow(), by: time.Hour, end: t0.Add(3 * time.Hour)},
		{name: "extension up to exactly the maximum", grant: grantIn(stint.GrantActive), flow: prodFlow(), by: 2 * time.Hour, end: t0.Add(4 * time.Hour)},
		{name: "scheduled grant is extended", grant: grantIn(stint.GrantScheduled), flow: prodFlow(), by: time.Hour, end: t0.Add(3 * time.Hour)},
		{name: "activating grant is extended", grant: grantIn(stint.GrantActivating), flow: prodFlow(), by: time.Hour, end: t0.Add(3 * time.Hour)},
		{name: "third extension under the default limit", grant: grantIn(stint.GrantActive, extended(2)), flow: prodFlow(), by: time.Minute, end: t0.Add(2*time.Hour + time.Minute)},
		{name: "beyond the maximum duration is refused", grant: grantIn(stint.GrantActive), flow: prodFlow(), by: 2*time.Hour + time.Second, code: stint.EINVALID},
		{name: "zero extension is refused", grant: grantIn(stint.GrantActive), flow: prodFlow(), by: 0, code: stint.EINVALID},
		{name: "negative extension is refused", grant: grantIn(stint.GrantActive), flow: prodFlow(), by: -time.Hour, code: stint.EINVALID},
		{name: "default limit of 3 extensions", grant: grantIn(stint.GrantActive, extended(3)), flow: prodFlow(), by: time.Minute, code: stint.EFORBIDDEN},
		{name: "flow's own limit", grant: grantIn(stint.GrantActive, extended(1)), flow: oneExtension, by: time.Minute, code: stint.EFORBIDDEN},
		{name: "flow allowing none", grant: grantIn(stint.GrantActive), flow: noExtensions, by: time.Minute, code: stint.EFORBIDDEN},
		{name: "revoking grant is not live", grant: grantIn(stint.GrantRevoking), flow: prodFlow(), by: time.Hour, code: stint.ECONFLICT},
		{name: "ended grant is not live", grant: grantIn(stint.GrantEnded), flow: prodFlow(), by: time.Hour, code: stint.ECONFLICT},
		{name: "failed grant is not live", grant: grantIn(stint.GrantFailed, failedOp("activate")), flow: prodFlow(), by: time.Hour, code: stint.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := *tt.grant
			now := t0.Add(30 * time.Minute)
			next, err := stint.ExtendGrant(tt.grant, tt.flow, tt.by, now)
			requireCode(t, tt.code, err)
			require.Equal(t, before, *tt.grant)
			if tt.code != "" {
				return
			}
			require.Equal(t, tt.end, next.EndsAt)
			require.Equal(t, tt.grant.StartsAt, next.StartsAt)
			require.Equal(t, tt.grant.Extensions+1, next.Extensions)
			require.Equal(t, tt.grant.State, next.State)
			require.Equal(t, now, next.UpdatedAt)
		})
	}
}

func TestRevokeGrant(t *testing.T) {
	t.Parallel()
	now := t0.Add(30 * time.Minute)
	revoking := func(t *testing.T, g *stint.Grant) {
		require.Equal(t, stint.GrantRevoking, g.State)
		require.Equal(t, stint.EndRevoked, g.EndReason)
		require.Equal(t, "bob@example.com", g.RevokedBy)
		require.Empty(t, g.FailedOp)
		require.Nil(t, g.EndedAt, "the grant ends once AWS confirms")
	}
	tests := []grantCase{
		{
			name: "scheduled grant ends at once", grant: grantIn(stint.GrantScheduled), at: now,
			check: func(t *testing.T, g *stint.Grant) {
				require.Equal(t, stint.GrantEnded, g.State)
				require.Equal(t, stint.EndRevoked, g.EndReason)
				require.Equal(t, "bob@example.com", g.RevokedBy)
				require.Equal(t, now, *g.EndedAt)
			},
		},
		{name: "activating grant moves to revoking", grant: grantIn(stint.GrantActivating), at: now, check: revoking},
		{name: "active grant moves to revoking", grant: grantIn(stint.GrantActive), at: now, check: revoking},
		{name: "failed activation moves to revoking", grant: grantIn(stint.GrantFailed, failedOp("activate")), at: now, check: revoking},
		{name: "failed revocation moves to revoking", grant: grantIn(stint.GrantFailed, failedOp("revoke")), at: now, check: revoking},
		{name: "revoking grant has nothing to revoke", grant: grantIn(stint.GrantRevoking), at: now, code: stint.ECONFLICT},
		{name: "ended grant has nothing to revoke", grant: grantIn(stint.GrantEnded), at: now, code: stint.ECONFLICT},
	}
	runGrantCases(t, tests, func(g *stint.Grant, at time.Time) (*stint.Grant, error) {
		return stint.RevokeGrant(g, "bob@example.com", at)
	})
}

func TestExpireGrant(t *testing.T) {
	t.Parallel()
	end := t0.Add(2 * time.Hour)
	revokedThenFailed := func(g *stint.Grant) {
		g.FailedOp, g.EndReason, g.RevokedBy = "revoke", stint.EndRevoked, "bob@example.com"
	}
	tests := []grantCase{
		{name: "active grant before its end is refused", grant: grantIn(stint.GrantActive), at: end.Add(-time.Nanosecond), code: stint.ECONFLICT},
		{name: "scheduled grant before its end is refused", grant: grantIn(stint.GrantScheduled), at: t0, code: stint.ECONFLICT},
		{name: "failed grant before its end is refused", grant: grantIn(stint.GrantFailed, failedOp("activate")), at: t0, code: stint.ECONFLICT},
		{
			name: "scheduled grant whose window passed ends at once", grant: grantIn(stint.GrantScheduled), at: end,
			check: func(t *testing.T, g *stint.Grant) {
				wantGrant(stint.GrantEnded, stint.EndExpired)(t, g)
				require.Equal(t, end, *g.EndedAt)
			},
		},
		{name: "activating grant moves to revoking", grant: grantIn(stint.GrantActivating), at: end, check: wantGrant(stint.GrantRevoking, stint.EndExpired)},
		{name: "active grant moves to revoking at its end", grant: grantIn(stint.GrantActive), at: end, check: wantGrant(stint.GrantRevoking, stint.EndExpired)},
		{name: "active grant moves to revoking after its end", grant: grantIn(stint.GrantActive), at: end.Add(time.Hour), check: wantGrant(stint.GrantRevoking, stint.EndExpired)},
		{
			name: "failed activation moves to revoking", grant: grantIn(stint.GrantFailed, failedOp("activate")), at: end,
			check: func(t *testing.T, g *stint.Grant) {
				wantGrant(stint.GrantRevoking, stint.EndExpired)(t, g)
				require.Empty(t, g.FailedOp)
			},
		},
		{
			name: "failed revocation keeps the reason it was revoked for", grant: grantIn(stint.GrantFailed, revokedThenFailed), at: end,
			check: func(t *testing.T, g *stint.Grant) {
				wantGrant(stint.GrantRevoking, stint.EndRevoked)(t, g)
				require.Equal(t, "bob@example.com", g.RevokedBy)
			},
		},
		{name: "revoking grant has nothing to expire", grant: grantIn(stint.GrantRevoking), at: end, code: stint.ECONFLICT},
		{name: "ended grant has nothing to expire", grant: grantIn(stint.GrantEnded), at: end, code: stint.ECONFLICT},
	}
	runGrantCases(t, tests, stint.ExpireGrant)
}

func TestEndGrant(t *testing.T) {
	t.Parallel()
	now := t0.Add(2 * time.Hour)
	tests := []grantCase{
		{
			name: "revoking grant ends",
			grant: grantIn(stint.GrantRevoking, func(g *stint.Grant) {
				g.EndReason, g.LastError = stint.EndExpired, "ConflictException"
			}),
			at: now,
			check: func(t *testing.T, g *stint.Grant) {
				wantGrant(stint.GrantEnded, stint.EndExpired)(t, g)
				require.Equal(t, now, *g.EndedAt)
				require.Empty(t, g.LastError)
			},
		},
	}
	for _, s := range allGrantStates {
		if s != stint.GrantRevoking {
			tests = append(tests, grantCase{name: string(s) + " grant cannot end", grant: grantIn(s), at: now, code: stint.ECONFLICT})
		}
	}
	runGrantCases(t, tests, stint.EndGrant)
}

func TestFailGrant(t *testing.T) {
	t.Parallel()
	now := t0.Add(time.Minute)
	failed := func(op string, attempts int) func(*testing.T, *stint.Grant) {
		return func(t *testing.T, g *stint.Grant) {
			require.Equal(t, stint.GrantFailed, g.State)
			require.Equal(t, op, g.FailedOp)
			require.Equal(t, "AccessDenied: not allowed", g.LastError)
			require.Equal(t, attempts, g.Attempts)
		}
	}
	tests := []grantCase{
		{name: "activation fails", grant: grantIn(stint.GrantActivating), at: now, check: failed("activate", 1)},
		{
			name: "revocation fails and keeps its end reason", grant: grantIn(stint.GrantRevoking, func(g *stint.Grant) { g.EndReason = stint.EndExpired }), at: now,
			check: func(t *testing.T, g *stint.Grant) {
				failed("revoke", 1)(t, g)
				require.Equal(t, stint.EndExpired, g.EndReason)
			},
		},
		{name: "attempts accumulate", grant: grantIn(stint.GrantActivating, func(g *stint.Grant) { g.Attempts = 2 }), at: now, check: failed("activate", 3)},
	}
	for _, s := range []stint.GrantState{stint.GrantScheduled, stint.GrantActive, stint.GrantEnded, stint.GrantFailed} {
		tests = append(tests, grantCase{name: string(s) + " grant cannot fail", grant: grantIn(s), at: now, code: stint.ECONFLICT})
	}
	runGrantCases(t, tests, func(g *stint.Grant, at time.Time) (*stint.Grant, error) {
		return stint.FailGrant(g, "AccessDenied: not allowed", at)
	})
}

func TestRetryGrant(t *testing.T) {
	t.Parallel()
	end := t0.Add(2 * time.Hour)
	tests := []grantCase{
		{
			name: "failed activation is retried as activation", grant: grantIn(stint.GrantFailed, failedOp("activate")), at: t0.Add(time.Minute),
			check: func(t *testing.T, g *stint.Grant) {
				wantGrant(stint.GrantActivating, "")(t, g)
				require.Empty(t, g.FailedOp)
				require.Equal(t, 1, g.Attempts)
			},
		},
		{
			name: "failed revocation is retried as revocation", grant: grantIn(stint.GrantFailed, failedOp("revoke"), func(g *stint.Grant) { g.EndReason = stint.EndRevoked }),
			at: t0.Add(time.Minute),
			check: func(t *testing.T, g *stint.Grant) {
				wantGrant(stint.GrantRevoking, stint.EndRevoked)(t, g)
				require.Empty(t, g.FailedOp)
			},
		},
		{
			name: "failed expiry is retried as revocation, still expired", grant: grantIn(stint.GrantFailed, failedOp("revoke"), func(g *stint.Grant) { g.EndReason = stint.EndExpired }),
			at: end.Add(time.Minute), check: wantGrant(stint.GrantRevoking, stint.EndExpired),
		},
		{
			name: "failed activation past its end is retried as an expiry", grant: grantIn(stint.GrantFailed, failedOp("activate")), at: end,
			check: func(t *testing.T, g *stint.Grant) {
				wantGrant(stint.GrantRevoking, stint.EndExpired)(t, g)
				require.Empty(t, g.FailedOp)
			},
		},
	}
	for _, s := range allGrantStates {
		if s != stint.GrantFailed {
			tests = append(tests, grantCase{name: string(s) + " grant cannot be retried", grant: grantIn(s), at: t0, code: stint.ECONFLICT})
		}
	}
	runGrantCases(t, tests, stint.RetryGrant)
}

// TestGrantLifecycle walks one request from submission to the end of its
// grant, holding and releasing the AWS effect on the way.
func TestGrantLifecycle(t *testing.T) {
	t.Parallel()
	f := prodFlow()
	r, err := stint.SubmitRequest(submission(f), "req-1", t0)
	require.NoError(t, err)
	r, err = stint.ApproveRequest(r, f, bob, "ok", t0.Add(time.Minute))
	require.NoError(t, err)
	grants, err := stint.GrantsFor(r, 0, func() string { return "g-1" }, t0.Add(time.Minute))
	require.NoError(t, err)
	g := grants[0]
	e := stint.NewSSOEffect(g, t0).Hold(g.ID, t0)

	g, err = stint.FailGrant(g, "ThrottlingException", t0.Add(2*time.Minute))
	require.NoError(t, err)
	g, err = stint.RetryGrant(g, t0.Add(3*time.Minute))
	require.NoError(t, err)
	g, err = stint.GrantActivated(g, t0.Add(3*time.Minute))
	require.NoError(t, err)
	g, err = stint.ExtendGrant(g, f, 30*time.Minute, t0.Add(50*time.Minute))
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Minute+90*time.Minute), g.EndsAt)

	_, err = stint.ExpireGrant(g, t0.Add(time.Hour))
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err), "not yet")
	g, err = stint.ExpireGrant(g, g.EndsAt)
	require.NoError(t, err)
	e, remove := e.Release(g.ID, g.EndsAt)
	require.True(t, remove)
	require.Equal(t, stint.EffectDeleting, e.State)
	g, err = stint.EndGrant(g, g.EndsAt.Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, stint.GrantEnded, g.State)
	require.Equal(t, stint.EndExpired, g.EndReason)
	require.Equal(t, 1, g.Extensions)
	require.Equal(t, 1, g.Attempts)
}
