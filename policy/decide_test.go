package policy

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stretchr/testify/require"
)

func TestDecideRequest(t *testing.T) {
	t.Parallel()
	e, dir := setup(t, wednesday)
	tests := []struct {
		name       string
		user, acct string
		ps         string
		dur        time.Duration
		breakGlass bool
		wantFlow   string
		wantAuto   bool
		wantSteps  []string
		wantErr    string // substring of an EFORBIDDEN message
	}{
		{name: "ou selector, auto-approve", user: "alice@example.com", acct: "dev-sandbox", ps: "ReadOnly", wantFlow: "dev-readonly", wantAuto: true},
		{name: "nested ou matches", user: "alice@example.com", acct: "dev-two", ps: "powerUSER", wantFlow: "dev-readonly", wantAuto: true},
		{name: "ou selector does not match a sibling", user: "erin@example.com", acct: "prod-core", ps: "PowerUser", wantErr: "no flow lets erin@example.com request PowerUser in 333333333333 (prod-core)"},
		{name: "nested group through config groups", user: "erin@example.com", acct: "dev-sandbox", ps: "ReadOnly", wantFlow: "dev-readonly", wantAuto: true},
		{name: "user listed in a config group", user: "frank@example.com", acct: "dev-sandbox", ps: "ReadOnly", wantFlow: "dev-readonly", wantAuto: true},
		{name: "not a requester", user: "dave@example.com", acct: "dev-sandbox", ps: "ReadOnly", wantErr: `flow "dev-readonly": dave@example.com is not one of its requesters`},
		{name: "prod admin with steps scoped by permission set", user: "alice@example.com", acct: "prod-payments", ps: "AdministratorAccess", dur: 2 * time.Hour, wantFlow: "prod-admin", wantSteps: []string{"lead", "security"}},
		{name: "steps scoped by requester group", user: "bob@example.com", acct: "prod-core", ps: "AdministratorAccess", wantFlow: "prod-admin", wantSteps: []string{"lead", "security", "sre-manager"}},
		{name: "duration over the maximum", user: "alice@example.com", acct: "111111111111", ps: "AdministratorAccess", dur: 9 * time.Hour,
			wantErr: `no flow lets alice@example.com request AdministratorAccess in 111111111111 (prod-payments): flow "prod-admin": duration 9h exceeds 4h`},
		{name: "negative duration", user: "alice@example.com", acct: "111111111111", ps: "AdministratorAccess", dur: -time.Hour, wantErr: "the duration must be positive"},
		{name: "exclude wins over requesters", user: "mallory@example.com", acct: "prod-payments", ps: "AdministratorAccess", wantErr: "mallory@example.com is excluded"},
		{name: "requester attributes", user: "frank@example.com", acct: "prod-payments", ps: "AdministratorAccess", wantFlow: "prod-admin", wantSteps: []string{"lead", "security"}},
		{name: "missing attribute denies", user: "carol@example.com", acct: "prod-payments", ps: "AdministratorAccess", wantErr: "is not one of its requesters"},
		{name: "tag selector, time window auto-approve", user: "alice@example.com", acct: "prod-core", ps: "ReadOnly", wantFlow: "tagged-readonly", wantAuto: true, wantSteps: []string{"approval"}},
		{name: "name selector ignores case", user: "alice@example.com", acct: "444444444444", ps: "ReadOnly", wantFlow: "tagged-readonly", wantAuto: true, wantSteps: []string{"approval"}},
		{name: "auto-approving flow preferred over the first listed", user: "bob@example.com", acct: "444444444444", ps: "ReadOnly", wantFlow: "by-id", wantAuto: true},
		{name: "account id selector", user: "bob@example.com", acct: "222222222222", ps: "ReadOnly", wantErr: `flow "dev-readonly": bob@example.com is not one of its requesters (group:eng)`},
		{name: "all selector", user: "carol@example.com", acct: "dev-sandbox", ps: "PowerUser", wantFlow: "contractor", wantSteps: []string{"approval"}},
		{name: "cedar block forbids", user: "carol@example.com", acct: "prod-core", ps: "PowerUser", wantErr: `flow "contractor": contractors never touch prod`},
		{name: "unknown permission set", user: "alice@example.com", acct: "prod-core", ps: "Nope", wantErr: `no flow includes permission set "Nope"`},
		{name: "break-glass in group", user: "bob@example.com", acct: "prod-core", ps: "AdministratorAccess", breakGlass: true, wantFlow: "prod-admin", wantSteps: []string{"lead", "security", "sre-manager"}},
		{name: "break-glass default capped at its maximum", user: "bob@example.com", acct: "prod-core", ps: "AdministratorAccess", breakGlass: true, dur: time.Hour, wantFlow: "prod-admin", wantSteps: []string{"lead", "security", "sre-manager"}},
		{name: "break-glass over its maximum", user: "bob@example.com", acct: "prod-core", ps: "AdministratorAccess", breakGlass: true, dur: 2 * time.Hour, wantErr: "break-glass duration 2h exceeds 1h"},
		{name: "break-glass outside its groups", user: "alice@example.com", acct: "prod-core", ps: "AdministratorAccess", breakGlass: true, wantErr: "alice@example.com is in no break-glass group (oncall)"},
		{name: "break-glass where the flow has none", user: "alice@example.com", acct: "dev-sandbox", ps: "ReadOnly", breakGlass: true, wantErr: "no flow lets alice@example.com use break-glass access to ReadOnly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := RequestInput{User: user(t, dir, tt.user), Account: account(t, dir, tt.acct), PermissionSet: tt.ps, Duration: tt.dur, BreakGlass: tt.breakGlass}
			d, err := e.DecideRequest(context.Background(), in)
			if tt.wantErr != "" {
				require.Nil(t, d)
				require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "err: %v", err)
				require.Contains(t, err.Error(), tt.wantErr)
				var de *DeniedError
				require.True(t, errors.As(err, &de))
				require.False(t, de.Explanation.Allowed)
				require.Equal(t, err.Error(), de.Explanation.Summary)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantFlow, d.Flow.Name)
			require.Equal(t, tt.wantAuto, d.AutoApprove)
			var steps []string
			for _, st := range d.Steps {
				steps = append(steps, st.Name)
			}
			require.Equal(t, tt.wantSteps, steps)
			require.True(t, d.Explanation.Allowed)
			require.Equal(t, tt.breakGlass, d.Explanation.BreakGlass && tt.breakGlass)
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	e, dir := setup(t, wednesday)
	exp := e.Explain(context.Background(), RequestInput{
		User: user(t, dir, "bob@example.com"), Account: account(t, dir, "444444444444"), PermissionSet: "ReadOnly",
	})
	require.True(t, exp.Allowed)
	require.Equal(t, "by-id", exp.Flow)
	require.Equal(t, "aws-sso:444444444444/ReadOnly", exp.Resource)
	require.Equal(t, []FlowReason{
		{Flow: "dev-readonly", Allowed: false, Reason: "it does not include ReadOnly in 444444444444 (Root-Acct); bob@example.com is not one of its requesters (group:eng)"},
		{Flow: "tagged-readonly", Allowed: false, Reason: "bob@example.com is not one of its requesters (group:eng)"},
		{Flow: "by-id", Allowed: true},
	}, exp.Reasons)

	exp = e.Explain(context.Background(), RequestInput{
		User: user(t, dir, "bob@example.com"), Account: account(t, dir, "prod-core"), PermissionSet: "AdministratorAccess",
	})
	require.True(t, exp.Allowed)
	require.True(t, exp.BreakGlass, "bob is on call: break-glass is open to him")
	require.Equal(t, stint.Duration(4*time.Hour), exp.MaxDuration)
	require.Len(t, exp.Steps, 3)
	require.Equal(t, 2, exp.Steps[1].Quorum)
	require.Contains(t, exp.Summary, "after approval: lead (1 of group:leads), then security (2 of group:security)")

	exp = e.Explain(context.Background(), RequestInput{
		User: user(t, dir, "alice@example.com"), Account: account(t, dir, "prod-core"), PermissionSet: "PowerUser",
	})
	require.False(t, exp.Allowed)
	require.Equal(t, FlowReason{Flow: "dev-readonly", Reason: "it does not include PowerUser in 333333333333 (prod-core)"}, exp.Reasons[0])

	exp = e.Explain(context.Background(), RequestInput{User: user(t, dir, "bob@example.com")})
	require.False(t, exp.Allowed)
	require.Contains(t, exp.Summary, "needs a user, an account and a permission set")
}

func TestExpand(t *testing.T) {
	t.Parallel()
	e, dir := setup(t, wednesday)
	tests := []struct {
		name  string
		email string
		want  []string
	}{
		{name: "direct group keeps its spelling, nested added", email: "alice@example.com", want: []string{"Eng", "platform"}},
		{name: "cycle is safe", email: "erin@example.com", want: []string{"platform", "eng"}},
		{name: "user member of a config group", email: "frank@example.com", want: []string{"eng", "platform"}},
		{name: "no config group", email: "dave@example.com", want: []string{"leads", "security"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := user(t, dir, tt.email)
			before := append([]string(nil), u.Groups...)
			got := e.Expand(u)
			require.Equal(t, tt.want, got.Groups)
			require.Equal(t, before, u.Groups, "the input is not modified")
		})
	}
}

func TestAuthorizeApprove(t *testing.T) {
	t.Parallel()
	e, dir := setup(t, wednesday)
	steps := []stint.RequestStep{
		{Name: "lead", Approvers: []string{"group:leads"}, Quorum: 1},
		{Name: "security", Approvers: []string{"group:security"}, Quorum: 2},
	}
	req := func(requester string, approvals ...[]string) *stint.Request {
		r := &stint.Request{ID: "r1", RequesterEmail: requester, RequesterID: "u-" + requester[:len(requester)-len("@example.com")],
			Flow: "prod-admin", Resources: []stint.ResourceRef{{PermissionSet: "AdministratorAccess"}}}
		for i, st := range steps {
			st.Approvals = nil
			if i < len(approvals) {
				st.Approvals = approvals[i]
			}
			r.Steps = append(r.Steps, st)
		}
		return r
	}
	tests := []struct {
		name     string
		reviewer string
		request  *stint.Request
		wantCode string
		wantMsg  string
	}{
		{name: "step approver approves", reviewer: "dave@example.com", request: req("alice@example.com")},
		{name: "requester never approves", reviewer: "dave@example.com", request: req("dave@example.com"), wantCode: stint.EFORBIDDEN, wantMsg: "nobody approves their own request"},
		{name: "not an approver of the current step", reviewer: "sec2@example.com", request: req("alice@example.com"), wantCode: stint.EFORBIDDEN, wantMsg: `not an approver of step "lead"`},
		{name: "second step approver once the first is done", reviewer: "sec2@example.com", request: req("alice@example.com", []string{"dave@example.com"})},
		{name: "first step approver is not a second step approver", reviewer: "alice@example.com", request: req("bob@example.com", []string{"dave@example.com"}), wantCode: stint.EFORBIDDEN, wantMsg: `step "security"`},
		{name: "nothing left to approve", reviewer: "sec2@example.com", request: req("alice@example.com", []string{"dave@example.com"}, []string{"a", "b"}), wantCode: stint.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := e.Authorize(context.Background(), ActionInput{Action: ActionApprove, User: user(t, dir, tt.reviewer), Flow: "prod-admin", Request: tt.request})
			if tt.wantCode == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.wantCode, stint.ErrorCode(err), "err: %v", err)
			require.Contains(t, err.Error(), tt.wantMsg)
		})
	}
	err := e.Authorize(context.Background(), ActionInput{Action: ActionApprove, User: user(t, dir, "dave@example.com"), Flow: "gone", Request: req("alice@example.com")})
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))
	err = e.Authorize(context.Background(), ActionInput{Action: "delete", User: user(t, dir, "dave@example.com"), Flow: "prod-admin"})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
}

func TestAuthorizeGrant(t *testing.T) {
	t.Parallel()
	e, dir := setup(t, wednesday)
	start := wednesday
	grant := func(extensions int, length time.Duration) *stint.Grant {
		return &stint.Grant{ID: "g1", Flow: "prod-admin", UserID: "u-alice", UserEmail: "alice@example.com",
			AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "AdministratorAccess",
			State: stint.GrantActive, StartsAt: start, EndsAt: start.Add(length), Duration: stint.Duration(length), Extensions: extensions}
	}
	tests := []struct {
		name    string
		action  string
		user    string
		flow    string
		grant   *stint.Grant
		ext     time.Duration
		wantMsg string // "" means allowed
	}{
		{name: "owner activates", action: ActionActivate, user: "alice@example.com", flow: "prod-admin", grant: grant(0, time.Hour)},
		{name: "someone else cannot activate", action: ActionActivate, user: "bob@example.com", flow: "prod-admin", grant: grant(0, time.Hour), wantMsg: "only alice@example.com, whose grant it is, may activate grant g1"},
		{name: "owner extends", action: ActionExtend, user: "alice@example.com", flow: "prod-admin", grant: grant(0, time.Hour), ext: time.Hour},
		{name: "someone else cannot extend", action: ActionExtend, user: "dave@example.com", flow: "prod-admin", grant: grant(0, time.Hour), ext: time.Hour, wantMsg: "whose grant it is"},
		{name: "extension limit reached", action: ActionExtend, user: "alice@example.com", flow: "prod-admin", grant: grant(2, time.Hour), ext: time.Hour, wantMsg: "has had 2 extensions"},
		{name: "extension over max_each", action: ActionExtend, user: "alice@example.com", flow: "prod-admin", grant: grant(0, time.Hour), ext: 90 * time.Minute, wantMsg: "exceeds the flow's max_each 1h"},
		{name: "extension past max_duration", action: ActionExtend, user: "alice@example.com", flow: "prod-admin", grant: grant(1, 3*time.Hour+30*time.Minute), ext: time.Hour, wantMsg: "makes the grant 4h30m long"},
		{name: "zero extension", action: ActionExtend, user: "alice@example.com", flow: "prod-admin", grant: grant(0, time.Hour), wantMsg: "must be positive"},
		{name: "default limit of 3 without an extensions rule", action: ActionExtend, user: "alice@example.com", flow: "dev-readonly", grant: grant(3, time.Hour), ext: time.Hour, wantMsg: "has had 3 extensions"},
		{name: "under the default limit", action: ActionExtend, user: "alice@example.com", flow: "dev-readonly", grant: grant(2, time.Hour), ext: 3 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := e.Authorize(context.Background(), ActionInput{Action: tt.action, User: user(t, dir, tt.user), Flow: tt.flow, Grant: tt.grant, Extension: tt.ext})
			if tt.wantMsg == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "err: %v", err)
			require.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}
