package stint_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

func TestMatchAccount(t *testing.T) {
	t.Parallel()
	payments := &stint.Account{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments", Tags: map[string]string{"env": "prod", "team": "pay"}}
	prod := &stint.Account{ID: "222222222222", Name: "prod-core", OUPath: "Prod"}
	production := &stint.Account{ID: "333333333333", Name: "production-legacy", OUPath: "Production"}
	deep := &stint.Account{ID: "444444444444", Name: "prod-deep", OUPath: "Prod/Payments/EU"}
	root := &stint.Account{ID: "555555555555", Name: "management", OUPath: ""}

	tests := []struct {
		name    string
		sel     string
		account *stint.Account
		want    bool
	}{
		{name: "account ID matches", sel: "111111111111", account: payments, want: true},
		{name: "other account ID does not match", sel: "222222222222", account: payments},
		{name: "ID is not a name", sel: "prod-payments", account: payments},
		{name: "name: matches", sel: "name:prod-payments", account: payments, want: true},
		{name: "name: ignores case", sel: "name:Prod-Payments", account: payments, want: true},
		{name: "name: needs the whole name", sel: "name:prod", account: payments},
		{name: "ou: matches the OU itself", sel: "ou:Prod", account: prod, want: true},
		{name: "ou: matches a nested OU", sel: "ou:Prod", account: payments, want: true},
		{name: "ou: matches a deeply nested OU", sel: "ou:Prod", account: deep, want: true},
		{name: "ou:Prod does not match Production", sel: "ou:Prod", account: production},
		{name: "ou: with a nested path", sel: "ou:Prod/Payments", account: deep, want: true},
		{name: "ou: nested path does not match its parent", sel: "ou:Prod/Payments", account: prod},
		{name: "ou: ignores case", sel: "ou:prod/payments", account: payments, want: true},
		{name: "ou: tolerates slashes around the path", sel: "ou:/Prod/", account: payments, want: true},
		{name: "ou: does not match root accounts", sel: "ou:Prod", account: root},
		{name: "tag: matches key and value", sel: "tag:env=prod", account: payments, want: true},
		{name: "tag: value must be equal", sel: "tag:env=dev", account: payments},
		{name: "tag: missing tag", sel: "tag:env=prod", account: prod},
		{name: "tag: empty value matches only an empty tag", sel: "tag:env=", account: payments},
		{name: "all matches any account", sel: "all", account: root, want: true},
		{name: "all matches nested accounts", sel: "all", account: deep, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, stint.MatchAccount(tt.sel, tt.account))
		})
	}
}

func TestMatchPrincipal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ref  string
		user *stint.User
		want bool
	}{
		{name: "user by email", ref: "user:alice@example.com", user: alice, want: true},
		{name: "user email ignores case", ref: "user:ALICE@Example.com", user: alice, want: true},
		{name: "other user", ref: "user:bob@example.com", user: alice},
		{name: "group member", ref: "group:Engineers", user: alice, want: true},
		{name: "group name ignores case", ref: "group:engineers", user: alice, want: true},
		{name: "not a member", ref: "group:Security", user: alice},
		{name: "user without groups", ref: "group:Engineers", user: dave},
		{name: "unknown kind", ref: "role:admin", user: alice},
		{name: "no kind", ref: "alice@example.com", user: alice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, stint.MatchPrincipal(tt.ref, tt.user))
		})
	}
}

func TestValidateSelectorsAndPrincipals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		check func(string) error
		in    string
		ok    bool
	}{
		{name: "account ID", check: stint.ValidateAccountSelector, in: "111111111111", ok: true},
		{name: "short account ID", check: stint.ValidateAccountSelector, in: "11111111111"},
		{name: "account name", check: stint.ValidateAccountSelector, in: "name:dev-002", ok: true},
		{name: "empty name", check: stint.ValidateAccountSelector, in: "name:"},
		{name: "OU", check: stint.ValidateAccountSelector, in: "ou:Prod/Payments", ok: true},
		{name: "empty OU", check: stint.ValidateAccountSelector, in: "ou:"},
		{name: "tag", check: stint.ValidateAccountSelector, in: "tag:env=prod", ok: true},
		{name: "tag with empty value", check: stint.ValidateAccountSelector, in: "tag:env=", ok: true},
		{name: "tag without value", check: stint.ValidateAccountSelector, in: "tag:env"},
		{name: "tag without key", check: stint.ValidateAccountSelector, in: "tag:=prod"},
		{name: "all", check: stint.ValidateAccountSelector, in: "all", ok: true},
		{name: "bare word", check: stint.ValidateAccountSelector, in: "prod"},
		{name: "user", check: stint.ValidatePrincipalRef, in: "user:alice@example.com", ok: true},
		{name: "group", check: stint.ValidatePrincipalRef, in: "group:Security", ok: true},
		{name: "bare group name", check: stint.ValidatePrincipalRef, in: "Security"},
		{name: "empty group", check: stint.ValidatePrincipalRef, in: "group:"},
		{name: "unknown kind", check: stint.ValidatePrincipalRef, in: "role:Admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.check(tt.in)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.Contains(t, stint.ErrorMessage(err), tt.in)
		})
	}
}

func TestFlowValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mut     func(*stint.Flow)
		wantMsg string
	}{
		{name: "valid flow", mut: func(*stint.Flow) {}},
		{name: "valid auto-approve flow without approvers", mut: func(f *stint.Flow) { f.Approvers, f.AutoApprove = nil, true }},
		{name: "no name", mut: func(f *stint.Flow) { f.Name = "" }, wantMsg: "flow without a name"},
		{name: "no requesters", mut: func(f *stint.Flow) { f.Requesters = nil }, wantMsg: "requesters is empty"},
		{name: "bad requester", mut: func(f *stint.Flow) { f.Requesters = []string{"Engineers"} }, wantMsg: `principal "Engineers"`},
		{name: "bad approver", mut: func(f *stint.Flow) { f.Approvers = []string{"team:Security"} }, wantMsg: `principal "team:Security"`},
		{name: "no max duration", mut: func(f *stint.Flow) { f.MaxDuration = 0 }, wantMsg: "max_duration is required"},
		{name: "default above max", mut: func(f *stint.Flow) { f.DefaultDuration = stint.Duration(5 * time.Hour) }, wantMsg: "default_duration 5h exceeds max_duration 4h"},
		{name: "no approvers and no auto-approve", mut: func(f *stint.Flow) { f.Approvers = nil }, wantMsg: "set approvers, approval_steps or auto_approve"},
		{name: "no resources", mut: func(f *stint.Flow) { f.Resources = nil }, wantMsg: "resources is empty"},
		{name: "resource without selector", mut: func(f *stint.Flow) { f.Resources = []stint.FlowResource{{}} }, wantMsg: "resources[0]: set one of identity_center, s3, ec2, eks, rds, iam_role or iam_group"},
		{
			name: "selector without accounts",
			mut: func(f *stint.Flow) {
				f.Resources[0].IdentityCenter = &stint.IdentityCenterSelector{PermissionSets: []string{"ReadOnlyAccess"}}
			},
			wantMsg: "resources[0]: identity_center needs accounts and permission_sets",
		},
		{
			name: "selector without permission sets",
			mut: func(f *stint.Flow) {
				f.Resources[0].IdentityCenter = &stint.IdentityCenterSelector{Accounts: []string{"all"}}
			},
			wantMsg: "resources[0]: identity_center needs accounts and permission_sets",
		},
		{
			name:    "bad account selector",
			mut:     func(f *stint.Flow) { f.Resources[0].IdentityCenter.Accounts = []string{"Prod"} },
			wantMsg: `account selector "Prod"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := prodFlow()
			tt.mut(f)
			err := f.Validate()
			if tt.wantMsg == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.Contains(t, stint.ErrorMessage(err), tt.wantMsg)
		})
	}
}

func TestFlowSettings(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	tests := []struct {
		name       string
		mut        func(*stint.Flow)
		dflt       time.Duration
		timeout    time.Duration
		extensions int
		reason     bool
	}{
		{name: "defaults", mut: func(*stint.Flow) {}, dflt: time.Hour, timeout: 24 * time.Hour, extensions: 3, reason: true},
		{
			name: "explicit settings",
			mut: func(f *stint.Flow) {
				f.DefaultDuration, f.ReviewTimeout, f.MaxExtensions, f.RequireReason = stint.Duration(2*time.Hour), stint.Duration(time.Hour), 5, &no
			},
			dflt: 2 * time.Hour, timeout: time.Hour, extensions: 5, reason: false,
		},
		{name: "default capped by max", mut: func(f *stint.Flow) { f.MaxDuration = stint.Duration(15 * time.Minute) }, dflt: 15 * time.Minute, timeout: 24 * time.Hour, extensions: 3, reason: true},
		{name: "no extensions", mut: func(f *stint.Flow) { f.MaxExtensions = -1; f.RequireReason = &yes }, dflt: time.Hour, timeout: 24 * time.Hour, extensions: 0, reason: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := prodFlow()
			tt.mut(f)
			require.Equal(t, tt.dflt, f.Default())
			require.Equal(t, tt.timeout, f.Timeout())
			require.Equal(t, tt.extensions, f.ExtensionLimit())
			require.Equal(t, tt.reason, f.ReasonRequired())
		})
	}
}

func testDirectory() *stint.Directory {
	return &stint.Directory{
		Users: []stint.User{*alice, *bob, *carol, *dave, *eve},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod-payments", OUPath: "Prod/Payments"},
			{ID: "222222222222", Name: "sandbox-001", OUPath: "Sandbox"},
			{ID: "333333333333", Name: "production-legacy", OUPath: "Production"},
			{ID: "444444444444", Name: "dev-002", OUPath: "Dev"},
		},
		PermissionSets: []stint.PermissionSet{
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin", Name: "AdministratorAccess"},
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro", Name: "ReadOnlyAccess"},
		},
	}
}

// The flows of the example stint.yaml, plus an auto-approving flow that
// overlaps prod-admin.
func testFlows() []stint.Flow {
	sandbox := *sandboxFlow()
	sandbox.Resources = []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
		Accounts: []string{"ou:Sandbox", "name:dev-002"}, PermissionSets: []string{"readonlyaccess"},
	}}}
	prodRead := stint.Flow{
		Name: "prod-read", Requesters: []string{"user:alice@example.com"}, MaxDuration: stint.Duration(time.Hour), AutoApprove: true,
		Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
			Accounts: []string{"111111111111"}, PermissionSets: []string{"AdministratorAccess"},
		}}},
	}
	return []stint.Flow{*prodFlow(), sandbox, prodRead}
}

func TestFindFlow(t *testing.T) {
	t.Parallel()
	dir := testDirectory()
	acct := func(name string) *stint.Account {
		a, err := dir.Account(name)
		require.NoError(t, err)
		return a
	}
	tests := []struct {
		name string
		user *stint.User
		acct string
		ps   string
		want string
	}{
		{name: "auto-approving flow wins although listed later", user: alice, acct: "prod-payments", ps: "AdministratorAccess", want: "prod-read"},
		{name: "only flow that covers the resource", user: carol, acct: "prod-payments", ps: "AdministratorAccess", want: "prod-admin"},
		{name: "permission set matched case-insensitively", user: alice, acct: "sandbox-001", ps: "ReadOnlyAccess", want: "sandbox-read"},
		{name: "account by name selector", user: alice, acct: "dev-002", ps: "ReadOnlyAccess", want: "sandbox-read"},
		{name: "requester not allowed", user: eve, acct: "prod-payments", ps: "AdministratorAccess"},
		{name: "permission set not covered", user: alice, acct: "prod-payments", ps: "ReadOnlyAccess"},
		{name: "ou:Prod does not cover Production", user: alice, acct: "production-legacy", ps: "AdministratorAccess"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := stint.FindFlow(testFlows(), tt.user, acct(tt.acct), tt.ps)
			if tt.want != "" {
				require.NoError(t, err)
				require.Equal(t, tt.want, f.Name)
				return
			}
			require.Nil(t, f)
			require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
			a := acct(tt.acct)
			msg := stint.ErrorMessage(err)
			for _, part := range []string{tt.user.Email, tt.ps, a.ID, a.Name, "stint resources"} {
				require.Contains(t, msg, part)
			}
		})
	}
	t.Run("first listed wins among equals", func(t *testing.T) {
		t.Parallel()
		flows := testFlows()[:1]
		second := *prodFlow()
		second.Name = "prod-admin-2"
		flows = append(flows, second)
		f, err := stint.FindFlow(flows, alice, acct("prod-payments"), "AdministratorAccess")
		require.NoError(t, err)
		require.Equal(t, "prod-admin", f.Name)
	})
}

func TestEligibleResources(t *testing.T) {
	t.Parallel()
	dir := testDirectory()
	tests := []struct {
		name string
		user *stint.User
		want []stint.Eligible
	}{
		{
			name: "engineer sees every flow's resources",
			user: alice,
			want: []stint.Eligible{
				{Flow: "prod-admin", Type: stint.ResourceSSO, ResourceID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "AdministratorAccess", Label: "AdministratorAccess", MaxDuration: stint.Duration(4 * time.Hour)},
				{Flow: "sandbox-read", Type: stint.ResourceSSO, ResourceID: "aws-sso:222222222222/ReadOnlyAccess", AccountID: "222222222222", AccountName: "sandbox-001", PermissionSet: "ReadOnlyAccess", Label: "ReadOnlyAccess", MaxDuration: stint.Duration(8 * time.Hour), AutoApprove: true},
				{Flow: "sandbox-read", Type: stint.ResourceSSO, ResourceID: "aws-sso:444444444444/ReadOnlyAccess", AccountID: "444444444444", AccountName: "dev-002", PermissionSet: "ReadOnlyAccess", Label: "ReadOnlyAccess", MaxDuration: stint.Duration(8 * time.Hour), AutoApprove: true},
				{Flow: "prod-read", Type: stint.ResourceSSO, ResourceID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "AdministratorAccess", Label: "AdministratorAccess", MaxDuration: stint.Duration(time.Hour), AutoApprove: true},
			},
		},
		{
			name: "flow by user reference is only for that user",
			user: carol,
			want: []stint.Eligible{
				{Flow: "prod-admin", Type: stint.ResourceSSO, ResourceID: "aws-sso:111111111111/AdministratorAccess", AccountID: "111111111111", AccountName: "prod-payments", PermissionSet: "AdministratorAccess", Label: "AdministratorAccess", MaxDuration: stint.Duration(4 * time.Hour)},
				{Flow: "sandbox-read", Type: stint.ResourceSSO, ResourceID: "aws-sso:222222222222/ReadOnlyAccess", AccountID: "222222222222", AccountName: "sandbox-001", PermissionSet: "ReadOnlyAccess", Label: "ReadOnlyAccess", MaxDuration: stint.Duration(8 * time.Hour), AutoApprove: true},
				{Flow: "sandbox-read", Type: stint.ResourceSSO, ResourceID: "aws-sso:444444444444/ReadOnlyAccess", AccountID: "444444444444", AccountName: "dev-002", PermissionSet: "ReadOnlyAccess", Label: "ReadOnlyAccess", MaxDuration: stint.Duration(8 * time.Hour), AutoApprove: true},
			},
		},
		{name: "non-requester sees nothing", user: eve},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, stint.EligibleResources(testFlows(), dir, tt.user))
		})
	}
}
