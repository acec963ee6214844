package identitycenter_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// asAWS makes the proxy answer creations and deletions IN_PROGRESS and
// their first status check SUCCEEDED, as AWS does for a quick operation
// (moto finishes both at once).
func asAWS(proxy *faultproxy.Proxy, inProgressPolls int) {
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, InProgressPolls: inProgressPolls})
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Deletion, InProgressPolls: inProgressPolls})
}

func TestGrantExistsRevoke(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t)
	asAWS(proxy, 0)
	ctx := context.Background()
	e := effect("dev-002", "ReadOnlyAccess", org.Users["alice@example.com"])

	exists, err := p.Exists(ctx, e)
	require.NoError(t, err)
	require.False(t, exists)

	proxy.ResetCounts()
	require.NoError(t, p.Grant(ctx, e))
	require.Equal(t, 1, proxy.Count("CreateAccountAssignment"))
	require.Equal(t, 1, proxy.Count("DescribeAccountAssignmentCreationStatus"))
	require.Equal(t, 2, proxy.Count(""), "a grant costs a create and a status check")

	exists, err = p.Exists(ctx, e)
	require.NoError(t, err)
	require.True(t, exists)
	all, err := p.AccountAssignments(ctx, e.AccountID, e.PermissionSetARN)
	require.NoError(t, err)
	require.Contains(t, all, identitycenter.Assignment{AccountID: e.AccountID, PermissionSetARN: e.PermissionSetARN, PrincipalType: "USER", PrincipalID: e.PrincipalID})

	proxy.ResetCounts()
	require.NoError(t, p.Revoke(ctx, e))
	require.Equal(t, 2, proxy.Count(""), "a revoke costs a delete and a status check")

	exists, err = p.Exists(ctx, e)
	require.NoError(t, err)
	require.False(t, exists)
}

func TestGrantAndRevokeAreIdempotent(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t)
	asAWS(proxy, 0)
	ctx := context.Background()
	e := effect("dev-002", "PowerUserAccess", org.Users["bob@example.com"])

	require.NoError(t, p.Grant(ctx, e))
	require.NoError(t, p.Grant(ctx, e))
	// AWS keeps one assignment and the second revoke finds nothing; moto
	// stores the duplicate and the second revoke removes it.
	require.NoError(t, p.Revoke(ctx, e))
	require.NoError(t, p.Revoke(ctx, e))
	exists, err := p.Exists(ctx, e)
	require.NoError(t, err)
	require.False(t, exists)

	proxy.ResetCounts()
	require.NoError(t, p.Revoke(ctx, e), "revoking what is gone succeeds")
	require.Equal(t, 1, proxy.Count("DeleteAccountAssignment"))
	require.Equal(t, 1, proxy.Count(""), "ResourceNotFound needs no status check")
}

func TestRevokeOfNeverMadeAssignmentSucceeds(t *testing.T) {
	t.Parallel()
	p, _ := setup(t)
	require.NoError(t, p.Revoke(context.Background(), effect("staging-001", "AdministratorAccess", org.Users["heidi@example.com"])))
}

func TestGrantWaitsWhileInProgress(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t)
	asAWS(proxy, 3)
	ctx := context.Background()
	e := effect("dev-002", "AdministratorAccess", org.Users["dave@example.com"])

	require.NoError(t, p.Grant(ctx, e))
	require.Equal(t, 4, proxy.Count("DescribeAccountAssignmentCreationStatus"), "3 IN_PROGRESS, then SUCCEEDED")
	require.NoError(t, p.Revoke(ctx, e))
	require.Equal(t, 4, proxy.Count("DescribeAccountAssignmentDeletionStatus"))
	require.Zero(t, p.Limiter().CreatesInFlight())
}

func TestFailedOperationsReturnAWSReason(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t)
	ctx := context.Background()
	e := effect("staging-001", "ReadOnlyAccess", "9067c0c2-0000-4000-8000-00000000f001")
	const reason = "Received a 404 status error: Principal 9067c0c2-0000-4000-8000-00000000f001 does not exist"
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, InProgressPolls: 1, FailureReason: reason})

	err := p.Grant(ctx, e)
	require.ErrorContains(t, err, "create assignment of "+e.PermissionSetARN+" in "+e.AccountID+" for user "+e.PrincipalID+": AWS reports FAILED: "+reason)
	require.True(t, stint.IsCode(err, stint.EINVALID), "%v", err)
	require.Zero(t, p.Limiter().CreatesInFlight(), "a failed creation frees its slot")

	// A deletion that fails leaves the assignment: an error.
	proxy.Clear()
	require.NoError(t, p.Grant(ctx, e))
	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Deletion, FailureReason: "Internal failure"})
	err = p.Revoke(ctx, e)
	require.ErrorContains(t, err, "AWS reports FAILED: Internal failure")
	require.True(t, stint.IsCode(err, stint.EUNAVAILABLE), "%v", err)
	exists, err := p.Exists(ctx, e)
	require.NoError(t, err)
	require.True(t, exists)
	proxy.Clear()
	require.NoError(t, p.Revoke(ctx, e))
}

func TestFailedCreationOfExistingAssignmentSucceeds(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t)
	ctx := context.Background()
	e := effect("staging-001", "PowerUserAccess", "9067c0c2-0000-4000-8000-00000000f002")
	require.NoError(t, p.Grant(ctx, e))

	proxy.RewriteStatus(faultproxy.StatusRule{Kind: faultproxy.Creation, FailureReason: "Assignment already exists"})
	require.NoError(t, p.Grant(ctx, e))
}

func TestRetriesThrottlingConflictsAndServerErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		rules []faultproxy.Rule
		want  map[string]int // calls per operation
	}{
		{
			name: "throttled creates and unavailable polls",
			rules: []faultproxy.Rule{
				{Op: "CreateAccountAssignment", Fault: faultproxy.Throttle, Times: 3},
				{Op: "DescribeAccountAssignmentCreationStatus", Fault: faultproxy.Unavailable, Times: 2},
			},
			want: map[string]int{"CreateAccountAssignment": 4, "DescribeAccountAssignmentCreationStatus": 4},
		},
		{
			name: "server errors and 429 on delete",
			rules: []faultproxy.Rule{
				{Op: "DeleteAccountAssignment", Fault: faultproxy.InternalError, Times: 2},
				{Op: "DescribeAccountAssignmentDeletionStatus", Fault: faultproxy.TooManyRequests, Times: 1},
			},
			want: map[string]int{"DeleteAccountAssignment": 3, "DescribeAccountAssignmentDeletionStatus": 3},
		},
		{
			name:  "operation in progress on the same account and permission set",
			rules: []faultproxy.Rule{{Op: "CreateAccountAssignment", Fault: faultproxy.Conflict, Times: 2}},
			want:  map[string]int{"CreateAccountAssignment": 3},
		},
		{
			name:  "everything throttled for a while",
			rules: []faultproxy.Rule{{Fault: faultproxy.Throttle, For: 200 * time.Millisecond}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			handed := map[string]int{}
			p, proxy := setup(t, func(c *identitycenter.Config) {
				c.MaxAttempts = 50
				c.OnLimiterWait = func(op string) {
					mu.Lock()
					defer mu.Unlock()
					handed[op]++
				}
			})
			asAWS(proxy, 1)
			for _, r := range tc.rules {
				proxy.Inject(r)
			}
			e := effect("sandbox-002", "ReadOnlyAccess", "retry-"+tc.name)
			require.NoError(t, p.Grant(context.Background(), e))
			require.NoError(t, p.Revoke(context.Background(), e))
			for op, n := range tc.want {
				require.Equal(t, n, proxy.Count(op), op)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, op := range []string{"CreateAccountAssignment", "DeleteAccountAssignment", "DescribeAccountAssignmentCreationStatus"} {
				require.Equal(t, proxy.Count(op), handed[op], "every attempt of %s, retries too, goes through the limiter", op)
			}
		})
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t, func(c *identitycenter.Config) { c.MaxAttempts = 3 })
	proxy.Inject(faultproxy.Rule{Op: "CreateAccountAssignment", Fault: faultproxy.Throttle})
	e := effect("sandbox-002", "PowerUserAccess", "gives-up")

	err := p.Grant(context.Background(), e)
	require.True(t, stint.IsCode(err, stint.EUNAVAILABLE), "%v", err)
	require.ErrorContains(t, err, "ThrottlingException: Rate exceeded; AWS kept throttling")
	require.Equal(t, 3, proxy.Count("CreateAccountAssignment"))
	require.Zero(t, p.Limiter().CreatesInFlight())
}

func TestOperationTimeout(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t, func(c *identitycenter.Config) { c.OperationTimeout = 300 * time.Millisecond })
	asAWS(proxy, 1_000_000)
	e := effect("sandbox-002", "AdministratorAccess", "times-out")

	err := p.Grant(context.Background(), e)
	require.True(t, stint.IsCode(err, stint.EUNAVAILABLE), "%v", err)
	require.ErrorContains(t, err, "still in progress when we stopped waiting")
	require.Zero(t, p.Limiter().CreatesInFlight())
}

func TestRejectsMalformedEffects(t *testing.T) {
	t.Parallel()
	p, proxy := setup(t)
	good := func() *stint.Effect { return effect("dev-001", "ReadOnlyAccess", "malformed") }
	for _, tc := range []struct {
		name   string
		effect func() *stint.Effect
		want   string
	}{
		{"nil", func() *stint.Effect { return nil }, "no effect"},
		{"other kind", func() *stint.Effect { e := good(); e.Kind = "aws-iam-role"; return e }, "of kind"},
		{"short account", func() *stint.Effect { e := good(); e.AccountID = "1234"; return e }, "not 12 digits"},
		{"permission set name", func() *stint.Effect { e := good(); e.PermissionSetARN = "ReadOnlyAccess"; return e }, "not an ARN"},
		{"no principal", func() *stint.Effect { e := good(); e.PrincipalID = ""; return e }, "no principal"},
		{"role principal", func() *stint.Effect { e := good(); e.PrincipalType = "ROLE"; return e }, "neither USER nor GROUP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Grant(context.Background(), tc.effect())
			require.True(t, stint.IsCode(err, stint.EINVALID), "%v", err)
			require.ErrorContains(t, err, tc.want)
		})
	}
	require.Zero(t, proxy.Count(""), "nothing malformed reaches AWS")
}

func TestLimiterHoldsRateAndCreationsInFlight(t *testing.T) {
	t.Parallel()
	const grants, rate, inFlight = 60, 20, 5
	var mu sync.Mutex
	handed := map[string]int{}
	p, proxy := setup(t, func(c *identitycenter.Config) {
		c.RateLimit, c.MaxCreatesInFlight = rate, inFlight
		c.FirstPoll, c.PollInterval = 50*time.Millisecond, 100*time.Millisecond
		c.OnLimiterWait = func(op string) {
			mu.Lock()
			defer mu.Unlock()
			handed[op]++
		}
	})
	asAWS(proxy, 1) // each creation: create, IN_PROGRESS, SUCCEEDED

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, grants)
	for i := range grants {
		wg.Go(func() {
			errs <- p.Grant(context.Background(), effect("sandbox-003", "ReadOnlyAccess", fmt.Sprintf("limited-%02d", i)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	took := time.Since(start)

	calls := proxy.Calls()
	require.Len(t, calls, grants*3)
	var at []time.Duration
	for _, c := range calls {
		at = append(at, c.At.Sub(calls[0].At))
	}
	peak := maxInWindow(at, time.Second)
	avg := float64(len(calls)-1) / at[len(at)-1].Seconds()
	t.Logf("%d calls in %s: %.1f calls/s on average, at most %d in any 1s window; at most %d creations in flight",
		len(calls), took.Round(time.Millisecond), avg, peak, proxy.MaxCreatesInFlight())
	// The limiter spaces calls 50ms apart; arrival jitter on a loaded
	// machine can bunch a few of them.
	require.LessOrEqual(t, peak, rate+1+3)
	require.LessOrEqual(t, avg, rate*1.05)
	require.LessOrEqual(t, proxy.MaxCreatesInFlight(), inFlight)
	require.Equal(t, inFlight, proxy.MaxCreatesInFlight(), "60 waiting grants fill every slot")

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, map[string]int{
		"ListInstances":           1, // New
		"CreateAccountAssignment": grants, "DescribeAccountAssignmentCreationStatus": 2 * grants,
	}, handed, "every call was handed to the limiter")
}
