package sampleorg

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/stint-dev/stint"
)

// Messy names the accounts and people of MessySpec that tests look for.
const (
	MessyDeniedAccount = "locked-out" // its member role refuses stint: tests deny AssumeRole into it
	MessyOutsider      = "999999999999"
)

// Documents of MessySpec.
const (
	docAdmin     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	docDeployRW  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudformation:*","s3:PutObject"],"Resource":"*"}]}`
	docPutObject = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::artifacts/*"}]}`
	docRead      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`
	docBilling   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ce:Get*","budgets:View*"],"Resource":"*"}]}`
)

// MessySpec returns an organisation with the standing access that
// `stint discover` exists to find, dated relative to now, and its IAM:
//
//   - standing admin: group Admins (frank, grace) with AdministratorAccess
//     in prod-payments; judy alone with AdministratorAccess in sandbox-001,
//     whose role nobody ever used in its 300 days; dave with Deployer in
//     prod-web, admin-equivalent there only because prod-web's customer
//     managed policy "deploy" allows "*" (in dev-001 the same permission
//     set only writes, for erin); IAM user old-admin in prod-web with "*",
//     a console password without MFA, unused for 300 days;
//   - wide access: group Engineers (alice, bob, dave, heidi, judy) with
//     PowerUserAccess in dev-001;
//   - read-only: group Security (carol, grace) with ReadOnlyAccess in
//     prod-payments and prod-web, used yesterday; ivan with ReadOnlyAccess
//     in legacy, unused for 200 days; group Finance with Billing in every
//     account;
//   - IAM: ci-deploy in prod-web with a 400-day-old key used 3 days ago;
//     svc-report in legacy with a 200-day-old key never used; dev-bob in
//     dev-001 with a password and MFA, used today (nothing to report);
//     alice in shared-tooling, whose group ops is admin-equivalent (tests
//     record that membership as a grant's: not standing);
//   - trust: vendor-audit in prod-payments, assumable by account
//     999999999999 with an external ID; break-glass in prod-web, assumable
//     by anyone, with "*"; cross-dev in dev-001, assumable by prod-web
//     (inside the organisation: not a finding);
//   - locked-out, an account whose member role tests make refuse stint.
//
// The Identity Center roles of the assignments exist (moto makes none)
// with the last uses above; creation dates, key ages and last uses need
// motoserver.Options.IAMExtensions.
func MessySpec(now time.Time) (Spec, IAMSpec) {
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * 24 * time.Hour) }
	spec := Spec{
		OUs: []string{"Prod", "Prod/Payments", "Dev", "Sandbox", "Infrastructure", "Legacy"},
		Accounts: []AccountSpec{
			{Name: "prod-payments", OU: "Prod/Payments"},
			{Name: "prod-web", OU: "Prod"},
			{Name: "dev-001", OU: "Dev"},
			{Name: "sandbox-001", OU: "Sandbox"},
			{Name: "shared-tooling", OU: "Infrastructure"},
			{Name: "legacy", OU: "Legacy"},
			{Name: MessyDeniedAccount, OU: "Legacy"},
		},
		Groups: []GroupSpec{{Name: "Engineers"}, {Name: "Admins"}, {Name: "Security"}, {Name: "Finance"}},
		Users: []UserSpec{
			{UserName: "alice", GivenName: "Alice", FamilyName: "Anders", Groups: []string{"Engineers"}},
			{UserName: "bob", GivenName: "Bob", FamilyName: "Brown", Groups: []string{"Engineers"}},
			{UserName: "carol", GivenName: "Carol", FamilyName: "Chen", Groups: []string{"Security", "Finance"}},
			{UserName: "dave", GivenName: "Dave", FamilyName: "Diaz", Groups: []string{"Engineers"}},
			{UserName: "erin", GivenName: "Erin", FamilyName: "Evans"},
			{UserName: "frank", GivenName: "Frank", FamilyName: "Fischer", Groups: []string{"Admins"}},
			{UserName: "grace", GivenName: "Grace", FamilyName: "Garcia", Groups: []string{"Admins", "Security"}},
			{UserName: "heidi", GivenName: "Heidi", FamilyName: "Hughes", Groups: []string{"Engineers", "Finance"}},
			{UserName: "ivan", GivenName: "Ivan", FamilyName: "Ivanov"},
			{UserName: "judy", GivenName: "Judy", FamilyName: "Jones", Groups: []string{"Engineers"}},
		},
		PermissionSets: []PermissionSetSpec{
			{Name: "AdministratorAccess", SessionDuration: "PT1H", ManagedPolicies: []string{"AdministratorAccess"}},
			{Name: "PowerUserAccess", SessionDuration: "PT4H", ManagedPolicies: []string{"PowerUserAccess"}},
			{Name: "ReadOnlyAccess", SessionDuration: "PT8H", ManagedPolicies: []string{"ReadOnlyAccess"}},
			{Name: "Deployer", SessionDuration: "PT2H", CustomerManagedPolicies: []string{"deploy"}},
			{Name: "Billing", SessionDuration: "PT4H", InlinePolicy: docBilling},
		},
		Assignments: []AssignmentSpec{
			{Account: "prod-payments", PermissionSet: "AdministratorAccess", Group: "Admins"},
			{Account: "sandbox-001", PermissionSet: "AdministratorAccess", User: "judy"},
			{Account: "prod-web", PermissionSet: "Deployer", User: "dave"},
			{Account: "dev-001", PermissionSet: "Deployer", User: "erin"},
			{Account: "dev-001", PermissionSet: "PowerUserAccess", Group: "Engineers"},
			{Account: "prod-payments", PermissionSet: "ReadOnlyAccess", Group: "Security"},
			{Account: "prod-web", PermissionSet: "ReadOnlyAccess", Group: "Security"},
			{Account: "legacy", PermissionSet: "ReadOnlyAccess", User: "ivan"},
		},
	}
	for _, a := range spec.Accounts {
		spec.Assignments = append(spec.Assignments, AssignmentSpec{Account: a.Name, PermissionSet: "Billing", Group: "Finance"})
	}
	saml := func(account, ps string, created, used int) SSORoleSpec {
		r := SSORoleSpec{Account: account, PermissionSet: ps, Created: ago(created)}
		if used >= 0 {
			r.LastUsed = ago(used)
		}
		return r
	}
	iamSpec := IAMSpec{
		Policies: []IAMPolicySpec{
			{Account: "prod-web", Name: "deploy", Document: docAdmin},
			{Account: "dev-001", Name: "deploy", Document: docDeployRW},
			{Account: "prod-web", Name: "admin-all", Document: docAdmin},
		},
		Groups: []IAMGroupSpec{{Account: "shared-tooling", Name: "ops", InlinePolicy: docAdmin}},
		Users: []IAMUserSpec{
			{Account: "prod-web", Name: "old-admin", Password: true, Policies: []string{"admin-all"},
				Created: ago(500), PasswordLastUsed: ago(300)},
			{Account: "prod-web", Name: "ci-deploy", AccessKeys: 1, InlinePolicy: docPutObject,
				Created: ago(420), KeysCreated: ago(400), KeysLastUsed: ago(3)},
			{Account: "legacy", Name: "svc-report", AccessKeys: 1, InlinePolicy: docRead,
				Created: ago(210), KeysCreated: ago(200)},
			{Account: "dev-001", Name: "dev-bob", Password: true, MFA: true, Created: ago(50), PasswordLastUsed: ago(0)},
			{Account: "shared-tooling", Name: "alice", Groups: []string{"ops"}, AccessKeys: 1, UseKeys: true},
		},
		Roles: []IAMRoleSpec{
			{Account: "prod-payments", Name: "vendor-audit", InlinePolicy: docRead,
				Trust: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + MessyOutsider + `:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"audit-7"}}}]}`},
			{Account: "prod-web", Name: "break-glass", InlinePolicy: docAdmin,
				Trust: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`},
			{Account: "dev-001", Name: "cross-dev", InlinePolicy: docRead,
				Trust: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{account:prod-web}:root"},"Action":"sts:AssumeRole"}]}`},
		},
		SSORoles: []SSORoleSpec{
			saml("prod-payments", "AdministratorAccess", 400, 2),
			saml("sandbox-001", "AdministratorAccess", 300, -1),
			saml("prod-web", "Deployer", 400, 1),
			saml("dev-001", "Deployer", 400, 5),
			saml("dev-001", "PowerUserAccess", 400, 1),
			saml("prod-payments", "ReadOnlyAccess", 400, 1),
			saml("prod-web", "ReadOnlyAccess", 400, 1),
			saml("legacy", "ReadOnlyAccess", 400, 200),
		},
	}
	for _, a := range spec.Accounts {
		if a.Name != MessyDeniedAccount {
			iamSpec.SSORoles = append(iamSpec.SSORoles, saml(a.Name, "Billing", 400, 10))
		}
	}
	return spec, iamSpec
}

// SeedMessy seeds MessySpec (dated relative to now) and what stint holds in
// it for grants, as stint would have made it, and returns the effects that
// stint's ledger records for that: alice's just-in-time
// AdministratorAccess in prod-web; bob's assignment of a stint-s3
// permission set (tagged stint:managed=true, which needs
// motoserver.Options.SSOAdminExtensions) in prod-payments; alice's IAM
// group membership ops in shared-tooling; and bob's ReadOnlyAccess in
// prod-web, which existed before a grant adopted it (standing access that a
// grant holds too).
func SeedMessy(ctx context.Context, cfg aws.Config, now time.Time) (*Org, []*stint.Effect, error) {
	spec, iamSpec := MessySpec(now)
	o, err := Seed(ctx, cfg, spec)
	if err != nil {
		return nil, nil, err
	}
	if err := SeedIAM(ctx, cfg, o, iamSpec, 0); err != nil {
		return nil, nil, err
	}
	sso := ssoadmin.NewFromConfig(cfg)
	ps, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(o.InstanceARN),
		Name: aws.String("stint-s3-0123456789abcdef"), Description: aws.String("stint: read on S3 bucket payments-logs in " + o.Accounts["prod-payments"]),
		SessionDuration: aws.String("PT1H"), Tags: []ssotypes.Tag{{Key: aws.String("stint:managed"), Value: aws.String("true")}}})
	if err != nil {
		return nil, nil, fmt.Errorf("seed messy organisation: stint's permission set: %w", err)
	}
	stintPS := aws.ToString(ps.PermissionSet.PermissionSetArn)
	held := []struct {
		account, ps, user string
		preexisting       bool
	}{
		{"prod-web", o.PermissionSets["AdministratorAccess"], "alice", false},
		{"prod-payments", stintPS, "bob", false},
		{"prod-web", o.PermissionSets["ReadOnlyAccess"], "bob", true},
	}
	var ledger []*stint.Effect
	for _, h := range held {
		id := o.Users[h.user+"@example.com"]
		_, err := sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(o.InstanceARN),
			TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(o.Accounts[h.account]), PermissionSetArn: aws.String(h.ps),
			PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(id)})
		if err != nil {
			return nil, nil, fmt.Errorf("seed messy organisation: %s's assignment: %w", h.user, err)
		}
		ledger = append(ledger, &stint.Effect{Key: stint.SSOEffectKey(o.Accounts[h.account], h.ps, id), Kind: stint.EffectKindSSO,
			AccountID: o.Accounts[h.account], PermissionSetARN: h.ps, PrincipalType: "USER", PrincipalID: id, Subject: h.user,
			State: stint.EffectPresent, Preexisting: h.preexisting, Holders: []string{"g-" + h.user + "-" + h.account},
			CreatedAt: now, UpdatedAt: now})
	}
	tooling := o.Accounts["shared-tooling"]
	ledger = append(ledger, &stint.Effect{Key: "aws-iam-group:" + tooling + "|ops|alice", Kind: string(stint.ResourceIAMGroup), AccountID: tooling,
		PrincipalType: "USER", PrincipalID: o.Users["alice@example.com"], Subject: "alice", Target: "ops",
		Spec: map[string]string{"name": "ops"}, State: stint.EffectPresent, Holders: []string{"g-alice-ops"}, CreatedAt: now, UpdatedAt: now})
	return o, ledger, nil
}
