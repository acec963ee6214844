package scoped_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/identitycenter"
	"github.com/stint-dev/stint/provider/scoped"
)

// One moto for the package, with the sso-admin extensions (tagging,
// provisioning per account and its status). Tests share it: each uses its
// own member accounts and resources, and tests that collect permission
// sets use an Identity Center instance of their own (moto has one per
// region), since Collect looks at every permission set of its instance.
var moto *motoserver.Server

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if moto, err = motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer moto.Close()
	return m.Run()
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one test's provider and what it talks to.
type env struct {
	p      *scoped.Provider
	ic     *identitycenter.Provider
	proxy  *faultproxy.Proxy
	clock  *clock
	sso    *ssoadmin.Client // straight to moto, for checking AWS's state
	inst   string
	region string // the Identity Center instance's
}

type options struct {
	region string // Identity Center region; default us-east-1
}

// setup returns a provider that talks to moto through a fault proxy, with
// fast polls and a fixed clock.
func setup(t *testing.T, opts ...func(*options)) *env {
	t.Helper()
	o := options{region: motoserver.Region}
	for _, fn := range opts {
		fn(&o)
	}
	proxy := faultproxy.Start(t, moto.URL())
	ic, err := identitycenter.New(t.Context(), identitycenter.Config{
		AWS: motoserver.AWSConfig(proxy.URL()), Region: o.region,
		RateLimit: 1000, PollInterval: 10 * time.Millisecond, FirstPoll: 2 * time.Millisecond,
		RetryBaseDelay: 2 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxAttempts: 3,
		Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	p, err := scoped.New(scoped.Config{
		IdentityCenter: ic, AWS: motoserver.AWSConfig(proxy.URL()), S3PathStyle: true,
		Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	cfg := motoserver.AWSConfig(moto.URL())
	cfg.Region = o.region
	proxy.ResetCounts()
	return &env{p: p, ic: ic, proxy: proxy, clock: clk, sso: ssoadmin.NewFromConfig(cfg), inst: ic.InstanceARN(), region: o.region}
}

// member returns an SDK configuration acting in a member account, straight
// to moto (so that seeding does not count as the provider's calls).
func member(t *testing.T, accountID string) aws.Config {
	t.Helper()
	cfg, err := account.New(account.Config{AWS: motoserver.AWSConfig(moto.URL())}).For(t.Context(), accountID)
	require.NoError(t, err)
	return cfg
}

var accountSeq atomic.Int64

// newAccount returns an account ID no other test uses.
func newAccount() string { return fmt.Sprintf("3%011d", 100+accountSeq.Add(1)) }

// effect returns the effect of a grant, as the service makes it.
func effect(t stint.ResourceType, accountID, name, level, userID, userName string, attrs map[string]string) *stint.Effect {
	g := &stint.Grant{ID: "g", Type: t, AccountID: accountID, Name: name, Level: level, UserID: userID, UserName: userName, Attributes: attrs}
	return stint.NewEffect(g, time.Now())
}

// psState is a permission set as AWS has it.
type psState struct {
	ARN, Description, SessionDuration string
	Policy                            map[string]any
	Tags                              map[string]string
	Provisioned                       []string // accounts with the latest version
	Behind                            []string // accounts with an older one
}

// permissionSets returns the ARNs of the instance's permission sets named
// name.
func (e *env) permissionSets(t *testing.T, name string) []string {
	t.Helper()
	ctx := t.Context()
	var found []string
	pages := ssoadmin.NewListPermissionSetsPaginator(e.sso, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(e.inst)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		require.NoError(t, err)
		for _, arn := range page.PermissionSets {
			out, err := e.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(e.inst), PermissionSetArn: aws.String(arn)})
			require.NoError(t, err)
			if aws.ToString(out.PermissionSet.Name) == name {
				found = append(found, arn)
			}
		}
	}
	return found
}

// state reads the one permission set named name; it fails the test when
// there is not exactly one.
func (e *env) state(t *testing.T, name string) psState {
	t.Helper()
	ctx := t.Context()
	arns := e.permissionSets(t, name)
	require.Len(t, arns, 1, "permission sets named %s", name)
	in := aws.String(e.inst)
	st := psState{ARN: arns[0], Tags: map[string]string{}}
	d, err := e.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: in, PermissionSetArn: aws.String(st.ARN)})
	require.NoError(t, err)
	st.Description, st.SessionDuration = aws.ToString(d.PermissionSet.Description), aws.ToString(d.PermissionSet.SessionDuration)
	pol, err := e.sso.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: in, PermissionSetArn: aws.String(st.ARN)})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(aws.ToString(pol.InlinePolicy)), &st.Policy))
	tags, err := e.sso.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{InstanceArn: in, ResourceArn: aws.String(st.ARN)})
	require.NoError(t, err)
	for _, tg := range tags.Tags {
		st.Tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	for status, into := range map[ssotypes.ProvisioningStatus]*[]string{
		ssotypes.ProvisioningStatusLatestPermissionSetProvisioned:    &st.Provisioned,
		ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned: &st.Behind,
	} {
		out, err := e.sso.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
			InstanceArn: in, PermissionSetArn: aws.String(st.ARN), ProvisioningStatus: status})
		require.NoError(t, err)
		*into = out.AccountIds
	}
	return st
}

// assigned returns the principals assigned to the permission set in the
// account, sorted.
func (e *env) assigned(t *testing.T, accountID, psARN string) []string {
	t.Helper()
	out, err := e.sso.ListAccountAssignments(t.Context(), &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(e.inst), AccountId: aws.String(accountID), PermissionSetArn: aws.String(psARN)})
	require.NoError(t, err)
	var ids []string
	for _, a := range out.AccountAssignments {
		ids = append(ids, aws.ToString(a.PrincipalId))
	}
	slices.Sort(ids)
	return ids
}

// requirePolicy asserts that AWS's policy is want plus, at the end, exactly
// the cut-off statements given (as parsed JSON).
func requirePolicy(t *testing.T, want string, got map[string]any, cutoffs ...map[string]any) {
	t.Helper()
	var w map[string]any
	require.NoError(t, json.Unmarshal([]byte(want), &w))
	stmts := w["Statement"].([]any)
	for _, c := range cutoffs {
		stmts = append(stmts, c)
	}
	w["Statement"] = stmts
	require.Equal(t, w, got)
}

// cutoffStatement is the statement a cut-off of user at writes.
func cutoffStatement(n int, at time.Time, users ...string) map[string]any {
	cond := map[string]any{"DateLessThan": map[string]any{"aws:TokenIssueTime": at.UTC().Format(time.RFC3339)}}
	switch len(users) {
	case 0:
	case 1:
		cond["StringLike"] = map[string]any{"aws:userid": "*:" + users[0]}
	default:
		patterns := make([]any, len(users))
		for i, u := range users {
			patterns[i] = "*:" + u
		}
		cond["StringLike"] = map[string]any{"aws:userid": patterns}
	}
	return map[string]any{"Sid": fmt.Sprintf("StintCutoff%d", n), "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": cond}
}
