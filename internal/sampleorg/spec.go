package sampleorg

// Spec describes an organisation to build.
type Spec struct {
	// OUs are organisational unit paths such as "Prod/Payments". Parents are
	// created as needed; accounts' OUs need not be listed.
	OUs            []string
	Accounts       []AccountSpec
	Groups         []GroupSpec
	Users          []UserSpec
	PermissionSets []PermissionSetSpec
	// Assignments are standing (not just-in-time) account assignments: the
	// access that discovery reports and stint should turn into requests.
	Assignments []AssignmentSpec
}

// AccountSpec is a member account.
type AccountSpec struct {
	Name string
	OU   string // OU path; "" puts the account under the root
	Tags map[string]string
}

// GroupSpec is an identity store group.
type GroupSpec struct {
	Name        string
	Description string
}

// UserSpec is an identity store user. Their email is UserName@example.com
// unless Email is set.
type UserSpec struct {
	UserName   string
	GivenName  string
	FamilyName string
	Email      string
	Groups     []string // group names
}

// EmailAddress returns the user's email.
func (u UserSpec) EmailAddress() string {
	if u.Email != "" {
		return u.Email
	}
	return u.UserName + "@example.com"
}

// PermissionSetSpec is an Identity Center permission set.
type PermissionSetSpec struct {
	Name        string
	Description string
	// SessionDuration is ISO-8601, e.g. "PT1H"; "" means PT1H. It is always
	// sent: moto answers a number when it is missing and the SDK fails.
	SessionDuration string
	// ManagedPolicies are AWS managed policy names such as "ReadOnlyAccess"
	// or "job-function/ViewOnlyAccess".
	ManagedPolicies []string
	// InlinePolicy is a policy document; "" means none.
	InlinePolicy string
	// CustomerManagedPolicies are names of policies each account holds
	// itself (path "/"); IAMSpec.Policies makes them.
	CustomerManagedPolicies []string
}

// AssignmentSpec is a standing assignment of a permission set in an account
// to a user (by user name) or a group (by name); set exactly one of them.
type AssignmentSpec struct {
	Account       string // account name
	PermissionSet string // permission set name
	User          string
	Group         string
}

// DefaultSpec returns the organisation `make demo` shows: 15 member accounts
// in a landing-zone OU tree (Security, Infrastructure, Prod with Payments and
// Data under it, Staging, Dev, Sandbox), ten people in seven groups, three
// permission sets, and a few standing assignments for discovery to find.
func DefaultSpec() Spec {
	return Spec{
		OUs: []string{"Security", "Infrastructure", "Prod", "Prod/Payments", "Prod/Data", "Staging", "Dev", "Sandbox"},
		Accounts: []AccountSpec{
			{Name: "log-archive", OU: "Security", Tags: tags("env", "security", "team", "security")},
			{Name: "security-audit", OU: "Security", Tags: tags("env", "security", "team", "security")},
			{Name: "shared-network", OU: "Infrastructure", Tags: tags("env", "shared", "team", "platform")},
			{Name: "shared-tooling", OU: "Infrastructure"},
			{Name: "prod-web", OU: "Prod", Tags: tags("env", "prod", "team", "web", "cost-center", "cc-100")},
			{Name: "prod-payments", OU: "Prod/Payments", Tags: tags("env", "prod", "team", "payments", "cost-center", "cc-200", "data-class", "pci")},
			{Name: "prod-payments-dr", OU: "Prod/Payments", Tags: tags("env", "prod", "team", "payments", "cost-center", "cc-200", "data-class", "pci")},
			{Name: "prod-data", OU: "Prod/Data", Tags: tags("env", "prod", "team", "data", "cost-center", "cc-300")},
			{Name: "prod-analytics", OU: "Prod/Data", Tags: tags("env", "prod", "team", "data", "cost-center", "cc-300")},
			{Name: "staging-001", OU: "Staging", Tags: tags("env", "staging", "team", "web")},
			{Name: "dev-001", OU: "Dev", Tags: tags("env", "dev", "team", "web")},
			{Name: "dev-002", OU: "Dev", Tags: tags("env", "dev", "team", "payments")},
			{Name: "sandbox-001", OU: "Sandbox", Tags: tags("env", "sandbox")},
			{Name: "sandbox-002", OU: "Sandbox", Tags: tags("env", "sandbox")},
			{Name: "sandbox-003", OU: "Sandbox"},
		},
		Groups: []GroupSpec{
			{Name: "Engineers", Description: "Everyone who builds and runs services"},
			{Name: "Payments", Description: "Payments team"},
			{Name: "Data", Description: "Data platform team"},
			{Name: "OnCall", Description: "This week's on-call rotation"},
			{Name: "Security", Description: "Security team"},
			{Name: "Admins", Description: "Cloud platform administrators"},
			{Name: "Approvers", Description: "May approve production access"},
		},
		Users: []UserSpec{
			{UserName: "alice", GivenName: "Alice", FamilyName: "Anders", Groups: []string{"Engineers", "Payments", "OnCall"}},
			{UserName: "bob", GivenName: "Bob", FamilyName: "Brown", Groups: []string{"Engineers", "Payments"}},
			{UserName: "carol", GivenName: "Carol", FamilyName: "Chen", Groups: []string{"Security", "Approvers"}},
			{UserName: "dave", GivenName: "Dave", FamilyName: "Diaz", Groups: []string{"Engineers", "Data"}},
			{UserName: "erin", GivenName: "Erin", FamilyName: "Evans", Groups: []string{"Data"}},
			{UserName: "frank", GivenName: "Frank", FamilyName: "Fischer", Groups: []string{"Admins", "Approvers"}},
			{UserName: "grace", GivenName: "Grace", FamilyName: "Garcia", Groups: []string{"Security", "Admins"}},
			{UserName: "heidi", GivenName: "Heidi", FamilyName: "Hughes", Groups: []string{"Engineers", "OnCall"}},
			{UserName: "ivan", GivenName: "Ivan", FamilyName: "Ivanov"}, // a contractor in no group
			{UserName: "judy", GivenName: "Judy", FamilyName: "Jones", Groups: []string{"Engineers"}},
		},
		PermissionSets: []PermissionSetSpec{
			{Name: "AdministratorAccess", Description: "Full access; just in time only", SessionDuration: "PT1H", ManagedPolicies: []string{"AdministratorAccess"}},
			{Name: "PowerUserAccess", Description: "Everything but IAM and organisation management", SessionDuration: "PT4H", ManagedPolicies: []string{"PowerUserAccess"}},
			{Name: "ReadOnlyAccess", Description: "Read-only access to all services", SessionDuration: "PT8H", ManagedPolicies: []string{"ReadOnlyAccess"}},
		},
		Assignments: []AssignmentSpec{
			{Account: "prod-payments", PermissionSet: "AdministratorAccess", User: "frank"},
			{Account: "security-audit", PermissionSet: "ReadOnlyAccess", Group: "Security"},
			{Account: "log-archive", PermissionSet: "ReadOnlyAccess", Group: "Security"},
			{Account: "dev-001", PermissionSet: "PowerUserAccess", Group: "Engineers"},
			{Account: "sandbox-001", PermissionSet: "AdministratorAccess", User: "judy"},
		},
	}
}

func tags(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}
