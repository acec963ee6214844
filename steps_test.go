package stint_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

// stepsFlow needs one approver, then two distinct security approvers; the
// first step applies only to Payments requesters.
func stepsFlow() *stint.Flow {
	f := prodFlow()
	f.Approvers = nil
	f.ApprovalSteps = []stint.ApprovalStep{
		{Name: "lead", Approvers: []string{"user:dave@example.com"}, RequesterGroups: []string{"Payments"}},
		{Name: "security", Approvers: []string{"group:Security"}, Quorum: 2},
	}
	f.Ticket = &stint.TicketRule{Required: true, Pattern: `^(INC|CHG)-[0-9]+$`}
	f.BreakGlass = &stint.BreakGlass{Groups: []string{"Engineers"}, MaxDuration: stint.Duration(time.Hour)}
	f.ActivationWindow = stint.Duration(2 * time.Hour)
	return f
}

var (
	frank = &stint.User{ID: "u-frank", Email: "frank@example.com", Groups: []string{"Security"}}
	paula = &stint.User{ID: "u-paula", Email: "paula@example.com", Groups: []string{"Engineers", "Payments"}}
)

func TestSubmitWithSteps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		mut       func(*stint.Submission)
		code      string
		state     stint.RequestState
		stepNames []string
	}{
		{name: "ticket required", mut: func(s *stint.Submission) { s.Ticket = "" }, code: stint.EINVALID},
		{name: "ticket must match the pattern", mut: func(s *stint.Submission) { s.Ticket = "JIRA-1" }, code: stint.EINVALID},
		{name: "a payments requester gets both steps", mut: func(s *stint.Submission) { s.Requester = paula }, state: stint.RequestPending, stepNames: []string{"lead", "security"}},
		{name: "others skip the scoped step", state: stint.RequestPending, stepNames: []string{"security"}},
		{name: "break-glass is approved at once", mut: func(s *stint.Submission) { s.BreakGlass, s.Duration = true, 30*time.Minute }, state: stint.RequestApproved, stepNames: []string{"security"}},
		{name: "break-glass above its maximum", mut: func(s *stint.Submission) { s.BreakGlass = true; s.Duration = 2 * time.Hour }, code: stint.EINVALID},
		{name: "break-glass needs a reason", mut: func(s *stint.Submission) { s.BreakGlass, s.Reason, s.Duration = true, "", 30*time.Minute }, code: stint.EINVALID},
		{name: "break-glass on a flow without it", mut: func(s *stint.Submission) { s.BreakGlass = true; s.Flow.BreakGlass = nil }, code: stint.EFORBIDDEN},
		{name: "policy auto-approval", mut: func(s *stint.Submission) { s.AutoApprove = true }, state: stint.RequestApproved, stepNames: []string{"security"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := submission(stepsFlow(), func(s *stint.Submission) { s.Ticket = "CHG-7" })
			if tt.mut != nil {
				tt.mut(&s)
			}
			r, err := stint.SubmitRequest(s, "req-1", t0)
			requireCode(t, tt.code, err)
			if tt.code != "" {
				return
			}
			require.Equal(t, tt.state, r.State)
			var names []string
			for _, st := range r.Steps {
				names = append(names, st.Name)
			}
			require.Equal(t, tt.stepNames, names)
			require.Equal(t, s.BreakGlass, r.BreakGlass)
			require.Equal(t, !s.BreakGlass && r.State == stint.RequestApproved, r.AutoApproved)
		})
	}
}

func TestApproveSteps(t *testing.T) {
	t.Parallel()
	f := stepsFlow()
	r, err := stint.SubmitRequest(submission(f, func(s *stint.Submission) { s.Requester, s.Ticket = paula, "INC-1" }), "req-1", t0)
	require.NoError(t, err)
	now := t0.Add(time.Minute)
	type step struct {
		who   *stint.User
		deny  bool
		code  string
		state stint.RequestState
	}
	plan := []step{
		{who: paula, code: stint.EFORBIDDEN},            // the requester never approves
		{who: bob, code: stint.EFORBIDDEN},              // security, but the lead step comes first
		{who: dave, state: stint.RequestPending},        // lead step done
		{who: dave, code: stint.EFORBIDDEN},             // not a security approver
		{who: bob, state: stint.RequestPending},         // security 1/2
		{who: bob, code: stint.EFORBIDDEN},              // a person counts once
		{who: eve, deny: true, code: stint.EFORBIDDEN},  // not an approver: cannot deny either
		{who: frank, state: stint.RequestApproved},      // security 2/2
		{who: carol, code: stint.ECONFLICT},             // nothing left to approve
		{who: frank, deny: true, code: stint.ECONFLICT}, // no longer pending
	}
	for i, p := range plan {
		var next *stint.Request
		var err error
		if p.deny {
			next, err = stint.DenyRequest(r, f, p.who, "no", now)
		} else {
			next, err = stint.ApproveRequest(r, f, p.who, "", now)
		}
		requireCode(t, p.code, err)
		if p.code == "" {
			require.Equal(t, p.state, next.State, "step %d", i)
			r = next
		}
	}
	require.Equal(t, []string{"dave@example.com"}, r.Steps[0].Approvals)
	require.Equal(t, []string{"bob@example.com", "frank@example.com"}, r.Steps[1].Approvals)
	require.Len(t, r.Reviews, 3)
}

func TestDenyAtAnyStepEndsTheRequest(t *testing.T) {
	t.Parallel()
	f := stepsFlow()
	r, err := stint.SubmitRequest(submission(f, func(s *stint.Submission) { s.Requester, s.Ticket = paula, "INC-1" }), "req-1", t0)
	require.NoError(t, err)
	next, err := stint.DenyRequest(r, f, bob, "not during the freeze", t0) // a later step's approver
	require.NoError(t, err)
	require.Equal(t, stint.RequestDenied, next.State)
	require.Empty(t, r.Steps[1].Approvals, "the input is not changed")
}

func TestActivationWindow(t *testing.T) {
	t.Parallel()
	f := stepsFlow()
	r, err := stint.SubmitRequest(submission(f, func(s *stint.Submission) { s.Ticket, s.AutoApprove = "INC-1", true }), "req-1", t0)
	require.NoError(t, err)
	gs, err := stint.GrantsFor(r, time.Duration(f.ActivationWindow), func() string { return "g-1" }, t0)
	require.NoError(t, err)
	g := gs[0]
	require.Equal(t, stint.GrantReady, g.State)
	require.Equal(t, t0.Add(2*time.Hour), g.EndsAt, "a ready grant is due at its window's end")
	require.Equal(t, stint.Duration(time.Hour), g.Duration)

	tests := []struct {
		name string
		who  *stint.User
		at   time.Time
		code string
	}{
		{"someone else", carol, t0.Add(time.Minute), stint.EFORBIDDEN},
		{"after the window", alice, t0.Add(2 * time.Hour), stint.ECONFLICT},
		{"its user, in time", alice, t0.Add(30 * time.Minute), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, err := stint.ActivateReady(g, tt.who, tt.at)
			requireCode(t, tt.code, err)
			if tt.code == "" {
				require.Equal(t, stint.GrantActivating, next.State)
				require.Equal(t, tt.at, next.StartsAt)
				require.Equal(t, tt.at.Add(time.Hour), next.EndsAt, "the access lasts its duration from activation")
			}
		})
	}
	ended, err := stint.ExpireGrant(g, t0.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, stint.GrantEnded, ended.State)
	require.Equal(t, stint.EndNotActivated, ended.EndReason)
	revoked, err := stint.RevokeGrant(g, "alice@example.com", t0.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, stint.GrantEnded, revoked.State, "nothing exists in AWS yet")

	bg, err := stint.SubmitRequest(submission(f, func(s *stint.Submission) { s.Ticket, s.BreakGlass, s.Duration = "INC-2", true, time.Hour }), "req-2", t0)
	require.NoError(t, err)
	gs, err = stint.GrantsFor(bg, time.Duration(f.ActivationWindow), func() string { return "g-2" }, t0)
	require.NoError(t, err)
	require.Equal(t, stint.GrantActivating, gs[0].State, "break-glass access starts at once")
	require.True(t, gs[0].BreakGlass)
}

func TestExtensionRequestMakesNoGrants(t *testing.T) {
	t.Parallel()
	r, err := stint.SubmitRequest(submission(sandboxFlow()), "req-1", t0)
	require.NoError(t, err)
	r.ExtendsGrant = "g-1"
	gs, err := stint.GrantsFor(r, 0, func() string { return "g-2" }, t0)
	require.NoError(t, err)
	require.Empty(t, gs)
}
