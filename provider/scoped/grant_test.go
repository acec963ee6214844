package scoped_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/provider/scoped"
)

// seeded is what seed made in a member account.
type seeded struct {
	account, bucket, instance, db string
}

// seed makes a bucket, an instance and a DB instance (IAM database
// authentication on) in a new member account, with the account's own
// credentials.
func seed(t *testing.T) seeded {
	t.Helper()
	ctx := t.Context()
	s := seeded{account: newAccount(), db: "orders-db"}
	s.bucket = "payments-logs-" + s.account
	cfg := member(t, s.account)
	_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)})
	require.NoError(t, err)
	run, err := ec2.NewFromConfig(cfg).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web-1")}}}}})
	require.NoError(t, err)
	s.instance = aws.ToString(run.Instances[0].InstanceId)
	_, err = rds.NewFromConfig(cfg).CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(s.db), Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"),
		MasterUsername: aws.String("master"), MasterUserPassword: aws.String("password123"), AllocatedStorage: aws.Int32(20),
		EnableIAMDatabaseAuthentication: aws.Bool(true)})
	require.NoError(t, err)
	return s
}

// discovered returns the one resource of the type discovery finds in the
// account.
func discovered(t *testing.T, e *env, typ stint.ResourceType, accountID string) stint.Resource {
	t.Helper()
	found, errs, err := e.p.Discover(t.Context(), typ, []stint.Account{{ID: accountID}}, stint.DiscoverOptions{Tags: true})
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Len(t, found, 1)
	return found[0]
}

// TestGrantAndRevoke follows a grant of each type from discovery to
// revocation: the permission set AWS has (policy, description, session
// duration, tag, provisioning), the assignment, and that granting and
// revoking again change nothing.
func TestGrantAndRevoke(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := seed(t)
	for _, tc := range []struct {
		typ    stint.ResourceType
		level  string
		policy func(r stint.Resource) string
		desc   string
	}{
		{stint.ResourceS3, "read", func(r stint.Resource) string { return scoped.S3Policy("aws", s.bucket, "read") }, "stint: read on S3 bucket " + s.bucket + " in " + s.account},
		{stint.ResourceS3, "write", func(r stint.Resource) string { return scoped.S3Policy("aws", s.bucket, "write") }, "stint: write on S3 bucket " + s.bucket + " in " + s.account},
		{stint.ResourceS3, "admin", func(r stint.Resource) string { return scoped.S3Policy("aws", s.bucket, "admin") }, "stint: admin on S3 bucket " + s.bucket + " in " + s.account},
		{stint.ResourceEC2, "", func(r stint.Resource) string { return scoped.EC2Policy("aws", "us-east-1", s.account, s.instance) },
			"stint: Session Manager on EC2 instance " + s.instance + " in " + s.account + " (us-east-1)"},
		{stint.ResourceRDS, "app_ro", func(r stint.Resource) string {
			return scoped.RDSPolicy("aws", "us-east-1", s.account, s.db, r.Attributes["dbi_resource_id"], "app_ro")
		}, "stint: connect as app_ro on RDS instance orders-db in " + s.account + " (us-east-1)"},
	} {
		t.Run(string(tc.typ)+":"+tc.level, func(t *testing.T) {
			ctx := t.Context()
			r := discovered(t, e, tc.typ, s.account)
			user := "user-" + string(tc.typ) + "-" + tc.level
			eff := effect(tc.typ, s.account, r.Name, tc.level, user, "alice", r.Attributes)
			perm, err := e.p.Permission(eff)
			require.NoError(t, err)
			name := scoped.PermissionSetName(perm)

			require.NoError(t, e.p.Grant(ctx, eff))
			st := e.state(t, name)
			requirePolicy(t, tc.policy(r), st.Policy)
			require.Equal(t, tc.desc, st.Description)
			require.Equal(t, "PT1H", st.SessionDuration)
			require.Equal(t, "true", st.Tags[scoped.TagManaged])
			require.Equal(t, s.account, st.Tags[scoped.TagAccount])
			require.Equal(t, []string{s.account}, st.Provisioned)
			require.Empty(t, st.Behind)
			require.Equal(t, []string{user}, e.assigned(t, s.account, st.ARN))
			ok, err := e.p.Exists(ctx, eff)
			require.NoError(t, err)
			require.True(t, ok)

			// Again: nothing new.
			require.NoError(t, e.p.Grant(ctx, eff))
			require.Len(t, e.permissionSets(t, name), 1)
			require.Equal(t, []string{user}, e.assigned(t, s.account, st.ARN))

			require.NoError(t, e.p.Revoke(ctx, eff))
			require.Empty(t, e.assigned(t, s.account, st.ARN))
			ok, err = e.p.Exists(ctx, eff)
			require.NoError(t, err)
			require.False(t, ok)
			require.NoError(t, e.p.Revoke(ctx, eff), "revoking again")
			require.Len(t, e.permissionSets(t, name), 1, "the permission set stays for Collect")
		})
	}
}

// TestSharedPermissionSet: two users granted one bucket level at once share
// one permission set; revoking one keeps the other's assignment.
func TestSharedPermissionSet(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := newAccount()
	alice := effect(stint.ResourceS3, acct, "shared-"+acct, "read", "user-alice", "alice", nil)
	bob := effect(stint.ResourceS3, acct, "shared-"+acct, "read", "user-bob", "bob", nil)
	errs := make(chan error, 2)
	for _, eff := range []*stint.Effect{alice, bob} {
		go func() { errs <- e.p.Grant(ctx, eff) }()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)

	perm, err := e.p.Permission(alice)
	require.NoError(t, err)
	name := scoped.PermissionSetName(perm)
	st := e.state(t, name) // exactly one
	require.Equal(t, []string{"user-alice", "user-bob"}, e.assigned(t, acct, st.ARN))
	require.Equal(t, 1, e.proxy.Count("CreatePermissionSet"))

	require.NoError(t, e.p.Revoke(ctx, alice))
	require.Equal(t, []string{"user-bob"}, e.assigned(t, acct, st.ARN))
	ok, err := e.p.Exists(ctx, bob)
	require.NoError(t, err)
	require.True(t, ok)

	// Another level is another permission set.
	write := effect(stint.ResourceS3, acct, "shared-"+acct, "write", "user-bob", "bob", nil)
	require.NoError(t, e.p.Grant(ctx, write))
	wperm, err := e.p.Permission(write)
	require.NoError(t, err)
	require.NotEqual(t, name, scoped.PermissionSetName(wperm))
	require.Equal(t, 2, e.proxy.Count("CreatePermissionSet"))
}

// TestCreatedByAnotherProcess: a permission set another stint process made
// (not yet provisioned anywhere) is found when creating it answers
// ConflictException, as AWS answers for a name that is taken.
func TestCreatedByAnotherProcess(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := newAccount()
	eff := effect(stint.ResourceS3, acct, "raced-"+acct, "read", "user-1", "u1", nil)
	perm, err := e.p.Permission(eff)
	require.NoError(t, err)
	name := scoped.PermissionSetName(perm)
	// Another process created it and has not assigned anyone yet, so it is
	// provisioned nowhere.
	_, err = e.sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(e.inst), Name: aws.String(name),
		Description: aws.String(perm.Description), SessionDuration: aws.String("PT1H")})
	require.NoError(t, err)

	// moto lets two permission sets share a name; AWS answers
	// ConflictException, which the proxy imitates.
	e.proxy.Inject(faultproxy.Rule{Op: "CreatePermissionSet", Fault: faultproxy.Conflict})
	require.NoError(t, e.p.Grant(ctx, eff))
	st := e.state(t, name) // still exactly one
	requirePolicy(t, perm.Policy, st.Policy)
	require.Equal(t, []string{"user-1"}, e.assigned(t, acct, st.ARN))
	require.Equal(t, 1, e.proxy.Count("CreatePermissionSet"), "tried once, not retried")
}

// TestPolicyDrift: a grant finds the permission set's policy changed (by
// hand, or by an older release) and makes it exactly the policy again,
// keeping the cut-offs in force, then provisions it to the account.
func TestPolicyDrift(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	acct := newAccount()
	u1 := effect(stint.ResourceS3, acct, "drift-"+acct, "read", "user-1", "u1", nil)
	require.NoError(t, e.p.Grant(ctx, u1))
	perm, err := e.p.Permission(u1)
	require.NoError(t, err)
	name := scoped.PermissionSetName(perm)
	arn := e.state(t, name).ARN

	at := scoped.CutoffTime(e.clock.Now())
	old := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},` +
		`{"Sid":"StintCutoff1","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:userid":"*:alice"},"DateLessThan":{"aws:TokenIssueTime":"` +
		at.Format(time.RFC3339) + `"}}}]}`
	_, err = e.sso.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: aws.String(e.inst), PermissionSetArn: aws.String(arn), InlinePolicy: aws.String(old)})
	require.NoError(t, err)
	require.Equal(t, []string{acct}, e.state(t, name).Behind)

	e.proxy.ResetCounts()
	u2 := effect(stint.ResourceS3, acct, "drift-"+acct, "read", "user-2", "u2", nil)
	require.NoError(t, e.p.Grant(ctx, u2))
	st := e.state(t, name)
	requirePolicy(t, perm.Policy, st.Policy, cutoffStatement(1, at, "alice"))
	require.Equal(t, []string{acct}, st.Provisioned)
	require.Empty(t, st.Behind)
	require.Equal(t, 1, e.proxy.Count("ProvisionPermissionSet"))
	require.Equal(t, []string{"user-1", "user-2"}, e.assigned(t, acct, arn))

	// Unchanged: nothing written, nothing provisioned.
	e.proxy.ResetCounts()
	require.NoError(t, e.p.Grant(ctx, u2))
	require.Zero(t, e.proxy.Count("PutInlinePolicyToPermissionSet"))
	require.Zero(t, e.proxy.Count("ProvisionPermissionSet"))
}
