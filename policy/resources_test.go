package policy

import (
	"context"
	"testing"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stretchr/testify/require"
)

// resourceSetup adds discovered resources and flows selecting them.
func resourceSetup(t *testing.T) (*Engine, *stint.Directory) {
	t.Helper()
	dir := testDirectory()
	dir.Resources = []stint.Resource{
		{Type: stint.ResourceS3, AccountID: "111111111111", Name: "payments-logs", Tags: map[string]string{"team": "Payments"}},
		{Type: stint.ResourceS3, AccountID: "111111111111", Name: "ledger-exports", Tags: map[string]string{"team": "ledger"}},
		{Type: stint.ResourceS3, AccountID: "222222222222", Name: "payments-dev"},
		{Type: stint.ResourceIAMRole, AccountID: "333333333333", Name: "Deployer"},
		{Type: stint.ResourceEKS, AccountID: "333333333333", Name: "core"},
	}
	flows := []stint.Flow{
		{
			Name: "buckets", Requesters: []string{"group:eng"}, MaxDuration: hours(4), Approvers: []string{"group:security"},
			Resources: []stint.FlowResource{
				{S3: &stint.S3Selector{Accounts: []string{"ou:Prod"}, Buckets: []string{"payments-*"}, Levels: []string{"read"}}},
				ic([]string{"name:prod-payments"}, "ReadOnly"),
			},
			Bundles: []stint.Bundle{{Name: "logs-and-ro", Resources: []stint.FlowResource{
				{S3: &stint.S3Selector{Accounts: []string{"ou:Prod"}, Buckets: []string{"payments-*"}, Levels: []string{"read"}}},
				ic([]string{"name:prod-payments"}, "ReadOnly"),
			}}},
		},
		{
			Name: "tagged-write", Requesters: []string{"group:sre"}, MaxDuration: hours(1), AutoApprove: true,
			Resources: []stint.FlowResource{{S3: &stint.S3Selector{Accounts: []string{"all"}, Tags: map[string]string{"team": "pay*"}, Levels: []string{"read", "write"}}}},
		},
		{
			Name: "deploy-role", Requesters: []string{"group:sre"}, MaxDuration: hours(2), AutoApprove: true,
			Resources: []stint.FlowResource{
				{IAMRole: &stint.IAMRoleSelector{Accounts: []string{"all"}, Roles: []string{"deploy*"}, Via: "ReadOnly"}},
				{EKS: &stint.EKSSelector{Accounts: []string{"all"}, Levels: []string{"view"}, Namespaces: []string{"payments"}}},
			},
		},
	}
	e, err := New(Config{Flows: flows, Groups: testGroups(), Now: func() time.Time { return wednesday }})
	require.NoError(t, err)
	return e, dir
}

func TestDecideOtherResources(t *testing.T) {
	t.Parallel()
	e, dir := resourceSetup(t)
	for _, tc := range []struct {
		name, user, id string
		wantFlow       string
		wantErr        string
	}{
		{name: "bucket by pattern and level", user: "alice@example.com", id: "aws-s3:111111111111/payments-logs:read", wantFlow: "buckets"},
		{name: "level the flow does not offer", user: "alice@example.com", id: "aws-s3:111111111111/payments-logs:write",
			// The closest flow offers write, but not to alice.
			wantErr: `no flow lets alice@example.com request write on S3 bucket payments-logs in 111111111111 (prod-payments): flow "tagged-write": alice@example.com is not one of its requesters (group:sre)`},
		{name: "bucket outside the pattern", user: "alice@example.com", id: "aws-s3:111111111111/ledger-exports:read", wantErr: "it does not include read on S3 bucket ledger-exports"},
		{name: "account outside the selector", user: "alice@example.com", id: "aws-s3:222222222222/payments-dev:read", wantErr: "it does not include"},
		{name: "tag pattern ignores case", user: "bob@example.com", id: "aws-s3:111111111111/payments-logs:write", wantFlow: "tagged-write"},
		{name: "tag missing", user: "bob@example.com", id: "aws-s3:222222222222/payments-dev:read", wantErr: "it does not include"},
		{name: "role by pattern, ignoring case", user: "bob@example.com", id: "aws-iam-role:333333333333/Deployer", wantFlow: "deploy-role"},
		{name: "not a requester of the role", user: "alice@example.com", id: "aws-iam-role:333333333333/Deployer", wantErr: "alice@example.com is not one of its requesters"},
		{name: "eks namespace offered", user: "bob@example.com", id: "aws-eks:333333333333/core/payments:view", wantFlow: "deploy-role"},
		{name: "eks whole cluster not offered", user: "bob@example.com", id: "aws-eks:333333333333/core:view", wantErr: "it does not include view on EKS cluster core"},
		{name: "no flow of that type", user: "bob@example.com", id: "aws-iam-group:333333333333/Ops", wantErr: "no flow includes aws-iam-group resources"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref, err := stint.ParseResourceID(tc.id)
			require.NoError(t, err)
			for _, r := range dir.Resources {
				if r.Type == ref.Type && r.AccountID == ref.AccountID && r.Name == ref.Name {
					ref.Tags = r.Tags
				}
			}
			in := RequestInput{User: user(t, dir, tc.user), Account: account(t, dir, ref.AccountID), Resource: ref}
			d, err := e.DecideRequest(context.Background(), in)
			if tc.wantErr != "" {
				require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err), "err: %v", err)
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantFlow, d.Flow.Name)
			require.Equal(t, tc.id, d.Explanation.Resource)
		})
	}
}

func TestEligibleOtherResources(t *testing.T) {
	t.Parallel()
	e, dir := resourceSetup(t)
	ids := func(u string) []string {
		var out []string
		for _, el := range e.Eligible(dir, user(t, dir, u)) {
			out = append(out, el.Flow+" "+el.ResourceID+" "+el.Label)
		}
		return out
	}
	require.Equal(t, []string{
		"buckets aws-sso:111111111111/ReadOnly ReadOnly",
		"buckets aws-s3:111111111111/payments-logs:read read on S3 bucket payments-logs",
		"buckets bundle:buckets/logs-and-ro bundle logs-and-ro",
	}, ids("alice@example.com"))
	require.Equal(t, []string{
		"tagged-write aws-s3:111111111111/payments-logs:read read on S3 bucket payments-logs",
		"tagged-write aws-s3:111111111111/payments-logs:write write on S3 bucket payments-logs",
		"deploy-role aws-iam-role:333333333333/Deployer IAM role Deployer",
		"deploy-role aws-eks:333333333333/core/payments:view view on EKS cluster core, namespace payments",
	}, ids("bob@example.com"))

	d, err := e.DecideBundle(context.Background(), dir, BundleInput{User: user(t, dir, "alice@example.com"), Flow: "buckets", Bundle: "logs-and-ro"})
	require.NoError(t, err)
	var got []string
	for _, r := range d.Resources {
		got = append(got, r.ID)
	}
	require.Equal(t, []string{"aws-sso:111111111111/ReadOnly", "aws-s3:111111111111/payments-logs:read"}, got)

	role := &stint.ResourceRef{Type: stint.ResourceIAMRole, Name: "Deployer"}
	who := e.WhoCanRef(dir, account(t, dir, "333333333333"), role)
	require.Len(t, who, 1)
	require.Equal(t, "bob@example.com", who[0].User)
	require.Equal(t, "deploy-role", who[0].Flow)
}
