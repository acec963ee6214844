package access_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/provider/providertest"
	"github.com/stint-dev/stint/store/sqlite"
)

func testDirectory() *stint.Directory {
	return &stint.Directory{
		InstanceARN: "arn:aws:sso:::instance/ssoins-1", IdentityStoreID: "d-1",
		Users: []stint.User{
			{ID: "u-alice", Email: "alice@example.com", Groups: []string{"Engineers"}},
			{ID: "u-bob", Email: "bob@example.com", Groups: []string{"Security"}},
			{ID: "u-carol", Email: "carol@example.com", Groups: []string{"Engineers", "Security"}},
			{ID: "u-dave", Email: "dave@example.com", Groups: []string{"Sales"}},
		},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments"},
			{ID: "222222222222", Name: "dev-002", OUPath: "Dev"},
		},
		PermissionSets: []stint.PermissionSet{
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin", Name: "AdministratorAccess"},
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro", Name: "ReadOnlyAccess"},
		},
	}
}

func testFlows() []stint.Flow {
	return []stint.Flow{
		{Name: "prod-admin", Requesters: []string{"group:Engineers"}, MaxDuration: stint.Duration(4 * time.Hour),
			Approvers: []string{"group:Security"}, Extensions: &stint.ExtensionRule{Max: 1, Reapproval: true},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"ou:Prod"}, PermissionSets: []string{"AdministratorAccess"}}}}},
		{Name: "dev-read", Requesters: []string{"group:Engineers"}, MaxDuration: stint.Duration(8 * time.Hour), AutoApprove: true,
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: []string{"name:dev-002"}, PermissionSets: []string{"ReadOnlyAccess"}}}}},
	}
}

type fixture struct {
	svc   *access.Service
	store stint.Store
	prov  *providertest.Fake
	clock *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func setup(t *testing.T) *fixture {
	t.Helper()
	db := sqlite.OpenTest(t)
	prov := &providertest.Fake{DirectoryFunc: func(context.Context) (*stint.Directory, error) { return testDirectory(), nil }}
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	svc := &access.Service{
		Store: db, Provider: prov, Now: clk.Now,
		Flows:  testFlows,
		Admins: func() []string { return []string{"dave@example.com"} },
	}
	_, err := svc.SyncDirectory(context.Background())
	require.NoError(t, err)
	return &fixture{svc: svc, store: db, prov: prov, clock: clk}
}

func (f *fixture) caller(t *testing.T, email string) *access.Caller {
	t.Helper()
	dir := testDirectory()
	u, err := dir.UserByEmail(email)
	require.NoError(t, err)
	return &access.Caller{User: u, Admin: f.svc.IsAdmin(email)}
}

func (f *fixture) grants(t *testing.T, reqID string) []*stint.Grant {
	t.Helper()
	list, err := f.store.GrantList(context.Background(), &stint.GrantListParams{RequestID: reqID})
	require.NoError(t, err)
	return list
}

func (f *fixture) grant(t *testing.T, id string) *stint.Grant {
	t.Helper()
	g, err := f.store.GrantGet(context.Background(), id)
	require.NoError(t, err)
	return g
}

// activeGrant submits an auto-approved dev-read request for alice and activates it.
func (f *fixture) activeGrant(t *testing.T, who string) *stint.Grant {
	t.Helper()
	ctx := context.Background()
	r, err := f.svc.Submit(ctx, f.caller(t, who), access.SubmitInput{
		Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}, Reason: "debug", Duration: time.Hour})
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, r.State)
	gs := f.grants(t, r.ID)
	require.Len(t, gs, 1)
	require.NoError(t, f.svc.Activate(ctx, gs[0].ID))
	g := f.grant(t, gs[0].ID)
	require.Equal(t, stint.GrantActive, g.State)
	return g
}

func TestApprovalFlow(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	alice := f.caller(t, "alice@example.com")
	r, err := f.svc.Submit(ctx, alice, access.SubmitInput{
		Resources: []access.ResourceInput{{Account: "prod-payments", PermissionSet: "AdministratorAccess"}}, Reason: "INC-1", Duration: time.Hour})
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, r.State)
	require.Empty(t, f.grants(t, r.ID))

	_, err = f.svc.Approve(ctx, alice, r.ID, "")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "self-approval must be refused")
	_, err = f.svc.Approve(ctx, f.caller(t, "dave@example.com"), r.ID, "")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "admins are not approvers unless the flow says so")

	r2, err := f.svc.Approve(ctx, f.caller(t, "bob@example.com"), r.ID, "ok")
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, r2.State)
	_, err = f.svc.Deny(ctx, f.caller(t, "carol@example.com"), r.ID, "late")
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err))

	gs := f.grants(t, r.ID)
	require.Len(t, gs, 1)
	require.Equal(t, stint.GrantActivating, gs[0].State)
	require.NoError(t, f.svc.Activate(ctx, gs[0].ID))
	g := f.grant(t, gs[0].ID)
	require.Equal(t, stint.GrantActive, g.State)
	require.True(t, f.prov.Has(g.EffectKey()))

	// Expiry: not before the end, then removal.
	var rl *access.RetryLater
	require.ErrorAs(t, f.svc.Expire(ctx, g.ID), &rl)
	f.clock.Add(time.Hour)
	require.NoError(t, f.svc.Expire(ctx, g.ID))
	g = f.grant(t, g.ID)
	require.Equal(t, stint.GrantEnded, g.State)
	require.Equal(t, stint.EndExpired, g.EndReason)
	require.False(t, f.prov.Has(g.EffectKey()))
	_, err = f.store.EffectGet(ctx, g.EffectKey())
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))

	evs, err := f.store.EventList(ctx, &stint.EventListParams{Subject: g.ID})
	require.NoError(t, err)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	require.Equal(t, []string{stint.EventGrantActivating, stint.EventEffectCreated, stint.EventGrantActive,
		stint.EventGrantRevoking, stint.EventEffectDeleted, stint.EventGrantEnded}, types)
}

func TestSubmitRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	tests := []struct {
		name string
		who  string
		in   access.SubmitInput
		code string
	}{
		{"unknown account", "alice@example.com", access.SubmitInput{Resources: []access.ResourceInput{{Account: "nope", PermissionSet: "ReadOnlyAccess"}}, Reason: "x"}, stint.ENOTFOUND},
		{"unknown permission set", "alice@example.com", access.SubmitInput{Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "Nope"}}, Reason: "x"}, stint.ENOTFOUND},
		{"duration above maximum", "alice@example.com", access.SubmitInput{Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}, Reason: "x", Duration: 9 * time.Hour}, stint.EINVALID},
		{"missing reason", "alice@example.com", access.SubmitInput{Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}}, stint.EINVALID},
		{"outside the requester's flows", "dave@example.com", access.SubmitInput{Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}, Reason: "x"}, stint.EFORBIDDEN},
		{"resource not in any flow", "alice@example.com", access.SubmitInput{Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "AdministratorAccess"}}, Reason: "x"}, stint.EFORBIDDEN},
		{"no resources", "alice@example.com", access.SubmitInput{Reason: "x"}, stint.EINVALID},
		{"resources across flows", "alice@example.com", access.SubmitInput{Reason: "x", Resources: []access.ResourceInput{
			{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}, {Account: "prod-payments", PermissionSet: "AdministratorAccess"}}}, stint.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Submit(ctx, f.caller(t, tt.who), tt.in)
			require.Equal(t, tt.code, stint.ErrorCode(err), "err: %v", err)
		})
	}
	list, err := f.store.RequestList(ctx, &stint.RequestListParams{})
	require.NoError(t, err)
	require.Empty(t, list, "refused requests must write nothing")
}

func TestOverlappingGrantsShareOneAssignment(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	g1 := f.activeGrant(t, "alice@example.com")
	g2 := f.activeGrant(t, "alice@example.com")
	require.Equal(t, g1.EffectKey(), g2.EffectKey())
	require.EqualValues(t, 1, f.prov.Grants.Load(), "the second grant reuses the assignment")

	_, err := f.svc.Revoke(ctx, f.caller(t, "alice@example.com"), g1.ID)
	require.NoError(t, err)
	f.svc.Wait()
	require.Equal(t, stint.GrantEnded, f.grant(t, g1.ID).State)
	require.True(t, f.prov.Has(g1.EffectKey()), "access stays while g2 holds it")
	require.EqualValues(t, 0, f.prov.Revokes.Load())

	_, err = f.svc.Revoke(ctx, f.caller(t, "dave@example.com"), g2.ID) // admin revokes
	require.NoError(t, err)
	f.svc.Wait()
	require.Equal(t, stint.GrantEnded, f.grant(t, g2.ID).State)
	require.False(t, f.prov.Has(g1.EffectKey()), "last holder ended: access goes")
}

func TestStandingAssignmentSurvives(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	key := stint.SSOEffectKey("222222222222", "arn:aws:sso:::permissionSet/ssoins-1/ps-ro", "u-alice")
	f.prov.Set(key, true) // standing access made outside stint
	g := f.activeGrant(t, "alice@example.com")
	require.EqualValues(t, 0, f.prov.Grants.Load())
	f.clock.Add(2 * time.Hour)
	require.NoError(t, f.svc.Expire(ctx, g.ID))
	require.Equal(t, stint.GrantEnded, f.grant(t, g.ID).State)
	require.True(t, f.prov.Has(key), "a pre-existing assignment is never removed")
	require.EqualValues(t, 0, f.prov.Revokes.Load())
}

func TestFailureIsRecordedAndRetried(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	fail := atomic.Bool{}
	fail.Store(true)
	f.prov.GrantFunc = func(context.Context, *stint.Effect) error {
		if fail.Load() {
			return stint.Errorf(stint.EUNAVAILABLE, "AWS said no")
		}
		return nil
	}
	r, err := f.svc.Submit(ctx, f.caller(t, "alice@example.com"), access.SubmitInput{
		Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}, Reason: "x"})
	require.NoError(t, err)
	id := f.grants(t, r.ID)[0].ID
	require.NoError(t, f.svc.Activate(ctx, id))
	g := f.grant(t, id)
	require.Equal(t, stint.GrantFailed, g.State)
	require.Equal(t, "activate", g.FailedOp)
	require.Contains(t, g.LastError, "AWS said no")
	fail.Store(false)
	require.NoError(t, f.svc.Activate(ctx, id))
	require.Equal(t, stint.GrantActive, f.grant(t, id).State)
}

func TestRevokeFailureRetriesUntilGone(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	g := f.activeGrant(t, "alice@example.com")
	calls := atomic.Int64{}
	f.prov.RevokeFunc = func(context.Context, *stint.Effect) error {
		if calls.Add(1) == 1 {
			return errors.New("throttled")
		}
		return nil
	}
	f.clock.Add(time.Hour)
	require.NoError(t, f.svc.Expire(ctx, g.ID))
	got := f.grant(t, g.ID)
	require.Equal(t, stint.GrantFailed, got.State)
	require.Equal(t, "revoke", got.FailedOp)
	require.True(t, f.prov.Has(g.EffectKey()))
	require.NoError(t, f.svc.ResumeRevocation(ctx, g.ID))
	require.Equal(t, stint.GrantEnded, f.grant(t, g.ID).State)
	require.False(t, f.prov.Has(g.EffectKey()))
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	g := f.activeGrant(t, "alice@example.com")
	// Out-of-band deletion: the reconciler re-creates it for the live grant.
	f.prov.Set(g.EffectKey(), false)
	rep, err := f.svc.Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Recreated)
	require.True(t, f.prov.Has(g.EffectKey()))

	// A ledger entry whose holder ended without releasing it (simulated by
	// ending the grant behind the service's back) is removed after the grace.
	require.NoError(t, f.store.Tx(ctx, func(tx stint.Tx) error {
		cur, err := tx.GrantGet(ctx, g.ID)
		if err != nil {
			return err
		}
		cur.State = stint.GrantEnded
		return tx.GrantUpdate(ctx, cur)
	}))
	f.clock.Add(2 * access.ReconcileGrace)
	rep, err = f.svc.Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Removed)
	require.False(t, f.prov.Has(g.EffectKey()))
	evs, err := f.store.EventList(ctx, &stint.EventListParams{Subject: g.EffectKey()})
	require.NoError(t, err)
	require.Len(t, evs, 2)
}

func TestExtend(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	g := f.activeGrant(t, "alice@example.com")
	_, err := f.svc.Extend(ctx, f.caller(t, "carol@example.com"), g.ID, time.Hour)
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err), "others cannot see alice's grant")
	next, err := f.svc.Extend(ctx, f.caller(t, "alice@example.com"), g.ID, time.Hour)
	require.NoError(t, err)
	require.Equal(t, g.EndsAt.Add(time.Hour), next.EndsAt)
	_, err = f.svc.Extend(ctx, f.caller(t, "alice@example.com"), g.ID, 7*time.Hour)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	f.clock.Add(time.Hour + time.Minute)
	var rl *access.RetryLater
	require.ErrorAs(t, f.svc.Expire(ctx, g.ID), &rl, "the old expiry job snoozes to the new end")
}

func TestTokens(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	secret, hash := stint.NewTokenSecret()
	past := f.clock.Now().Add(-time.Minute)
	require.NoError(t, f.store.Tx(ctx, func(tx stint.Tx) error {
		return tx.TokenCreate(ctx, &stint.Token{ID: stint.NewID(), Hash: hash, UserEmail: "alice@example.com", CreatedAt: f.clock.Now()})
	}))
	c, err := f.svc.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, "u-alice", c.User.ID)
	_, err = f.svc.Authenticate(ctx, secret+"x")
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
	expired, ehash := stint.NewTokenSecret()
	require.NoError(t, f.store.Tx(ctx, func(tx stint.Tx) error {
		return tx.TokenCreate(ctx, &stint.Token{ID: stint.NewID(), Hash: ehash, UserEmail: "alice@example.com", CreatedAt: past, ExpiresAt: &past})
	}))
	_, err = f.svc.Authenticate(ctx, expired)
	require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err))
}

func TestPendingRequestTimesOut(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	r, err := f.svc.Submit(ctx, f.caller(t, "alice@example.com"), access.SubmitInput{
		Resources: []access.ResourceInput{{Account: "prod-payments", PermissionSet: "AdministratorAccess"}}, Reason: "INC-2"})
	require.NoError(t, err)
	var rl *access.RetryLater
	require.ErrorAs(t, f.svc.ExpireRequest(ctx, r.ID), &rl, "not before its review deadline")
	f.clock.Add(stint.DefaultReviewTimeout)
	require.NoError(t, f.svc.ExpireRequest(ctx, r.ID))
	got, err := f.store.RequestGet(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, stint.RequestExpired, got.State)
	_, err = f.svc.Approve(ctx, f.caller(t, "bob@example.com"), r.ID, "too late")
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err))
	require.Empty(t, f.grants(t, r.ID))
}

func TestScheduledStart(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	start := f.clock.Now().Add(2 * time.Hour)
	r, err := f.svc.Submit(ctx, f.caller(t, "alice@example.com"), access.SubmitInput{
		Resources: []access.ResourceInput{{Account: "dev-002", PermissionSet: "ReadOnlyAccess"}}, Reason: "change window",
		Duration: time.Hour, StartsAt: &start})
	require.NoError(t, err)
	g := f.grants(t, r.ID)[0]
	require.Equal(t, stint.GrantScheduled, g.State)
	require.True(t, g.StartsAt.Equal(start))
	var rl *access.RetryLater
	require.ErrorAs(t, f.svc.Activate(ctx, g.ID), &rl, "not before its start")
	require.False(t, f.prov.Has(g.EffectKey()))
	f.clock.Add(2 * time.Hour)
	require.NoError(t, f.svc.Activate(ctx, g.ID))
	require.Equal(t, stint.GrantActive, f.grant(t, g.ID).State)
	require.True(t, f.prov.Has(g.EffectKey()))
}

func TestCancel(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	r, err := f.svc.Submit(ctx, f.caller(t, "alice@example.com"), access.SubmitInput{
		Resources: []access.ResourceInput{{Account: "prod-payments", PermissionSet: "AdministratorAccess"}}, Reason: "INC-3"})
	require.NoError(t, err)
	_, err = f.svc.Cancel(ctx, f.caller(t, "carol@example.com"), r.ID)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "an approver may see it but not cancel it")
	got, err := f.svc.Cancel(ctx, f.caller(t, "alice@example.com"), r.ID)
	require.NoError(t, err)
	require.Equal(t, stint.RequestCancelled, got.State)
	_, err = f.svc.Approve(ctx, f.caller(t, "bob@example.com"), r.ID, "")
	require.Equal(t, stint.ECONFLICT, stint.ErrorCode(err))
}

func TestReconcileStandingAssignmentRemovedOutOfBand(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	key := stint.SSOEffectKey("222222222222", "arn:aws:sso:::permissionSet/ssoins-1/ps-ro", "u-alice")
	f.prov.Set(key, true) // standing access
	g := f.activeGrant(t, "alice@example.com")
	f.prov.Set(key, false) // an admin removes the standing assignment
	rep, err := f.svc.Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Recreated, "the live grant still needs it")
	require.True(t, f.prov.Has(key))
	f.clock.Add(2 * time.Hour)
	require.NoError(t, f.svc.Expire(ctx, g.ID))
	require.False(t, f.prov.Has(key), "re-created by stint, so removed with its last holder")
}

func TestExtensionNeedsReapproval(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	alice := f.caller(t, "alice@example.com")
	r, err := f.svc.Submit(ctx, alice, access.SubmitInput{
		Resources: []access.ResourceInput{{Account: "prod-payments", PermissionSet: "AdministratorAccess"}}, Reason: "INC-9", Duration: time.Hour})
	require.NoError(t, err)
	_, err = f.svc.Approve(ctx, f.caller(t, "bob@example.com"), r.ID, "")
	require.NoError(t, err)
	g := f.grants(t, r.ID)[0]
	require.NoError(t, f.svc.Activate(ctx, g.ID))

	_, err = f.svc.Extend(ctx, alice, g.ID, time.Hour)
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
	require.Contains(t, stint.ErrorMessage(err), "stint request --extend")

	_, err = f.svc.Submit(ctx, alice, access.SubmitInput{ExtendsGrant: g.ID, Duration: 4 * time.Hour, Reason: "longer"})
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "past the flow's maximum: refused at once")
	ext, err := f.svc.Submit(ctx, alice, access.SubmitInput{ExtendsGrant: g.ID, Duration: time.Hour, Reason: "still fixing"})
	require.NoError(t, err)
	require.Equal(t, stint.RequestPending, ext.State)
	require.Equal(t, g.ID, ext.ExtendsGrant)
	_, err = f.svc.Approve(ctx, alice, ext.ID, "")
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "no self-approval of extensions either")
	_, err = f.svc.Approve(ctx, f.caller(t, "carol@example.com"), ext.ID, "ok")
	require.NoError(t, err)
	got := f.grant(t, g.ID)
	require.Equal(t, g.EndsAt.Add(time.Hour), got.EndsAt)
	require.Equal(t, 1, got.Extensions)
	require.Len(t, f.grants(t, ext.ID), 0, "an extension request makes no grants")

	_, err = f.svc.Submit(ctx, alice, access.SubmitInput{ExtendsGrant: g.ID, Duration: time.Minute, Reason: "again"})
	require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "the flow allows one extension")
	_, err = f.svc.Submit(ctx, f.caller(t, "carol@example.com"), access.SubmitInput{ExtendsGrant: g.ID, Duration: time.Minute, Reason: "x"})
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err), "only the grant's user")
}
