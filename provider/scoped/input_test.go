package scoped_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/scoped"
)

// TestBadInput: effects and permissions that cannot be made are refused
// with EINVALID before any AWS call, so nothing is half-made.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := newAccount()
	// Grant refuses these, but their access (none) can be revoked.
	for _, tc := range []struct {
		name string
		eff  *stint.Effect
		err  string
	}{
		{"rds without dbi_resource_id", effect(stint.ResourceRDS, acct, "orders-db", "app_ro", "u", "u", nil), "has no dbi_resource_id; sync the directory"},
		{"rds with a bad dbi_resource_id", effect(stint.ResourceRDS, acct, "orders-db", "app_ro", "u", "u", map[string]string{"dbi_resource_id": "db-*"}), "is not of the form db-"},
		{"rds without IAM authentication", effect(stint.ResourceRDS, acct, "orders-db", "app_ro", "u", "u", map[string]string{"dbi_resource_id": "db-ABC", "iam_auth": "false"}),
			"does not have IAM database authentication enabled; enable it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.proxy.ResetCounts()
			err := e.p.Grant(ctx, tc.eff)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, tc.err)
			require.Zero(t, e.proxy.Count(""), "no AWS call")
			require.NoError(t, e.p.Revoke(ctx, tc.eff))
			ok, err := e.p.Exists(ctx, tc.eff)
			require.NoError(t, err)
			require.False(t, ok)
		})
	}
	// Neither Grant nor Revoke can name these.
	for _, tc := range []struct {
		name string
		eff  *stint.Effect
		err  string
	}{
		{"rds user with a wildcard", effect(stint.ResourceRDS, acct, "orders-db", "app*", "u", "u", map[string]string{"dbi_resource_id": "db-ABC"}), "not a valid database user name"},
		{"bucket name", effect(stint.ResourceS3, acct, "Bad_Bucket", "read", "u", "u", nil), "not a valid S3 bucket name"},
		{"s3 level", effect(stint.ResourceS3, acct, "good-bucket", "owner", "u", "u", nil), `level "owner" is not offered`},
		{"instance", effect(stint.ResourceEC2, acct, "web-1", "", "u", "u", nil), "not a valid EC2 instance ID"},
		{"region", effect(stint.ResourceEC2, acct, "i-0123456789abcdef0", "", "u", "u", map[string]string{"region": "mars-1"}), `region "mars-1" is not an AWS region`},
		{"account", effect(stint.ResourceS3, "prod", "good-bucket", "read", "u", "u", nil), `account ID "prod" is not 12 digits`},
		{"kind", effect(stint.ResourceEKS, acct, "prod", "view", "u", "u", nil), "the scoped provider handles aws-s3, aws-ec2, aws-rds"},
		{"no user", effect(stint.ResourceS3, acct, "good-bucket", "read", "", "u", nil), "no identity store user ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.proxy.ResetCounts()
			err := e.p.Grant(ctx, tc.eff)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, tc.err)
			err = e.p.Revoke(ctx, tc.eff)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
			_, err = e.p.Exists(ctx, tc.eff)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
			require.Zero(t, e.proxy.Count(""), "no AWS call")
		})
	}
}

// TestPolicyTooLarge: a permission whose policy exceeds the permission set
// quota is refused before any AWS call.
func TestPolicyTooLarge(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	var stmts []string
	for i := range 200 {
		stmts = append(stmts, fmt.Sprintf(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%04d/*"}`, i))
	}
	perm := scoped.Permission{AccountID: newAccount(), Kind: stint.ResourceS3, Target: "many:read", Description: "stint: too much",
		Policy: `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`}
	_, err := e.p.Ensure(ctx, perm, "user-1")
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "too large for a permission set")
	require.ErrorContains(t, err, "AWS allows 32768 and 10240")
	require.Zero(t, e.proxy.Count(""), "no AWS call")
	require.Empty(t, e.permissionSets(t, scoped.PermissionSetName(perm)))
}
