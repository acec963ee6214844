package identityconfig_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/internal/sampleorg"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// One moto for the package (with the sso-admin extensions, so that tags,
// boundaries and provisioning answer as on AWS), seeded once with the demo
// organisation (three permission sets and five standing assignments that
// the round-trip file does not declare) plus the round-trip state
// (roundTripSets and roundTripAssignments). Tests only read it.
var (
	moto *motoserver.Server
	org  *sampleorg.Org
	dir  *stint.Directory
	rt   = map[string]string{} // round-trip permission set name -> ARN
)

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
	if err = setupOrg(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func setupOrg(ctx context.Context) error {
	var err error
	if org, err = sampleorg.Seed(ctx, moto.AWSConfig(), sampleorg.DefaultSpec()); err != nil {
		return err
	}
	if err := createRoundTripState(ctx); err != nil {
		return fmt.Errorf("create round-trip state: %w", err)
	}
	p, err := identitycenter.New(ctx, identitycenter.Config{
		AWS: moto.AWSConfig(), RateLimit: 1000, OrganizationsRateLimit: 1000, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	dir, err = p.Directory(ctx)
	return err
}

// roundTripSets are created in moto directly.
var roundTripSets = []struct {
	name, duration, inline string
	managed                []string
	customer               []ssotypes.CustomerManagedPolicyReference
}{
	{name: "RtAdmin", duration: "PT1H", managed: []string{"AdministratorAccess"},
		inline: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:*","Resource":"*"}]}`},
	{name: "RtOps", duration: "PT4H", managed: []string{"ReadOnlyAccess"},
		customer: []ssotypes.CustomerManagedPolicyReference{{Name: aws.String("OpsExtra"), Path: aws.String("/team/")}},
		inline:   `{"Statement": [{"Action": ["ecs:UpdateService"], "Effect": "Allow", "Resource": "*"}], "Version": "2012-10-17"}`},
	{name: "RtRead", duration: "PT8H", managed: []string{"ReadOnlyAccess", "SecurityAudit"}},
}

// roundTripAssignments lists, by hand, the accounts that roundTripFile's
// selectors should expand to: 30 assignments over nested OUs (moto names
// the management account "master"; all selects it too).
var roundTripAssignments = []struct {
	principal, permissionSet string
	accounts                 []string
}{
	{"group:Engineers", "RtOps", []string{"dev-001", "dev-002", "staging-001"}},
	{"group:Payments", "RtAdmin", []string{"prod-payments", "prod-payments-dr"}},
	{"group:Data", "RtAdmin", []string{"prod-data", "prod-analytics"}},
	{"group:OnCall", "RtOps", []string{"prod-web", "prod-payments", "prod-payments-dr", "prod-data", "prod-analytics"}},
	{"group:Security", "RtRead", []string{"master", "log-archive", "security-audit", "shared-network", "shared-tooling", "prod-web", "prod-payments",
		"prod-payments-dr", "prod-data", "prod-analytics", "staging-001", "dev-001", "dev-002"}},
	{"group:Admins", "RtAdmin", []string{"sandbox-001", "sandbox-002"}},
	{"user:alice", "RtRead", []string{"prod-payments", "prod-payments-dr", "dev-002"}},
}

const roundTripFile = `permission_sets:
  - name: RtAdmin
    session_duration: 1h
    managed_policies: [AdministratorAccess]
    inline_policy:
      Version: "2012-10-17"
      Statement:
        - {Effect: Deny, Action: "organizations:*", Resource: "*"}
  - name: RtOps
    session_duration: PT4H
    managed_policies: [ReadOnlyAccess]
    customer_managed_policies: [{name: OpsExtra, path: /team/}]
    inline_policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ecs:UpdateService"], "Resource": "*"}]}'
  - name: RtRead
    session_duration: 8h
    managed_policies: [ReadOnlyAccess, "arn:aws:iam::aws:policy/SecurityAudit"]
assignments:
  - {principal: group:Engineers, permission_set: RtOps, accounts: [ou:Dev, ou:Staging]}
  - {principal: group:Payments, permission_set: RtAdmin, accounts: [ou:Prod/Payments]}
  - {principal: group:Data, permission_set: RtAdmin, accounts: [ou:Prod/Data]}
  - principal: group:OnCall
    permission_set: RtOps
    accounts: [ou:Prod]
  - principal: group:Security
    permission_set: RtRead
    accounts: [all]
    except: [ou:Sandbox]
  - {principal: group:Admins, permission_set: RtAdmin, accounts: [ou:Sandbox], except: [name:sandbox-003]}
  - {principal: user:alice, permission_set: RtRead, accounts: [tag:team=payments]}
`

func createRoundTripState(ctx context.Context) error {
	sso := ssoadmin.NewFromConfig(moto.AWSConfig())
	inst := aws.String(org.InstanceARN)
	for _, s := range roundTripSets {
		out, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
			InstanceArn: inst, Name: aws.String(s.name), SessionDuration: aws.String(s.duration), // moto needs SessionDuration
		})
		if err != nil {
			return err
		}
		arn := out.PermissionSet.PermissionSetArn
		rt[s.name] = aws.ToString(arn)
		for _, m := range s.managed {
			if _, err := sso.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{
				InstanceArn: inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/" + m),
			}); err != nil {
				return err
			}
		}
		for _, c := range s.customer {
			if _, err := sso.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
				InstanceArn: inst, PermissionSetArn: arn, CustomerManagedPolicyReference: &c,
			}); err != nil {
				return err
			}
		}
		if s.inline != "" {
			if _, err := sso.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{
				InstanceArn: inst, PermissionSetArn: arn, InlinePolicy: aws.String(s.inline),
			}); err != nil {
				return err
			}
		}
	}
	userIDs := map[string]string{}
	for _, u := range org.Spec.Users {
		userIDs[u.UserName] = org.Users[u.EmailAddress()]
	}
	for _, a := range roundTripAssignments {
		typ, id := ssotypes.PrincipalTypeGroup, org.Groups[a.principal[len("group:"):]]
		if a.principal[:5] == "user:" {
			typ, id = ssotypes.PrincipalTypeUser, userIDs[a.principal[5:]]
		}
		for _, acct := range a.accounts {
			accountID := org.Accounts[acct]
			if acct == "master" {
				accountID = org.ManagementAccountID
			}
			if _, err := sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
				InstanceArn: inst, TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(accountID),
				PermissionSetArn: aws.String(rt[a.permissionSet]), PrincipalType: typ, PrincipalId: aws.String(id),
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// newReader returns a reader of the seeded instance with fast retries.
func newReader(t *testing.T, tweak ...func(*identityconfig.ReaderConfig)) *identityconfig.Reader {
	t.Helper()
	cfg := identityconfig.ReaderConfig{
		AWS: moto.AWSConfig(), InstanceARN: org.InstanceARN, IdentityStoreID: org.IdentityStoreID,
		Limiter:     identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 1000, Burst: 50}),
		MaxAttempts: 2, MaxBackoff: 5 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	r, err := identityconfig.NewReader(cfg)
	require.NoError(t, err)
	return r
}
