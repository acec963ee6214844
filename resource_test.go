package stint_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

func TestParseResourceID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id      string
		want    stint.ResourceRef
		wantErr string
	}{
		{id: "aws-sso:111111111111/ReadOnly", want: stint.ResourceRef{Type: stint.ResourceSSO, AccountID: "111111111111", PermissionSet: "ReadOnly"}},
		{id: "aws-s3:111111111111/payments-logs:read", want: stint.ResourceRef{Type: stint.ResourceS3, AccountID: "111111111111", Name: "payments-logs", Level: "read"}},
		{id: "aws-s3:prod-payments/logs.example.com:admin", want: stint.ResourceRef{Type: stint.ResourceS3, AccountID: "prod-payments", Name: "logs.example.com", Level: "admin"}},
		{id: "aws-ec2:111111111111/i-0123456789abcdef0", want: stint.ResourceRef{Type: stint.ResourceEC2, AccountID: "111111111111", Name: "i-0123456789abcdef0"}},
		{id: "aws-eks:111111111111/prod:view", want: stint.ResourceRef{Type: stint.ResourceEKS, AccountID: "111111111111", Name: "prod", Level: "view"}},
		{id: "aws-eks:111111111111/prod/payments:edit", want: stint.ResourceRef{Type: stint.ResourceEKS, AccountID: "111111111111", Name: "prod", Namespace: "payments", Level: "edit"}},
		{id: "aws-rds:111111111111/orders-db:readonly", want: stint.ResourceRef{Type: stint.ResourceRDS, AccountID: "111111111111", Name: "orders-db", Level: "readonly"}},
		{id: "aws-iam-role:111111111111/Deployer", want: stint.ResourceRef{Type: stint.ResourceIAMRole, AccountID: "111111111111", Name: "Deployer"}},
		{id: "aws-iam-group:111111111111/Ops", want: stint.ResourceRef{Type: stint.ResourceIAMGroup, AccountID: "111111111111", Name: "Ops"}},
		{id: "payments-logs", wantErr: "is not of the form TYPE:ACCOUNT/NAME"},
		{id: "aws-gcs:111111111111/x", wantErr: `unknown type "aws-gcs"`},
		{id: "aws-s3:111111111111/payments-logs", wantErr: "say the level (read, write, admin) after a colon"},
		{id: "aws-s3:111111111111/payments-logs:delete", wantErr: `level "delete" is not offered for aws-s3; use one of read, write, admin`},
		{id: "aws-s3:111111111111/Bad_Bucket:read", wantErr: `"Bad_Bucket" is not a valid S3 bucket name`},
		{id: "aws-ec2:111111111111/web-1", wantErr: "not a valid EC2 instance ID"},
		{id: "aws-eks:111111111111/prod/Bad_NS:view", wantErr: "not a valid Kubernetes namespace"},
		{id: "aws-rds:111111111111/orders-db", wantErr: "say the database user after a colon"},
		{id: "aws-iam-role:111111111111/", wantErr: "is not of the form"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			got, err := stint.ParseResourceID(tc.id)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			tc.want.ID = tc.id
			require.Equal(t, &tc.want, got)
			require.Equal(t, tc.id, got.FormatID())
		})
	}
}

func TestSelector(t *testing.T) {
	t.Parallel()
	prod := &stint.Account{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments"}
	dev := &stint.Account{ID: "222222222222", Name: "dev-001", OUPath: "Dev"}
	fr := stint.FlowResource{S3: &stint.S3Selector{Accounts: []string{"ou:Prod"}, Buckets: []string{"payments-*"}, Tags: map[string]string{"team": "pay*"}, Levels: []string{"read", "write"}}}
	sel := fr.Selector()
	require.NoError(t, fr.Validate())
	bucket := &stint.Resource{Type: stint.ResourceS3, AccountID: prod.ID, Name: "payments-logs", Tags: map[string]string{"team": "payments"}}
	require.True(t, sel.Matches(prod, bucket))
	for _, miss := range []*stint.Resource{
		{Type: stint.ResourceS3, AccountID: prod.ID, Name: "ledger-logs", Tags: map[string]string{"team": "payments"}},
		{Type: stint.ResourceS3, AccountID: prod.ID, Name: "payments-logs"}, // tag missing
		{Type: stint.ResourceEC2, AccountID: prod.ID, Name: "payments-logs", Tags: map[string]string{"team": "payments"}},
	} {
		require.False(t, sel.Matches(prod, miss), "%+v", miss)
	}
	require.False(t, sel.Matches(dev, &stint.Resource{Type: stint.ResourceS3, AccountID: dev.ID, Name: "payments-logs", Tags: map[string]string{"team": "payments"}}))
	refs := sel.Refs(prod, bucket)
	require.Len(t, refs, 2)
	require.Equal(t, "aws-s3:111111111111/payments-logs:read", refs[0].ID)
	require.Equal(t, "aws-s3:payments-logs:write", refs[1].Target())
	require.Equal(t, "write on S3 bucket payments-logs", refs[1].Label())

	eks := stint.FlowResource{EKS: &stint.EKSSelector{Accounts: []string{"all"}, Levels: []string{"view"}, Namespaces: []string{"payments", "ledger"}}}
	require.NoError(t, eks.Validate())
	refs = eks.Selector().Refs(prod, &stint.Resource{Type: stint.ResourceEKS, AccountID: prod.ID, Name: "prod"})
	require.Equal(t, []string{"aws-eks:111111111111/prod/payments:view", "aws-eks:111111111111/prod/ledger:view"}, []string{refs[0].ID, refs[1].ID})

	for _, tc := range []struct {
		name string
		fr   stint.FlowResource
		want string
	}{
		{"two selectors", stint.FlowResource{S3: fr.S3, EC2: &stint.EC2Selector{Accounts: []string{"all"}}}, "only one selector"},
		{"no accounts", stint.FlowResource{EC2: &stint.EC2Selector{}}, "ec2 needs accounts"},
		{"no levels", stint.FlowResource{S3: &stint.S3Selector{Accounts: []string{"all"}}}, "s3 needs levels (read, write, admin)"},
		{"bad level", stint.FlowResource{EKS: &stint.EKSSelector{Accounts: []string{"all"}, Levels: []string{"root"}}}, `level "root" is not one of view, edit, admin`},
		{"no db users", stint.FlowResource{RDS: &stint.RDSSelector{Accounts: []string{"all"}}}, "rds needs db_users"},
		{"bad pattern", stint.FlowResource{IAMRole: &stint.IAMRoleSelector{Accounts: []string{"all"}, Roles: []string{"Admin[0-9]"}}}, "may use only * as a wildcard"},
		{"bad account", stint.FlowResource{IAMGroup: &stint.IAMGroupSelector{Accounts: []string{"prod"}}}, "account selector \"prod\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.fr.Validate(), tc.want)
		})
	}
}

func TestMatchName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"payments-*", "payments-logs", true},
		{"payments-*", "Payments-Logs", true},
		{"*-logs", "payments-logs", true},
		{"pay*logs", "payments-logs", true},
		{"pay*ments*logs", "payments-logs", true},
		{"pay*x*logs", "payments-logs", false},
		{"*", "anything", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"a*a", "a", false},
	} {
		require.Equal(t, tc.want, stint.MatchName(tc.pattern, tc.name), "%s ~ %s", tc.pattern, tc.name)
	}
}

func TestEffectForResourceGrant(t *testing.T) {
	t.Parallel()
	g := &stint.Grant{ID: "g1", UserID: "u1", UserName: "alice", Type: stint.ResourceIAMRole, AccountID: "111111111111", Name: "Deployer",
		Attributes: map[string]string{"via_permission_set": "ReadOnly"}}
	g.EndsAt = g.StartsAt.Add(3600e9)
	e := stint.NewEffect(g, g.StartsAt)
	require.Equal(t, "aws-iam-role:111111111111|Deployer|USER|u1", e.Key)
	require.Equal(t, "aws-iam-role", e.Kind)
	require.Equal(t, map[string]string{"name": "Deployer", "via_permission_set": "ReadOnly"}, e.Spec)
	require.Equal(t, g.EndsAt, *e.Until)
	later, moved := e.Extends(g.EndsAt.Add(3600e9))
	require.True(t, moved)
	require.Equal(t, g.EndsAt.Add(3600e9), *later.Until)
	_, moved = later.Extends(g.EndsAt)
	require.False(t, moved, "an earlier end does not shorten it")

	sso := stint.NewEffect(&stint.Grant{UserID: "u1", AccountID: "111111111111", PermissionSetARN: "arn:ps"}, g.StartsAt)
	require.Equal(t, stint.SSOEffectKey("111111111111", "arn:ps", "u1"), sso.Key)
	require.Nil(t, sso.Until)
	require.True(t, stint.ResourceType("").AdoptsStanding())
	require.False(t, stint.ResourceS3.AdoptsStanding())
}
