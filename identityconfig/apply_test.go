package identityconfig_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// applyEnv is a moto with the sso-admin extensions (tags, provisioning
// status, one assignment per key), seeded with the demo organisation. The
// subtests share it and run in parallel: each uses its own permission set
// names, so the (principal, permission set) pairs its file owns are its
// own, and principals it creates are its own too.
type applyEnv struct {
	srv *motoserver.Server
	org *sampleorg.Org
}

// TestApply starts the package's one extended moto and runs the apply
// scenarios against it.
func TestApply(t *testing.T) {
	srv := motoserver.StartWith(t, motoserver.Options{SSOAdminExtensions: true, NoManagedPolicies: true})
	o, err := sampleorg.Seed(context.Background(), srv.AWSConfig(), sampleorg.DefaultSpec())
	require.NoError(t, err)
	env := &applyEnv{srv: srv, org: o}
	t.Run("round trip", func(t *testing.T) { t.Parallel(); testApplyRoundTrip(t, env) })
	t.Run("faults", func(t *testing.T) { t.Parallel(); testApplyFaults(t, env) })
	t.Run("interrupted", func(t *testing.T) { t.Parallel(); testApplyInterrupted(t, env) })
	t.Run("identities", func(t *testing.T) { t.Parallel(); testApplyIdentities(t, env) })
	t.Run("permission set fields", func(t *testing.T) { t.Parallel(); testApplyPermissionSetFields(t, env) })
	t.Run("failure reported", func(t *testing.T) { t.Parallel(); testApplyFailureReported(t, env) })
	t.Run("provisioning", func(t *testing.T) { t.Parallel(); testApplyProvisioning(t, env) })
	t.Run("identity updates", func(t *testing.T) { t.Parallel(); testApplyIdentityUpdates(t, env) })
	t.Run("permissions boundary", func(t *testing.T) { t.Parallel(); testApplyBoundary(t, env) })
}

// renamed gives the round-trip file's permission sets a test's own prefix.
func renamed(file, prefix string) string { return strings.ReplaceAll(file, "Rt", prefix+"Rt") }

func (e *applyEnv) plan(t *testing.T, file string) *identityconfig.Plan {
	t.Helper()
	ctx := context.Background()
	d, err := identityconfig.Parse(map[string][]byte{"identity.yaml": []byte(file)})
	require.NoError(t, err)
	// A fresh directory: earlier applies created principals and sets.
	p, err := identitycenter.New(ctx, identitycenter.Config{AWS: e.srv.AWSConfig(), RateLimit: 1000, OrganizationsRateLimit: 1000, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	dir, err := p.Directory(ctx)
	require.NoError(t, err)
	r, err := identityconfig.Resolve(d, dir)
	require.NoError(t, err)
	reader, err := identityconfig.NewReader(identityconfig.ReaderConfig{
		AWS: e.srv.AWSConfig(), InstanceARN: e.org.InstanceARN, IdentityStoreID: e.org.IdentityStoreID,
		Limiter:     identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 1000, Burst: 50}),
		MaxAttempts: 2, MaxBackoff: 5 * time.Millisecond, Logger: slog.New(slog.DiscardHandler), ReadIdentities: d.ManagesIdentities,
	})
	require.NoError(t, err)
	live, err := reader.Read(ctx, dir)
	require.NoError(t, err)
	return identityconfig.Diff(r, live, identityconfig.DiffOptions{})
}

type progressLog struct {
	mu    sync.Mutex
	calls int
	last  [2]int
}

func (l *progressLog) record(done, total int, _ string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	l.last = [2]int{done, total}
}

// applier returns an applier of the seeded instance through endpoint
// (moto or a fault proxy) with a fast limiter and polling.
func (e *applyEnv) applier(t *testing.T, endpoint string, tweak ...func(*identityconfig.ApplierConfig)) *identityconfig.Applier {
	t.Helper()
	cfg := identityconfig.ApplierConfig{
		AWS: motoserver.AWSConfig(endpoint), InstanceARN: e.org.InstanceARN, IdentityStoreID: e.org.IdentityStoreID,
		Limiter:      identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 1000, Burst: 50}),
		PollInterval: 20 * time.Millisecond,
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	a, err := identityconfig.NewApplier(cfg)
	require.NoError(t, err)
	return a
}

// apply applies p and requires every action to succeed.
func (e *applyEnv) apply(t *testing.T, a *identityconfig.Applier, p *identityconfig.Plan) *identityconfig.ApplyResult {
	t.Helper()
	res, err := a.Apply(context.Background(), p)
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	require.Equal(t, len(p.Actions), res.Applied)
	require.Zero(t, res.Failed)
	return res
}

func (e *applyEnv) requireClean(t *testing.T, file string) {
	t.Helper()
	p := e.plan(t, file)
	require.Empty(t, p.Actions, "plan after apply: %v", p.Actions)
	require.Equal(t, 0, identityconfig.ExitCode(p))
}

func between(t *testing.T, calls map[string]int, op string, lo, hi int) {
	t.Helper()
	require.GreaterOrEqual(t, calls[op], lo, op)
	require.LessOrEqual(t, calls[op], hi, op)
}

func testApplyRoundTrip(t *testing.T, e *applyEnv) {
	file := renamed(roundTripFile, "Ap")
	p := e.plan(t, file)
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{
		identityconfig.KindPermissionSet: {identityconfig.OpCreate: 3},
		identityconfig.KindAssignment:    {identityconfig.OpCreate: 30},
	}, p.Counts())

	var progress progressLog
	res := e.apply(t, e.applier(t, e.srv.URL(), func(c *identityconfig.ApplierConfig) { c.Progress = progress.record }), p)
	require.Equal(t, 33, progress.calls)
	require.Equal(t, [2]int{33, 33}, progress.last)
	c := res.Calls
	require.Equal(t, 3, c["CreatePermissionSet"])
	require.Equal(t, 4, c["AttachManagedPolicyToPermissionSet"])
	require.Equal(t, 1, c["AttachCustomerManagedPolicyReferenceToPermissionSet"])
	require.Equal(t, 2, c["PutInlinePolicyToPermissionSet"])
	require.Equal(t, 30, c["CreateAccountAssignment"])
	between(t, c, "DescribeAccountAssignmentCreationStatus", 0, 30) // moto answers SUCCEEDED at once
	require.Zero(t, c["ProvisionPermissionSet"])                    // new sets: assignments provision them
	require.Zero(t, c["ListPermissionSets"])                        // every ARN came from the creations
	require.Zero(t, c["DeleteAccountAssignment"])
	require.Positive(t, res.Duration)

	e.requireClean(t, file)

	// One inline policy and one selector change: exactly those.
	changed := renamed(changedFile(t), "Ap")
	p = e.plan(t, changed)
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{
		identityconfig.KindPermissionSet: {identityconfig.OpUpdate: 1},
		identityconfig.KindAssignment:    {identityconfig.OpDelete: 3},
	}, p.Counts())
	require.Equal(t, "inline_policy", p.Actions[0].Changes[0].Field)
	res = e.apply(t, e.applier(t, e.srv.URL()), p)
	c = res.Calls
	require.Equal(t, 1, c["PutInlinePolicyToPermissionSet"])
	require.Equal(t, 1, c["ListAccountsForProvisionedPermissionSet"])
	require.Equal(t, 1, c["ProvisionPermissionSet"])
	require.Equal(t, 3, c["DeleteAccountAssignment"])
	require.Zero(t, c["CreateAccountAssignment"])
	// The plan's update gave the ARN of the deleted assignments' set.
	require.Zero(t, c["ListPermissionSets"])
	e.requireClean(t, changed)
}

func testApplyFaults(t *testing.T, e *applyEnv) {
	proxy := faultproxy.Start(t, e.srv.URL())
	for _, r := range []faultproxy.Rule{
		{Op: "CreateAccountAssignment", Fault: faultproxy.Throttle, Times: 3},
		{Op: "CreateAccountAssignment", Fault: faultproxy.InternalError, Times: 2},
		{Op: "CreateAccountAssignment", Fault: faultproxy.TooManyRequests, Times: 1},
		{Op: "PutInlinePolicyToPermissionSet", Fault: faultproxy.Throttle, Times: 2},
		{Op: "PutInlinePolicyToPermissionSet", Fault: faultproxy.Unavailable, Times: 1},
		{Op: "PutInlinePolicyToPermissionSet", Fault: faultproxy.Conflict, Times: 1},
		{Op: "ProvisionPermissionSet", Fault: faultproxy.Throttle, Times: 1},
		{Op: "ProvisionPermissionSet", Fault: faultproxy.InternalError, Times: 1},
		{Op: "ProvisionPermissionSet", Fault: faultproxy.Conflict, Times: 1},
	} {
		proxy.Inject(r)
	}
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, InProgressPolls: 2})
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Deletion, InProgressPolls: 2})

	file := renamed(roundTripFile, "Ft")
	p := e.plan(t, file)
	require.Len(t, p.Actions, 33)
	a := e.applier(t, proxy.URL(), func(c *identityconfig.ApplierConfig) {
		c.Limiter = identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 1000, Burst: 50, MaxCreatesInFlight: 10})
	})
	res := e.apply(t, a, p)
	c := res.Calls
	between(t, c, "CreateAccountAssignment", 36, 40)                  // 30 + 6 faults
	between(t, c, "DescribeAccountAssignmentCreationStatus", 90, 100) // 2 IN_PROGRESS polls, then SUCCEEDED
	between(t, c, "PutInlinePolicyToPermissionSet", 6, 8)             // 2 + 4 faults
	require.LessOrEqual(t, proxy.MaxCreatesInFlight(), 10)
	require.Positive(t, proxy.MaxCreatesInFlight())
	e.requireClean(t, file)

	changed := renamed(changedFile(t), "Ft")
	p = e.plan(t, changed)
	require.Len(t, p.Actions, 4)
	res = e.apply(t, a, p)
	c = res.Calls
	between(t, c, "ProvisionPermissionSet", 4, 5) // 1 + 3 faults
	between(t, c, "PutInlinePolicyToPermissionSet", 1, 2)
	require.Equal(t, 3, c["DeleteAccountAssignment"])
	between(t, c, "DescribeAccountAssignmentDeletionStatus", 9, 12)
	e.requireClean(t, changed)
}

func testApplyInterrupted(t *testing.T, e *applyEnv) {
	file := renamed(roundTripFile, "Ir")
	p := e.plan(t, file)
	require.Len(t, p.Actions, 33)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var progress progressLog
	a := e.applier(t, e.srv.URL(), func(c *identityconfig.ApplierConfig) {
		// Slow enough that the cancellation lands mid-way.
		c.Limiter = identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 60})
		c.Progress = func(done, total int, action string) {
			progress.record(done, total, action)
			if done == 10 {
				cancel()
			}
		}
	})
	res, err := a.Apply(ctx, p)
	require.Error(t, err)
	require.Equal(t, stint.EUNAVAILABLE, stint.ErrorCode(err))
	require.Contains(t, err.Error(), "run apply again")
	require.NotNil(t, res)
	require.GreaterOrEqual(t, res.Applied, 10)
	require.Less(t, res.Applied, 33)
	require.Zero(t, res.Failed)
	require.Equal(t, res.Applied, progress.calls)

	// Re-run: a fresh plan has what is left, and applying it converges.
	p = e.plan(t, file)
	require.NotEmpty(t, p.Actions)
	require.Less(t, len(p.Actions), 33)
	e.apply(t, e.applier(t, e.srv.URL()), p)
	e.requireClean(t, file)
}

const applyIdentitiesFile = `users:
  - {user_name: ap-user, given_name: Ada, family_name: Apply, email: ap-user@example.com}
groups:
  - name: ApTeam
    description: Apply test team
    members: [ap-user]
permission_sets:
  - name: IdSet
    session_duration: 2h
    managed_policies: [ReadOnlyAccess]
assignments:
  - {principal: group:ApTeam, permission_set: IdSet, accounts: [ou:Dev]}
  - {principal: user:ap-user, permission_set: IdSet, accounts: [name:sandbox-003]}
`

func testApplyIdentities(t *testing.T, e *applyEnv) {
	p := e.plan(t, applyIdentitiesFile)
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{
		identityconfig.KindUser:          {identityconfig.OpCreate: 1},
		identityconfig.KindGroup:         {identityconfig.OpCreate: 1},
		identityconfig.KindMembership:    {identityconfig.OpCreate: 1},
		identityconfig.KindPermissionSet: {identityconfig.OpCreate: 1},
		identityconfig.KindAssignment:    {identityconfig.OpCreate: 3},
	}, p.Counts())
	res := e.apply(t, e.applier(t, e.srv.URL()), p)
	require.Equal(t, 1, res.Calls["CreateUser"])
	require.Equal(t, 1, res.Calls["CreateGroup"])
	require.Equal(t, 1, res.Calls["CreateGroupMembership"])
	require.Equal(t, 3, res.Calls["CreateAccountAssignment"])
	e.requireClean(t, applyIdentitiesFile)

	// Emptying the group removes the membership only.
	emptied := strings.Replace(applyIdentitiesFile, "members: [ap-user]", "members: []", 1)
	p = e.plan(t, emptied)
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{identityconfig.KindMembership: {identityconfig.OpDelete: 1}}, p.Counts())
	res = e.apply(t, e.applier(t, e.srv.URL()), p)
	require.Equal(t, 1, res.Calls["DeleteGroupMembership"])
	e.requireClean(t, emptied)
}

const fieldsFile = `permission_sets:
  - name: FxSet
    description: Fields test
    session_duration: 30m
    relay_state: https://console.aws.amazon.com/ecs/
    managed_policies: [ReadOnlyAccess, PowerUserAccess]
    customer_managed_policies: [{name: FxPolicy, path: /fx/}, {name: FxOther}]
    inline_policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:ListBucket", Resource: "*"}]}
    tags: {owner: platform, tier: gold}
assignments:
  - {principal: group:Data, permission_set: FxSet, accounts: [ou:Prod/Data]}
`

func testApplyPermissionSetFields(t *testing.T, e *applyEnv) {
	p := e.plan(t, fieldsFile)
	require.Len(t, p.Actions, 3)
	res := e.apply(t, e.applier(t, e.srv.URL()), p)
	require.Equal(t, 1, res.Calls["CreatePermissionSet"])
	require.Zero(t, res.Calls["TagResource"]) // tags go with the creation
	e.requireClean(t, fieldsFile)

	// Every kind of field changes, and one assignment goes.
	changed := strings.NewReplacer(
		"description: Fields test", "description: Fields test, changed",
		"session_duration: 30m", "session_duration: 2h",
		"relay_state: https://console.aws.amazon.com/ecs/", "relay_state: https://console.aws.amazon.com/s3/",
		"[ReadOnlyAccess, PowerUserAccess]", "[ReadOnlyAccess, SecurityAudit]",
		", {name: FxOther}", "",
		`    inline_policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:ListBucket", Resource: "*"}]}`+"\n", "",
		"tags: {owner: platform, tier: gold}", "tags: {owner: data, env: prod}",
		"accounts: [ou:Prod/Data]", "accounts: [name:prod-data]",
	).Replace(fieldsFile)
	p = e.plan(t, changed)
	require.Equal(t, map[identityconfig.Kind]map[identityconfig.Op]int{
		identityconfig.KindPermissionSet: {identityconfig.OpUpdate: 1},
		identityconfig.KindAssignment:    {identityconfig.OpDelete: 1},
	}, p.Counts())
	res = e.apply(t, e.applier(t, e.srv.URL()), p)
	c := res.Calls
	require.Equal(t, 1, c["UpdatePermissionSet"])
	require.Equal(t, 1, c["AttachManagedPolicyToPermissionSet"])
	require.Equal(t, 1, c["DetachManagedPolicyFromPermissionSet"])
	require.Equal(t, 1, c["DetachCustomerManagedPolicyReferenceFromPermissionSet"])
	require.Equal(t, 1, c["DeleteInlinePolicyFromPermissionSet"])
	require.Equal(t, 1, c["TagResource"])
	require.Equal(t, 1, c["UntagResource"])
	require.Equal(t, 1, c["ProvisionPermissionSet"]) // to the accounts it is assigned in
	e.requireClean(t, changed)
}

func testApplyFailureReported(t *testing.T, e *applyEnv) {
	proxy := faultproxy.Start(t, e.srv.URL())
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, InProgressPolls: 1, FailureReason: "Simulated: the principal is being deleted", PrincipalID: e.org.Groups["Admins"]})
	file := `permission_sets:
  - {name: FlSet, session_duration: 1h, managed_policies: [ReadOnlyAccess]}
assignments:
  - {principal: group:Admins, permission_set: FlSet, accounts: [name:sandbox-002]}
  - {principal: group:Data, permission_set: FlSet, accounts: [name:prod-data]}
`
	p := e.plan(t, file)
	require.Len(t, p.Actions, 3)
	res, err := e.applier(t, proxy.URL()).Apply(context.Background(), p)
	require.NoError(t, err) // per-action failures are in the result
	require.Equal(t, 2, res.Applied)
	require.Equal(t, 1, res.Failed)
	require.Len(t, res.Errors, 1)
	require.Contains(t, res.Errors[0], "create assignment group:Admins → FlSet in sandbox-002")
	require.Contains(t, res.Errors[0], "Simulated: the principal is being deleted")
	// It was checked: the assignment does not exist.
	require.Equal(t, 1, res.Calls["ListAccountAssignments"])
	p = e.plan(t, file)
	require.Len(t, p.Actions, 1)
}
