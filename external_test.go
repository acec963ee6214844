package stint_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

func acmeFlow() *stint.Flow {
	return &stint.Flow{
		Name: "acme-logs", Requesters: []string{"external:Acme"}, MaxDuration: stint.Duration(4 * time.Hour),
		Resources: []stint.FlowResource{{S3: &stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"acme-exchange"}, Levels: []string{"read", "write"}}}},
	}
}

func invited(t *testing.T) *stint.External {
	t.Helper()
	x, err := stint.NewExternal(stint.Invite{Email: "Vera@Acme.example", Org: "Acme", Sponsor: "bob@example.com", InvitedBy: "dave@example.com"},
		"01ABC", stint.HashToken("tok"), t0)
	require.NoError(t, err)
	return x
}

func active(t *testing.T) *stint.External {
	t.Helper()
	x, err := stint.OpenInvite(invited(t), t0.Add(time.Minute))
	require.NoError(t, err)
	x, err = stint.SetPendingSecret(x, "sealed", t0.Add(time.Minute))
	require.NoError(t, err)
	x, err = stint.CompleteEnrolment(x, 100, []string{stint.HashRecoveryCode("aaaa-bbbb")}, t0.Add(2*time.Minute))
	require.NoError(t, err)
	return x
}

func TestExternalInviteAndEnrolment(t *testing.T) {
	t.Parallel()
	x := invited(t)
	require.Equal(t, "ext:01ABC", x.ID)
	require.Equal(t, "vera@acme.example", x.Email)
	require.Equal(t, stint.ExternalInvited, x.State)
	require.Equal(t, t0.Add(stint.DefaultExternalExpiry), x.ExpiresAt)
	require.Equal(t, t0.Add(stint.DefaultInviteTTL), x.InviteExpiresAt)
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(x.Usable(t0)), "not enrolled yet")

	// Enrolment needs the invite opened first.
	_, err := stint.SetPendingSecret(x, "s", t0)
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err))

	opened, err := stint.OpenInvite(x, t0.Add(time.Minute))
	require.NoError(t, err)
	require.True(t, opened.Enrolling())
	_, err = stint.OpenInvite(opened, t0.Add(2*time.Minute))
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "single use")
	require.ErrorContains(t, err, "used already")
	_, err = stint.CompleteEnrolment(opened, 5, nil, t0)
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err), "no pending secret")

	_, err = stint.OpenInvite(x, x.InviteExpiresAt)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	require.ErrorContains(t, err, "expired")

	a := active(t)
	require.NoError(t, a.Usable(t0.Add(time.Hour)))
	require.Equal(t, int64(100), a.TOTPStep)
	require.Equal(t, 1, a.RecoveryLeft())
	require.Error(t, a.Usable(a.ExpiresAt), "expired identities cannot act")

	// Re-inviting an active external is refused; a disabled one starts afresh.
	in := stint.Invite{Email: a.Email, Org: "Acme", Sponsor: "carol@example.com", InvitedBy: "dave@example.com"}
	_, err = stint.Reinvite(a, in, "h2", t0.Add(time.Hour))
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err))
	d, err := stint.DisableExternal(a, "dave@example.com", t0.Add(time.Hour))
	require.NoError(t, err)
	require.ErrorContains(t, d.Usable(t0.Add(time.Hour)), "disabled")
	r, err := stint.Reinvite(d, in, "h2", t0.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, stint.ExternalInvited, r.State)
	require.Empty(t, r.TOTPSecret)
	require.Nil(t, r.EnrolledAt)
	require.Equal(t, "carol@example.com", r.Sponsor)
	require.Zero(t, r.RecoveryLeft())
}

func TestInviteValidation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   stint.Invite
		want string
	}{
		{"bad email", stint.Invite{Email: "vera", Org: "Acme", Sponsor: "bob@example.com"}, "not an email"},
		{"bad org", stint.Invite{Email: "v@a.example", Org: "Acme:Corp", Sponsor: "bob@example.com"}, "organisation"},
		{"no sponsor", stint.Invite{Email: "v@a.example", Org: "Acme"}, "sponsor"},
		{"too long", stint.Invite{Email: "v@a.example", Org: "Acme", Sponsor: "bob@example.com", Expires: 400 * 24 * time.Hour}, "at most"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stint.NewExternal(tt.in, "1", "h", t0)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.ErrorContains(t, err, tt.want)
		})
	}
	// The invite link never outlives the identity.
	x, err := stint.NewExternal(stint.Invite{Email: "v@a.example", Org: "Acme", Sponsor: "bob@example.com", Expires: time.Hour}, "1", "h", t0)
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Hour), x.InviteExpiresAt)
}

func TestTOTPAttempt(t *testing.T) {
	t.Parallel()
	p := stint.LockPolicy{MaxFailures: 3, LockFor: 15 * time.Minute}
	x := active(t) // last step used: 100

	next, outcome, err := stint.TOTPAttempt(x, 101, t0, p)
	require.NoError(t, err)
	require.Equal(t, stint.TOTPAccepted, outcome)
	require.Equal(t, int64(101), next.TOTPStep)

	// The same step again (or an older one) is a replay.
	again, outcome, err := stint.TOTPAttempt(next, 101, t0, p)
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	require.Equal(t, stint.TOTPReplayed, outcome)
	require.Equal(t, 1, again.Failures)
	_, outcome, _ = stint.TOTPAttempt(next, 99, t0, p)
	require.Equal(t, stint.TOTPReplayed, outcome)

	// Failures lock on the MaxFailures-th, and while locked even the right code fails.
	cur := next
	for i := range 3 {
		cur, outcome, err = stint.TOTPAttempt(cur, -1, t0.Add(time.Duration(i)*time.Minute), p)
		require.Error(t, err)
	}
	require.Equal(t, stint.TOTPLocked, outcome)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	require.NotNil(t, cur.Locked(t0.Add(3*time.Minute)))
	_, outcome, err = stint.TOTPAttempt(cur, 200, t0.Add(10*time.Minute), p)
	require.Equal(t, stint.TOTPLocked, outcome)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	// After the lock, the right code works and clears the count.
	unlocked, outcome, err := stint.TOTPAttempt(cur, 200, t0.Add(2*time.Minute+15*time.Minute), p)
	require.NoError(t, err)
	require.Equal(t, stint.TOTPAccepted, outcome)
	require.Zero(t, unlocked.Failures)
	require.Nil(t, unlocked.Locked(t0.Add(time.Hour)))

	// Failures far apart never lock.
	cur = next
	for i := range 5 {
		cur, _, err = stint.TOTPAttempt(cur, -1, t0.Add(time.Duration(i)*20*time.Minute), p)
		require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	}
	require.Nil(t, cur.LockedUntil)
}

func TestRecoveryCode(t *testing.T) {
	t.Parallel()
	x := active(t)
	_, err := stint.UseRecoveryCode(x, stint.HashRecoveryCode("wrong"), t0)
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	next, err := stint.UseRecoveryCode(x, stint.HashRecoveryCode("AAAA BBBB"), t0)
	require.NoError(t, err, "case, spaces and dashes do not count")
	require.Zero(t, next.RecoveryLeft())
	require.True(t, next.Enrolling(), "a new authenticator must be enrolled")
	require.Error(t, next.Usable(t0))
	_, err = stint.UseRecoveryCode(next, stint.HashRecoveryCode("aaaa-bbbb"), t0)
	require.Error(t, err, "single use")
}

func TestExternalUser(t *testing.T) {
	t.Parallel()
	u := active(t).User()
	require.True(t, u.External())
	require.Equal(t, map[string]string{"user_type": "external", "org": "Acme", "sponsor": "bob@example.com"}, u.Attributes)
	// An identity store user whose attribute says "external" is internal.
	inside := &stint.User{ID: "u-1", Email: "vera@acme.example", Attributes: map[string]string{"user_type": "external", "org": "Acme"}}
	require.False(t, inside.External())

	for _, tt := range []struct {
		ref  string
		u    *stint.User
		want bool
	}{
		{"external:Acme", u, true},
		{"external:acme", u, true},
		{"external:Globex", u, false},
		{"external:Acme", inside, false},
		{"user:vera@acme.example", u, false},
		{"user:vera@acme.example", inside, true},
		{"group:Engineers", &stint.User{ID: "ext:1", Email: "x@y", Groups: []string{"Engineers"}}, false},
	} {
		require.Equal(t, tt.want, stint.MatchPrincipal(tt.ref, tt.u), "%s %s", tt.ref, tt.u.ID)
	}
}

func TestExternalFlowValidation(t *testing.T) {
	t.Parallel()
	require.NoError(t, acmeFlow().Validate(), "no approvers needed: the sponsor approves")
	s3 := func(sel stint.S3Selector) []stint.FlowResource { return []stint.FlowResource{{S3: &sel}} }
	for _, tt := range []struct {
		name   string
		change func(f *stint.Flow)
		want   string
	}{
		{"mixed requesters", func(f *stint.Flow) { f.Requesters = append(f.Requesters, "group:Engineers") }, "either for externals"},
		{"bad org", func(f *stint.Flow) { f.Requesters = []string{"external:"} }, "organisation"},
		{"too long", func(f *stint.Flow) { f.MaxDuration = stint.Duration(13 * time.Hour) }, "at most 12h"},
		{"too short", func(f *stint.Flow) { f.MaxDuration = stint.Duration(10 * time.Minute) }, "shorter than 15m"},
		{"auto approve", func(f *stint.Flow) { f.AutoApprove = true }, "approved by a person"},
		{"break glass", func(f *stint.Flow) { f.BreakGlass = &stint.BreakGlass{} }, "break-glass"},
		{"exclude", func(f *stint.Flow) { f.Exclude = []string{"user:x@y"} }, "exclude"},
		{"identity center", func(f *stint.Flow) {
			f.Resources = []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"all"}, PermissionSets: []string{"ReadOnly"}}}}
		}, "only s3, ec2 and rds"},
		{"bucket pattern", func(f *stint.Flow) {
			f.Resources = s3(stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"acme-*"}, Levels: []string{"read"}})
		}, "pattern"},
		{"no names", func(f *stint.Flow) {
			f.Resources = s3(stint.S3Selector{Accounts: []string{"111111111111"}, Levels: []string{"read"}})
		}, "exact name"},
		{"ou accounts", func(f *stint.Flow) {
			f.Resources = s3(stint.S3Selector{Accounts: []string{"ou:Prod"}, Buckets: []string{"b1"}, Levels: []string{"read"}})
		}, "account ID or name:NAME"},
		{"tags", func(f *stint.Flow) {
			f.Resources = s3(stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"b1"}, Tags: map[string]string{"a": "b"}, Levels: []string{"read"}})
		}, "tags"},
		{"wider bundle", func(f *stint.Flow) {
			f.Bundles = []stint.Bundle{{Name: "all", Resources: s3(stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"acme-exchange"}, Levels: []string{"admin"}})}}
		}, "beyond the flow's resources"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := acmeFlow()
			tt.change(f)
			err := f.Validate()
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.ErrorContains(t, err, tt.want)
			require.True(t, strings.HasPrefix(err.Error(), `flow "acme-logs"`), err.Error())
		})
	}
	f := acmeFlow()
	f.Bundles = []stint.Bundle{{Name: "read", Resources: []stint.FlowResource{{S3: &stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"acme-exchange"}, Levels: []string{"read"}}}}}}
	require.NoError(t, f.Validate(), "a bundle within the flow is fine")

	internal := prodFlow()
	internal.Sponsors = []string{"group:Security"}
	require.ErrorContains(t, internal.Validate(), "sponsors are for flows for externals")
}

func TestExternalSubmission(t *testing.T) {
	t.Parallel()
	vera := active(t).User()
	ref := stint.ResourceRef{ID: "aws-s3:111111111111/acme-exchange:read", Type: stint.ResourceS3, AccountID: "111111111111", Name: "acme-exchange", Level: "read"}
	sub := stint.Submission{Requester: vera, Flow: acmeFlow(), Resources: []stint.ResourceRef{ref}, Reason: "upload", Duration: time.Hour}

	r, err := stint.SubmitRequest(sub, "r1", t0)
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, r.State)
	require.Equal(t, []stint.RequestStep{{Name: "sponsor", Approvers: []string{"user:bob@example.com"}, Quorum: 1}}, r.Steps)
	_, err = stint.ApproveRequest(r, acmeFlow(), alice, "", t0)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "only the sponsor approves")
	ok, err := stint.ApproveRequest(r, acmeFlow(), bob, "", t0)
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, ok.State)

	short := sub
	short.Duration = 10 * time.Minute
	_, err = stint.SubmitRequest(short, "r2", t0)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.ErrorContains(t, err, "at least 15m")

	// Neither side crosses over, whatever chose the flow.
	internal := sub
	internal.Requester = alice
	_, err = stint.SubmitRequest(internal, "r3", t0)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	cross := stint.Submission{Requester: vera, Flow: sandboxFlow(), Resources: []stint.ResourceRef{resPayments}, Duration: time.Hour}
	_, err = stint.SubmitRequest(cross, "r4", t0)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	auto := sub
	auto.AutoApprove = true
	_, err = stint.SubmitRequest(auto, "r5", t0)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
}

func TestCredentialDuration(t *testing.T) {
	t.Parallel()
	g := func(state stint.GrantState, left time.Duration) *stint.Grant {
		return &stint.Grant{ID: "g1", State: state, StartsAt: t0.Add(-time.Hour), EndsAt: t0.Add(left)}
	}
	for _, tt := range []struct {
		name  string
		grant *stint.Grant
		max   time.Duration
		want  time.Duration
		code  string
	}{
		{"capped by the session maximum", g(stint.GrantActive, 3*time.Hour), time.Hour, time.Hour, ""},
		{"the grant's remaining time", g(stint.GrantActive, 40*time.Minute+500*time.Millisecond), time.Hour, 40 * time.Minute, ""},
		{"exactly the STS minimum", g(stint.GrantActive, 15*time.Minute), time.Hour, 15 * time.Minute, ""},
		{"under the STS minimum", g(stint.GrantActive, 14*time.Minute+59*time.Second), time.Hour, 0, stint.EFORBIDDEN},
		{"ended by time", g(stint.GrantActive, 0), time.Hour, 0, stint.ECONFLICT},
		{"not active", g(stint.GrantEnded, time.Hour), time.Hour, 0, stint.ECONFLICT},
		{"activating", g(stint.GrantActivating, time.Hour), time.Hour, 0, stint.ECONFLICT},
		{"no maximum", g(stint.GrantActive, 2*time.Hour), 0, 2 * time.Hour, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := stint.CredentialDuration(tt.grant, t0, tt.max)
			require.Equal(t, tt.code, stint.ErrorCode(err))
			require.Equal(t, tt.want, d)
			if tt.code == "" {
				require.False(t, t0.Add(d).After(tt.grant.EndsAt), "credentials never outlive the grant")
			}
		})
	}
	_, err := stint.CredentialDuration(g(stint.GrantActive, 10*time.Minute), t0, time.Hour)
	require.ErrorContains(t, err, "last 15m")
}

func TestCredentialsKeepSecretsOutOfStrings(t *testing.T) {
	t.Parallel()
	c := &stint.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s3cr3t", SessionToken: "t0k3n", Expiration: t0}
	require.NotContains(t, c.String(), "s3cr3t")
	require.NotContains(t, c.LogValue().String(), "s3cr3t")
	require.NotContains(t, c.LogValue().String(), "t0k3n")
}
