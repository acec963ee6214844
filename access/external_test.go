package access_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/mfa"
	"github.com/stint-dev/stint/provider/providertest"
	"github.com/stint-dev/stint/store/sqlite"
)

const testSealKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// fakeBroker records issuances and cut-offs and answers with made-up
// credentials.
type fakeBroker struct {
	mu     sync.Mutex
	calls  []issued
	cuts   []cut
	err    error
	during func() // called inside Issue, as if while STS answers
}

type cut struct {
	grant         string
	before, until time.Time
}

func (b *fakeBroker) CutOff(_ context.Context, g *stint.Grant, before, until time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cuts = append(b.cuts, cut{g.ID, before, until})
	return nil
}

func (b *fakeBroker) cutoffs() []cut {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]cut(nil), b.cuts...)
}

type issued struct {
	grant   string
	session string
	d       time.Duration
}

func (b *fakeBroker) Issue(_ context.Context, g *stint.Grant, session string, d time.Duration) (*stint.Credentials, error) {
	if b.during != nil {
		b.during()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return nil, b.err
	}
	b.calls = append(b.calls, issued{g.ID, session, d})
	return &stint.Credentials{AccessKeyID: "ASIAFAKE", SecretAccessKey: "secret-key-value", SessionToken: "session-token-value",
		Expiration: time.Now().Add(d), GrantID: g.ID, ResourceID: g.ResourceID}, nil
}

func (b *fakeBroker) issued() []issued {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]issued(nil), b.calls...)
}

func externalFlows() []stint.Flow {
	return append(testFlows(),
		stint.Flow{Name: "acme-exchange", Requesters: []string{"external:Acme"}, Sponsors: []string{"group:Security"},
			MaxDuration: stint.Duration(4 * time.Hour),
			Resources: []stint.FlowResource{{S3: &stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"acme-exchange"},
				Levels: []string{"read", "write"}}}}},
		stint.Flow{Name: "globex-exchange", Requesters: []string{"external:Globex"}, MaxDuration: stint.Duration(2 * time.Hour),
			Resources: []stint.FlowResource{{S3: &stint.S3Selector{Accounts: []string{"111111111111"}, Buckets: []string{"globex-drop"},
				Levels: []string{"write"}}}}},
		stint.Flow{Name: "internal-data", Requesters: []string{"group:Engineers"}, MaxDuration: stint.Duration(4 * time.Hour), AutoApprove: true,
			Resources: []stint.FlowResource{{S3: &stint.S3Selector{Accounts: []string{"111111111111"}, Levels: []string{"read"}}}}},
	)
}

type extFixture struct {
	*fixture
	broker *fakeBroker
}

func setupExternals(t *testing.T) *extFixture {
	t.Helper()
	db := sqlite.OpenTest(t)
	dir := testDirectory()
	dir.Resources = []stint.Resource{
		{Type: stint.ResourceS3, AccountID: "111111111111", Name: "acme-exchange"},
		{Type: stint.ResourceS3, AccountID: "111111111111", Name: "globex-drop"},
		{Type: stint.ResourceS3, AccountID: "111111111111", Name: "payments-ledger"},
	}
	prov := &providertest.Fake{DirectoryFunc: func(context.Context) (*stint.Directory, error) { return dir, nil }}
	clk := &clock{t: time.Now().UTC().Truncate(time.Minute)}
	sealer, err := mfa.NewSealer(testSealKey)
	require.NoError(t, err)
	b := &fakeBroker{}
	svc := &access.Service{
		Store: db, Provider: prov, Now: clk.Now, Flows: externalFlows,
		Admins:    func() []string { return []string{"dave@example.com"} },
		Externals: &access.Externals{Broker: b, Sealer: sealer, BaseURL: "https://stint.example.com", Lock: stint.LockPolicy{MaxFailures: 3}},
	}
	_, err = svc.SyncDirectory(context.Background())
	require.NoError(t, err)
	return &extFixture{fixture: &fixture{svc: svc, store: db, prov: prov, clock: clk}, broker: b}
}

// next moves the clock to the next TOTP step and returns its code.
func (f *extFixture) next(t *testing.T, secret string) string {
	t.Helper()
	f.clock.Add(mfa.Period)
	code, err := mfa.Code(secret, f.clock.Now())
	require.NoError(t, err)
	return code
}

// enrolled invites an external of org sponsored by bob, opens the invite
// and enrols TOTP; it returns the external's caller and TOTP secret.
func (f *extFixture) enrolled(t *testing.T, email, org string) (*access.Caller, string) {
	t.Helper()
	ctx := context.Background()
	inv, err := f.svc.Invite(ctx, f.caller(t, "dave@example.com"), access.InviteInput{Email: email, Org: org, Sponsor: "bob@example.com"})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(inv.URL, "https://stint.example.com/external/invite?token=stinv_"), inv.URL)
	x, err := f.svc.OpenInvite(ctx, inv.Token, "192.0.2.1")
	require.NoError(t, err)
	key, err := f.svc.EnrolmentKey(ctx, x.ID)
	require.NoError(t, err)
	_, codes, err := f.svc.CompleteEnrolment(ctx, x.ID, f.next(t, key.Secret), "192.0.2.1")
	require.NoError(t, err)
	require.Len(t, codes, stint.RecoveryCodes)
	c, err := f.svc.ExternalCaller(ctx, x.ID)
	require.NoError(t, err)
	return c, key.Secret
}

func (f *extFixture) events(t *testing.T, typ string) []*stint.Event {
	t.Helper()
	evs, err := f.store.EventList(context.Background(), &stint.EventListParams{Type: typ})
	require.NoError(t, err)
	return evs
}

// TestExternalJourney: invite, enrol, request, the sponsor approves,
// credentials, expiry, no more credentials.
func TestExternalJourney(t *testing.T) {
	t.Parallel()
	f := setupExternals(t)
	ctx := context.Background()
	vera, secret := f.enrolled(t, "vera@acme.example", "Acme")
	require.True(t, vera.User.External())
	require.False(t, vera.Admin)

	list, err := f.svc.Resources(ctx, vera)
	require.NoError(t, err)
	var ids []string
	for _, el := range list {
		ids = append(ids, el.ResourceID)
	}
	require.Equal(t, []string{"aws-s3:111111111111/acme-exchange:read", "aws-s3:111111111111/acme-exchange:write"}, ids,
		"only what the flow for Acme offers")

	r, err := f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:prod-payments/acme-exchange:read"}},
		Reason: "nightly export", Duration: 2 * time.Hour})
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, r.State)
	require.Equal(t, []string{"user:bob@example.com"}, r.Steps[0].Approvers, "the sponsor approves")

	// The sponsor sees it among the pending requests (bob is no flow's
	// approver) and approves; nobody else may.
	bob := f.caller(t, "bob@example.com")
	pending, err := f.svc.Requests(ctx, bob, access.RequestsInput{Pending: true})
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.True(t, f.svc.MayReview(bob, pending[0]))
	_, err = f.svc.Approve(ctx, f.caller(t, "carol@example.com"), r.ID, "")
	require.Error(t, err)
	_, err = f.svc.Approve(ctx, vera, r.ID, "")
	require.Error(t, err)
	_, err = f.svc.Approve(ctx, bob, r.ID, "ok")
	require.NoError(t, err)

	gs := f.grants(t, r.ID)
	require.Len(t, gs, 1)
	require.NoError(t, f.svc.Activate(ctx, gs[0].ID))
	g := f.grant(t, gs[0].ID)
	require.Equal(t, stint.GrantActive, g.State)
	require.Zero(t, f.prov.Grants.Load(), "no AWS change for an external's grant")
	effects, err := f.store.EffectList(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, effects, "and nothing in the ledger for the reconciler")
	rep, err := f.svc.Reconcile(ctx)
	require.NoError(t, err)
	require.Zero(t, rep.Effects)

	// Credentials need a fresh code, each time.
	_, err = f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{GrantID: g.ID, Code: "000000", Channel: "cli"})
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	code := f.next(t, secret)
	creds, err := f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{Resource: "aws-s3:111111111111/acme-exchange:read", Code: code, Channel: "cli"})
	require.NoError(t, err)
	require.Equal(t, "ASIAFAKE", creds.AccessKeyID)
	calls := f.broker.issued()
	require.Len(t, calls, 1)
	require.Equal(t, access.DefaultMaxSession, calls[0].d, "an hour at most per issuance")
	require.Equal(t, "vera@acme.example", calls[0].session)
	_, err = f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{GrantID: g.ID, Code: code, Channel: "cli"})
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err), "a code works once")

	// Late in the grant: the remaining time; in its last 15 minutes: nothing.
	f.clock.Add(g.EndsAt.Sub(f.clock.Now()) - 40*time.Minute)
	_, err = f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{GrantID: g.ID, Code: f.next(t, secret), Channel: "portal"})
	require.NoError(t, err)
	require.Equal(t, 39*time.Minute+30*time.Second, f.broker.issued()[1].d, "never past the grant's end")
	f.clock.Add(26 * time.Minute)
	_, err = f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{GrantID: g.ID, Code: f.next(t, secret), Channel: "portal"})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	require.ErrorContains(t, err, "last 15m")

	// Expiry: the grant ends without an AWS call; no credentials after.
	f.clock.Add(g.EndsAt.Sub(f.clock.Now()))
	require.NoError(t, f.svc.Expire(ctx, g.ID))
	f.svc.Wait()
	require.Equal(t, stint.GrantEnded, f.grant(t, g.ID).State)
	require.Zero(t, f.prov.Revokes.Load())
	_, err = f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{GrantID: g.ID, Code: f.next(t, secret), Channel: "cli"})
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err))
	require.Len(t, f.broker.issued(), 2)

	// Every issuance and refusal is audited, without secrets.
	issuedEvs := f.events(t, stint.EventCredentialsIssued)
	require.Len(t, issuedEvs, 2)
	require.Equal(t, "ASIAFAKE", issuedEvs[0].Data["access_key_id"])
	require.Len(t, f.events(t, stint.EventCredentialsDenied), 2)
	all, err := f.store.EventList(ctx, &stint.EventListParams{Limit: 1000})
	require.NoError(t, err)
	raw, err := json.Marshal(all)
	require.NoError(t, err)
	for _, secretText := range []string{"secret-key-value", "session-token-value", secret, "stinv_"} {
		require.NotContains(t, string(raw), secretText)
	}
	x, err := f.store.ExternalGet(ctx, vera.User.ID)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(x.TOTPSecret, "v1:"), "sealed at rest")
	require.NotContains(t, x.TOTPSecret, secret)
}

func TestExternalInviteAbuse(t *testing.T) {
	t.Parallel()
	f := setupExternals(t)
	ctx := context.Background()
	dave, alice, bob := f.caller(t, "dave@example.com"), f.caller(t, "alice@example.com"), f.caller(t, "bob@example.com")

	_, err := f.svc.Invite(ctx, alice, access.InviteInput{Email: "vera@acme.example", Org: "Acme"})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "neither admin nor sponsor")
	_, err = f.svc.Invite(ctx, bob, access.InviteInput{Email: "vera@acme.example", Org: "Acme", Sponsor: "carol@example.com"})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "a sponsor sponsors themselves")
	_, err = f.svc.Invite(ctx, bob, access.InviteInput{Email: "vera@globex.example", Org: "Globex"})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "bob sponsors Acme's flow, not Globex's")
	_, err = f.svc.Invite(ctx, dave, access.InviteInput{Email: "alice@example.com", Org: "Acme", Sponsor: "bob@example.com"})
	require.ErrorContains(t, err, "user of the identity store")
	_, err = f.svc.Invite(ctx, dave, access.InviteInput{Email: "x@initech.example", Org: "Initech", Sponsor: "bob@example.com"})
	require.ErrorContains(t, err, "no flow is for externals")
	_, err = f.svc.Invite(ctx, dave, access.InviteInput{Email: "x@acme.example", Org: "Acme", Sponsor: "nobody@example.com"})
	require.ErrorContains(t, err, "not a user of the identity store")

	inv, err := f.svc.Invite(ctx, bob, access.InviteInput{Email: "vera@acme.example", Org: "Acme"})
	require.NoError(t, err)
	require.Equal(t, "bob@example.com", inv.External.Sponsor)
	_, err = f.svc.OpenInvite(ctx, inv.Token, "r")
	require.NoError(t, err)
	_, err = f.svc.OpenInvite(ctx, inv.Token, "r")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "reused invite")
	_, err = f.svc.OpenInvite(ctx, "stinv_forged", "r")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))

	expiring, err := f.svc.Invite(ctx, dave, access.InviteInput{Email: "wim@acme.example", Org: "Acme", Sponsor: "bob@example.com"})
	require.NoError(t, err)
	f.clock.Add(stint.DefaultInviteTTL)
	_, err = f.svc.InvitePreview(ctx, expiring.Token)
	require.ErrorContains(t, err, "expired")
	_, err = f.svc.OpenInvite(ctx, expiring.Token, "r")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "expired invite")
	require.Len(t, f.events(t, stint.EventExternalInviteRefused), 3)

	// Sign-in before enrolment: refused like a wrong code.
	_, err = f.svc.ExternalSignIn(ctx, "vera@acme.example", "123456", "r")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	_, err = f.svc.ExternalSignIn(ctx, "nobody@acme.example", "123456", "r")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	require.Equal(t, "that email and code do not match; check the authenticator's clock and try again", stint.ErrorMessage(err))

	// A re-invite makes the old link worthless.
	again, err := f.svc.Invite(ctx, dave, access.InviteInput{Email: "wim@acme.example", Org: "Acme", Sponsor: "bob@example.com"})
	require.NoError(t, err)
	_, err = f.svc.OpenInvite(ctx, expiring.Token, "r")
	require.Error(t, err)
	_, err = f.svc.OpenInvite(ctx, again.Token, "r")
	require.NoError(t, err)
}

func TestExternalTOTPAbuse(t *testing.T) {
	t.Parallel()
	f := setupExternals(t)
	ctx := context.Background()
	vera, secret := f.enrolled(t, "vera@acme.example", "Acme")

	code := f.next(t, secret)
	_, err := f.svc.ExternalSignIn(ctx, "vera@acme.example", code, "r")
	require.NoError(t, err)
	_, err = f.svc.ExternalSignIn(ctx, "vera@acme.example", code, "r")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err), "replayed code")
	require.ErrorContains(t, err, "used already")

	// Brute force: the third failure (MaxFailures 3 here) locks, and then
	// even the right code is refused.
	_, err = f.svc.ExternalSignIn(ctx, "vera@acme.example", "000001", "r")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	_, err = f.svc.ExternalSignIn(ctx, "vera@acme.example", "000002", "r")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	require.ErrorContains(t, err, "locked")
	_, err = f.svc.ExternalSignIn(ctx, "vera@acme.example", f.next(t, secret), "r")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "locked: even the right code")
	_, err = f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{Resource: "aws-s3:111111111111/acme-exchange:read", Code: f.next(t, secret)})
	require.Error(t, err)
	require.Len(t, f.events(t, stint.EventExternalLockedOut), 1)
	require.GreaterOrEqual(t, len(f.events(t, stint.EventExternalTOTPFailed)), 4)

	f.clock.Add(stint.DefaultLockFor)
	_, err = f.svc.ExternalSignIn(ctx, "vera@acme.example", f.next(t, secret), "r")
	require.NoError(t, err, "unlocked after lock_for")

	// The per-process rate limit: past 10 attempts a minute, nothing is even checked.
	var limited error
	for range 12 {
		if _, err := f.svc.ExternalSignIn(ctx, "vera@acme.example", "999999", "r"); stint.IsCode(err, stint.EFORBIDDEN) && strings.Contains(err.Error(), "too many attempts") {
			limited = err
		}
	}
	require.Error(t, limited)
}

func TestExternalRecoveryCode(t *testing.T) {
	t.Parallel()
	f := setupExternals(t)
	ctx := context.Background()
	inv, err := f.svc.Invite(ctx, f.caller(t, "dave@example.com"), access.InviteInput{Email: "vera@acme.example", Org: "Acme", Sponsor: "bob@example.com"})
	require.NoError(t, err)
	x, err := f.svc.OpenInvite(ctx, inv.Token, "r")
	require.NoError(t, err)
	_, _, err = f.svc.CompleteEnrolment(ctx, x.ID, "123456", "r")
	require.Error(t, err, "no secret shown yet")
	key, err := f.svc.EnrolmentKey(ctx, x.ID)
	require.NoError(t, err)
	again, err := f.svc.EnrolmentKey(ctx, x.ID)
	require.NoError(t, err)
	require.Equal(t, key.Secret, again.Secret, "the same secret until enrolled")
	_, _, err = f.svc.CompleteEnrolment(ctx, x.ID, "000000", "r")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err), "a code must verify before enrolment counts")
	_, err = f.svc.ExternalCaller(ctx, x.ID)
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	_, codes, err := f.svc.CompleteEnrolment(ctx, x.ID, f.next(t, key.Secret), "r")
	require.NoError(t, err)

	_, err = f.svc.ExternalRecover(ctx, "vera@acme.example", "aaaa-bbbb-cccc-dddd", "r")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	rec, err := f.svc.ExternalRecover(ctx, "vera@acme.example", strings.ToUpper(codes[3]), "r")
	require.NoError(t, err)
	require.True(t, rec.Enrolling())
	require.Equal(t, stint.RecoveryCodes-1, rec.RecoveryLeft())
	_, err = f.svc.ExternalSignIn(ctx, "vera@acme.example", f.next(t, key.Secret), "r")
	require.Error(t, err, "the old authenticator no longer works")
	_, err = f.svc.ExternalRecover(ctx, "vera@acme.example", codes[3], "r")
	require.Error(t, err, "each recovery code once")
	newKey, err := f.svc.EnrolmentKey(ctx, x.ID)
	require.NoError(t, err)
	require.NotEqual(t, key.Secret, newKey.Secret)
	_, _, err = f.svc.CompleteEnrolment(ctx, x.ID, f.next(t, newKey.Secret), "r")
	require.NoError(t, err)
	require.Len(t, f.events(t, stint.EventExternalRecoveryUsed), 1)
}

// TestExternalsSeeNothingInternal: an external reaches only their own
// requests, grants and resources, and every reach beyond is refused and
// recorded.
func TestExternalsSeeNothingInternal(t *testing.T) {
	t.Parallel()
	f := setupExternals(t)
	ctx := context.Background()
	vera, veraSecret := f.enrolled(t, "vera@acme.example", "Acme")
	wim, _ := f.enrolled(t, "wim@globex.example", "Globex")
	alice := f.caller(t, "alice@example.com")

	internal := f.activeGrant(t, "alice@example.com")
	ir, err := f.svc.Submit(ctx, alice, access.SubmitInput{Resources: []access.ResourceInput{{Account: "prod-payments", PermissionSet: "AdministratorAccess"}}, Reason: "INC-1"})
	require.NoError(t, err)
	wr, err := f.svc.Submit(ctx, wim, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:111111111111/globex-drop:write"}}, Reason: "drop", Duration: time.Hour})
	require.NoError(t, err)
	_, err = f.svc.Approve(ctx, f.caller(t, "bob@example.com"), wr.ID, "")
	require.NoError(t, err)
	wg := f.grants(t, wr.ID)[0]
	require.NoError(t, f.svc.Activate(ctx, wg.ID))

	for _, tt := range []struct {
		name string
		do   func() error
		code string
	}{
		{"a resource outside their flow", func() error {
			_, err := f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:111111111111/payments-ledger:read"}}, Reason: "x", Duration: time.Hour})
			return err
		}, stint.EFORBIDDEN},
		{"another organisation's resource", func() error {
			_, err := f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:111111111111/globex-drop:write"}}, Reason: "x", Duration: time.Hour})
			return err
		}, stint.EFORBIDDEN},
		{"an Identity Center permission set", func() error {
			_, err := f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}, Reason: "x"})
			return err
		}, stint.EFORBIDDEN},
		{"another external's grant", func() error {
			_, err := f.svc.Grant(ctx, vera, wg.ID)
			return err
		}, stint.ENOTFOUND},
		{"credentials of another external's grant", func() error {
			_, err := f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{GrantID: wg.ID, Code: f.next(t, veraSecret)})
			return err
		}, stint.ENOTFOUND},
		{"credentials of a resource they hold no grant of", func() error {
			_, err := f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{Resource: "aws-s3:111111111111/globex-drop:write", Code: "123456"})
			return err
		}, stint.ENOTFOUND},
		{"an internal grant", func() error { _, err := f.svc.Grant(ctx, vera, internal.ID); return err }, stint.ENOTFOUND},
		{"an internal request", func() error { _, err := f.svc.Request(ctx, vera, ir.ID); return err }, stint.ENOTFOUND},
		{"the audit log", func() error {
			_, err := f.svc.Events(ctx, vera, access.EventsInput{Subject: wg.ID})
			return err
		}, stint.EFORBIDDEN},
		{"the flows", func() error { _, err := f.svc.ListFlows(ctx, vera); return err }, stint.EFORBIDDEN},
		{"the policy engine", func() error {
			_, err := f.svc.Can(ctx, vera, access.CanInput{Resource: "aws-s3:111111111111/acme-exchange:read"})
			return err
		}, stint.EFORBIDDEN},
		{"who may request", func() error {
			_, err := f.svc.WhoCan(ctx, vera, access.ResourceInput{ID: "aws-s3:111111111111/acme-exchange:read"})
			return err
		}, stint.EFORBIDDEN},
		{"the external users", func() error { _, err := f.svc.ExternalUsers(ctx, vera, access.ExternalsInput{}); return err }, stint.EFORBIDDEN},
		{"inviting", func() error {
			_, err := f.svc.Invite(ctx, vera, access.InviteInput{Email: "z@acme.example", Org: "Acme"})
			return err
		}, stint.EFORBIDDEN},
		{"break-glass", func() error {
			_, err := f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:111111111111/acme-exchange:read"}}, Reason: "x", BreakGlass: true})
			return err
		}, stint.EFORBIDDEN},
		{"internal users get no credentials", func() error {
			_, err := f.svc.IssueCredentials(ctx, alice, access.CredentialsInput{GrantID: internal.ID, Code: "123456"})
			return err
		}, stint.EFORBIDDEN},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			require.Equal(t, tt.code, stint.ErrorCode(err), "err: %v", err)
			for _, leak := range []string{"alice", "internal-data", "prod-admin", "group:", "Engineers"} {
				require.NotContains(t, err.Error(), leak)
			}
		})
	}
	refusals := append(f.events(t, stint.EventExternalRefused), f.events(t, stint.EventCredentialsDenied)...)
	require.GreaterOrEqual(t, len(refusals), 12)

	// Their own listings hold only their own things, with internal
	// approvers hidden.
	reqs, err := f.svc.Requests(ctx, vera, access.RequestsInput{})
	require.NoError(t, err)
	require.Empty(t, reqs)
	grants, err := f.svc.Grants(ctx, vera, access.GrantsInput{All: true})
	require.NoError(t, err)
	require.Empty(t, grants)
	wreqs, err := f.svc.Requests(ctx, wim, access.RequestsInput{})
	require.NoError(t, err)
	require.Len(t, wreqs, 1)
	require.Equal(t, "user:bob@example.com", wreqs[0].Steps[0].Approvers[0], "their sponsor")
	require.Empty(t, wreqs[0].Reviews[0].ReviewerID)
}

func TestDisableExternal(t *testing.T) {
	t.Parallel()
	f := setupExternals(t)
	ctx := context.Background()
	vera, secret := f.enrolled(t, "vera@acme.example", "Acme")
	token, tok, err := f.svc.CreateExternalToken(ctx, vera, f.next(t, secret), "laptop", "r")
	require.NoError(t, err)
	require.Equal(t, vera.User.ID, tok.UserEmail, "the token names the external by ID")
	c, err := f.svc.Authenticate(ctx, token)
	require.NoError(t, err)
	require.NotNil(t, c.External)
	require.Equal(t, "vera@acme.example", c.User.Email)

	r, err := f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:111111111111/acme-exchange:write"}}, Reason: "x", Duration: time.Hour})
	require.NoError(t, err)
	_, err = f.svc.Approve(ctx, f.caller(t, "bob@example.com"), r.ID, "")
	require.NoError(t, err)
	g := f.grants(t, r.ID)[0]
	require.NoError(t, f.svc.Activate(ctx, g.ID))
	pendingReq, err := f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:111111111111/acme-exchange:read"}}, Reason: "y", Duration: time.Hour})
	require.NoError(t, err)

	_, err = f.svc.DisableExternal(ctx, f.caller(t, "carol@example.com"), "vera@acme.example")
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err), "not carol's to disable")
	list, err := f.svc.ExternalUsers(ctx, f.caller(t, "bob@example.com"), access.ExternalsInput{})
	require.NoError(t, err)
	require.Len(t, list, 1, "bob sees whom he sponsors")
	x, err := f.svc.DisableExternal(ctx, f.caller(t, "bob@example.com"), "vera@acme.example")
	require.NoError(t, err)
	require.Equal(t, stint.ExternalDisabled, x.State)
	f.svc.Wait()
	require.Equal(t, stint.GrantEnded, f.grant(t, g.ID).State)
	pr, err := f.store.RequestGet(ctx, pendingReq.ID)
	require.NoError(t, err)
	require.Equal(t, stint.RequestCancelled, pr.State)
	_, err = f.svc.Authenticate(ctx, token)
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	_, err = f.svc.ExternalSignIn(ctx, "vera@acme.example", f.next(t, secret), "r")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
}

func TestExternalGrantsEndWithTheIdentity(t *testing.T) {
	t.Parallel()
	f := setupExternals(t)
	ctx := context.Background()
	inv, err := f.svc.Invite(ctx, f.caller(t, "dave@example.com"), access.InviteInput{Email: "vera@acme.example", Org: "Acme",
		Sponsor: "bob@example.com", Expires: 3 * time.Hour})
	require.NoError(t, err)
	x, err := f.svc.OpenInvite(ctx, inv.Token, "r")
	require.NoError(t, err)
	key, err := f.svc.EnrolmentKey(ctx, x.ID)
	require.NoError(t, err)
	_, _, err = f.svc.CompleteEnrolment(ctx, x.ID, f.next(t, key.Secret), "r")
	require.NoError(t, err)
	vera, err := f.svc.ExternalCaller(ctx, x.ID)
	require.NoError(t, err)

	_, err = f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:111111111111/acme-exchange:read"}}, Reason: "x", Duration: 4 * time.Hour})
	require.ErrorContains(t, err, "your external account ends")
	r, err := f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:111111111111/acme-exchange:read"}}, Reason: "x", Duration: 2 * time.Hour})
	require.NoError(t, err)
	f.clock.Add(90 * time.Minute)
	_, err = f.svc.Approve(ctx, f.caller(t, "bob@example.com"), r.ID, "")
	require.NoError(t, err)
	g := f.grants(t, r.ID)[0]
	require.Equal(t, x.ExpiresAt, g.EndsAt, "the grant ends with the identity")
	_, err = f.svc.Extend(ctx, vera, g.ID, time.Hour)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
}

// cutoffJobs returns the external_cutoff jobs queued in the store.
func (f *extFixture) cutoffJobs(t *testing.T) []stint.ExternalCutoffArgs {
	t.Helper()
	rows, err := f.store.(*sqlite.DB).SQL().QueryContext(context.Background(), `SELECT json(args) FROM river_job WHERE kind = 'external_cutoff' ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []stint.ExternalCutoffArgs
	for rows.Next() {
		var raw []byte
		require.NoError(t, rows.Scan(&raw))
		var a stint.ExternalCutoffArgs
		require.NoError(t, json.Unmarshal(raw, &a))
		out = append(out, a)
	}
	require.NoError(t, rows.Err())
	return out
}

// externalGrant has vera request the bucket, bob approve and the grant
// activate.
func (f *extFixture) externalGrant(t *testing.T, vera *access.Caller, level string) *stint.Grant {
	t.Helper()
	ctx := context.Background()
	r, err := f.svc.Submit(ctx, vera, access.SubmitInput{Resources: []access.ResourceInput{{ID: "aws-s3:111111111111/acme-exchange:" + level}}, Reason: "x", Duration: 2 * time.Hour})
	require.NoError(t, err)
	_, err = f.svc.Approve(ctx, f.caller(t, "bob@example.com"), r.ID, "")
	require.NoError(t, err)
	g := f.grants(t, r.ID)[0]
	require.NoError(t, f.svc.Activate(ctx, g.ID))
	return f.grant(t, g.ID)
}

// TestExternalCutOff: revoking an external's grant while credentials
// issued for it are valid queues their cut-off, which the job carries out
// through the broker and records; a grant without live credentials needs
// none; credentials issued while the grant was being revoked are withheld
// and cut off too.
func TestExternalCutOff(t *testing.T) {
	t.Parallel()
	f := setupExternals(t)
	ctx := context.Background()
	vera, secret := f.enrolled(t, "vera@acme.example", "Acme")
	dave := f.caller(t, "dave@example.com")

	g := f.externalGrant(t, vera, "read")
	creds, err := f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{GrantID: g.ID, Code: f.next(t, secret), Channel: "cli"})
	require.NoError(t, err)
	revokedAt := f.clock.Now()
	_, err = f.svc.Revoke(ctx, dave, g.ID)
	require.NoError(t, err)
	f.svc.Wait()
	require.Equal(t, stint.GrantEnded, f.grant(t, g.ID).State)
	jobs := f.cutoffJobs(t)
	require.Len(t, jobs, 1)
	require.Equal(t, g.ID, jobs[0].GrantID)
	require.True(t, jobs[0].Before.Equal(revokedAt), "%s, want %s", jobs[0].Before, revokedAt)
	require.WithinDuration(t, creds.Expiration, jobs[0].Until, time.Second, "until the credentials expire")

	require.NoError(t, f.svc.CutOffExternal(ctx, jobs[0]))
	cuts := f.broker.cutoffs()
	require.Len(t, cuts, 1)
	require.Equal(t, cut{g.ID, jobs[0].Before, jobs[0].Until}, cuts[0])
	evs := f.events(t, stint.EventCredentialsCutOff)
	require.Len(t, evs, 1)
	require.Equal(t, g.ID, evs[0].Subject)
	require.Equal(t, "system", evs[0].Actor)

	// Once what it covers has expired, the job has nothing to do.
	late := jobs[0]
	late.Until = f.clock.Now().Add(-time.Second)
	require.NoError(t, f.svc.CutOffExternal(ctx, late))
	require.Len(t, f.broker.cutoffs(), 1)

	// A grant revoked with no credentials issued: nothing to cut off.
	g2 := f.externalGrant(t, vera, "write")
	_, err = f.svc.Revoke(ctx, dave, g2.ID)
	require.NoError(t, err)
	f.svc.Wait()
	require.Len(t, f.cutoffJobs(t), 1)

	// Revoked while STS answers: the credentials are withheld and cut off.
	g3 := f.externalGrant(t, vera, "read")
	f.broker.during = func() {
		_, err := f.svc.Revoke(ctx, dave, g3.ID)
		require.NoError(t, err)
		f.svc.Wait()
	}
	_, err = f.svc.IssueCredentials(ctx, vera, access.CredentialsInput{GrantID: g3.ID, Code: f.next(t, secret), Channel: "cli"})
	f.broker.during = nil
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err))
	require.ErrorContains(t, err, "ended while its credentials were being issued")
	jobs = f.cutoffJobs(t)
	require.Len(t, jobs, 2)
	require.Equal(t, g3.ID, jobs[1].GrantID)
	issued := f.events(t, stint.EventCredentialsIssued)
	require.Equal(t, true, issued[len(issued)-1].Data["withheld"])
}
