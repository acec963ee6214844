package stint

import (
	"context"
	"time"
)

// A Scan is one inventory of the organisation's standing access, made by
// package discovery (`stint discover`): what Identity Center and IAM give
// people without a request, judged as findings with risk scores. Scans are
// stored with their time so that two can be compared (DiffScans).

// EventDiscoveryScanned is the audit event of a stored scan.
const EventDiscoveryScanned = "discovery.scanned"

// FindingKind is what a finding is about.
type FindingKind string

// Finding kinds. docs/discovery.md says how each is found and scored.
const (
	// FindingStandingAdmin: standing admin-equivalent access (an Identity
	// Center assignment of an admin-equivalent permission set, or an IAM
	// user whose policies are).
	FindingStandingAdmin FindingKind = "standing_admin"
	// FindingUnused: standing access nobody used for the threshold's days.
	FindingUnused FindingKind = "unused"
	// FindingLongLivedKey: an active IAM access key older than the
	// threshold.
	FindingLongLivedKey FindingKind = "long_lived_key"
	// FindingNoMFA: an IAM user with a console password and no MFA device.
	FindingNoMFA FindingKind = "no_mfa"
	// FindingExternalTrust: an IAM role that principals outside the
	// organisation (or anyone) may assume.
	FindingExternalTrust FindingKind = "external_trust"
	// FindingWideAccess: the same access held by many people.
	FindingWideAccess FindingKind = "wide_access"
)

// FindingKinds lists every kind.
var FindingKinds = []FindingKind{FindingStandingAdmin, FindingExternalTrust, FindingNoMFA, FindingLongLivedKey,
	FindingWideAccess, FindingUnused}

// Known reports whether k is one of FindingKinds.
func (k FindingKind) Known() bool {
	for _, known := range FindingKinds {
		if k == known {
			return true
		}
	}
	return false
}

// Severities, from a finding's score.
const (
	SeverityCritical = "critical" // 80 and more
	SeverityHigh     = "high"     // 60 to 79
	SeverityMedium   = "medium"   // 40 to 59
	SeverityLow      = "low"      // under 40
)

// Severities lists the severities, highest first.
var Severities = []string{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow}

// Severity returns the band of a score from 0 to 100.
func Severity(score int) string {
	switch {
	case score >= 80:
		return SeverityCritical
	case score >= 60:
		return SeverityHigh
	case score >= 40:
		return SeverityMedium
	}
	return SeverityLow
}

// Finding is one risk a scan found, with a score and a one-line reason.
type Finding struct {
	// Key identifies what the finding is about, the same in every scan
	// (kind, account, principal, resource): DiffScans matches by it.
	Key   string      `json:"key"`
	Kind  FindingKind `json:"kind"`
	Score int         `json:"score"` // 0 to 100; docs/discovery.md has the formula
	// Severity is Severity(Score).
	Severity    string `json:"severity"`
	AccountID   string `json:"account_id,omitempty"`
	AccountName string `json:"account_name,omitempty"`
	// Principal is who holds the access: "user:EMAIL" or "group:NAME"
	// (Identity Center), "iam-user:NAME" or "iam-role:NAME" (IAM, in the
	// account); "" for findings about a resource (wide access).
	Principal string `json:"principal,omitempty"`
	// Resource is what the access is to: a resource ID
	// ("aws-sso:111111111111/AdministratorAccess") or an IAM ARN.
	Resource string `json:"resource,omitempty"`
	Reason   string `json:"reason"`
	// Details are the facts the reason summarises, e.g. "members",
	// "last_used", "age_days", "trusted".
	Details map[string]string `json:"details,omitempty"`
}

// FindingKey returns the key of a finding of kind about principal's access
// to resource in the account.
func FindingKey(kind FindingKind, accountID, principal, resource string) string {
	return string(kind) + "|" + accountID + "|" + principal + "|" + resource
}

// ScanAccount is one account of a scan and whether its IAM could be read.
type ScanAccount struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	OUPath string `json:"ou_path,omitempty"`
	// Scanned reports whether the account's IAM was read; when false,
	// Error says why (the member role refused, IAM denied a call) and the
	// account's IAM users and roles are missing from the scan. Its Identity
	// Center assignments are read either way.
	Scanned bool   `json:"scanned"`
	Error   string `json:"error,omitempty"`
}

// ScanSummary counts what a scan found.
type ScanSummary struct {
	Accounts        int `json:"accounts"`
	AccountsScanned int `json:"accounts_scanned"`
	PermissionSets  int `json:"permission_sets"`
	// AdminPermissionSets are admin-equivalent in every account (their
	// managed and inline policies say so; customer managed policies are
	// judged per account).
	AdminPermissionSets int `json:"admin_permission_sets"`
	// StandingAssignments are Identity Center assignments that exist
	// without a request; StandingPeople the identity store users they
	// reach, groups expanded.
	StandingAssignments int `json:"standing_assignments"`
	StandingPeople      int `json:"standing_people"`
	// HeldByStint are the assignments stint holds for grants: just in
	// time, never reported as standing.
	HeldByStint int `json:"held_by_stint"`
	IAMUsers    int `json:"iam_users"`
	// IAMRoles are the roles that other accounts, or anyone, may assume.
	IAMRoles   int                 `json:"iam_roles"`
	Findings   int                 `json:"findings"`
	ByKind     map[FindingKind]int `json:"by_kind"`
	BySeverity map[string]int      `json:"by_severity"`
	// TotalScore sums the findings' scores: one number to follow over time.
	TotalScore int `json:"total_score"`
	// Calls counts the AWS requests the scan sent, by service.
	Calls      map[string]int `json:"calls,omitempty"`
	DurationMS int64          `json:"duration_ms"`
}

// Scan is one discovery run: its accounts, summary, findings and
// inventory. Listings (ScanList) leave Findings and Inventory out.
type Scan struct {
	ID          string        `json:"id"`
	StartedAt   time.Time     `json:"started_at"`
	FinishedAt  time.Time     `json:"finished_at"`
	InstanceARN string        `json:"instance_arn"`
	Summary     ScanSummary   `json:"summary"`
	Accounts    []ScanAccount `json:"accounts"`
	// Notes say what could not be read or judged, and why.
	Notes     []string   `json:"notes,omitempty"`
	Findings  []Finding  `json:"findings,omitempty"`
	Inventory *Inventory `json:"inventory,omitempty"`
}

// AccessLevel is how much a set of policies allows.
type AccessLevel string

// Access levels, highest first.
const (
	// AccessAdmin is admin-equivalent: full access, or the means to grant
	// oneself full access (iam:* , policy attachment, iam:PassRole with a
	// service that runs code).
	AccessAdmin AccessLevel = "admin"
	// AccessWrite changes something.
	AccessWrite AccessLevel = "write"
	// AccessRead only reads (Get, List, Describe and the like).
	AccessRead AccessLevel = "read"
)

// Inventory is what a scan read: the standing access and what it allows.
type Inventory struct {
	// Users and Groups are the identity store's, for expanding group
	// assignments (a user's Groups are group names).
	Users          []User                   `json:"users"`
	Groups         []Group                  `json:"groups"`
	PermissionSets []InventoryPermissionSet `json:"permission_sets"`
	// Assignments are the standing Identity Center assignments.
	Assignments []InventoryAssignment `json:"assignments"`
	// Held are the assignments stint holds for grants (its ledger's, and
	// those of its own permission sets): listed, never judged.
	Held []InventoryAssignment `json:"held,omitempty"`
	// SSORoles are the IAM roles Identity Center made for permission sets
	// in the scanned accounts, with their last use.
	SSORoles []SSORole `json:"sso_roles,omitempty"`
	IAMUsers []IAMUser `json:"iam_users,omitempty"`
	// IAMRoles are the roles other accounts or any principal may assume.
	IAMRoles []IAMRole `json:"iam_roles,omitempty"`
}

// InventoryPermissionSet is a permission set and what it allows.
type InventoryPermissionSet struct {
	ARN             string `json:"arn"`
	Name            string `json:"name"`
	Description     string `json:"description,omitempty"`
	SessionDuration string `json:"session_duration,omitempty"` // ISO 8601, PT1H
	// ManagedPolicies are AWS managed policy ARNs.
	ManagedPolicies []string `json:"managed_policies,omitempty"`
	// CustomerManagedPolicies are references ("/path/name") to policies
	// that each account holds itself; Access judges them per account.
	CustomerManagedPolicies []string `json:"customer_managed_policies,omitempty"`
	InlinePolicy            string   `json:"inline_policy,omitempty"`
	PermissionsBoundary     string   `json:"permissions_boundary,omitempty"`
	// StintManaged marks stint's own permission sets (stint-*, tagged
	// stint:managed=true): their assignments are grants, never standing.
	StintManaged bool `json:"stint_managed,omitempty"`
	// Access and AccessReason judge the managed and inline policies (and
	// the boundary); assignments judge customer managed ones per account.
	Access       AccessLevel `json:"access"`
	AccessReason string      `json:"access_reason"`
}

// InventoryAssignment is an Identity Center account assignment.
type InventoryAssignment struct {
	AccountID        string `json:"account_id"`
	PermissionSetARN string `json:"permission_set_arn"`
	PermissionSet    string `json:"permission_set"`
	PrincipalType    string `json:"principal_type"` // USER or GROUP
	PrincipalID      string `json:"principal_id"`
	// PrincipalName is the user's user name or the group's name; "" when
	// the identity store no longer has the principal.
	PrincipalName string `json:"principal_name,omitempty"`
	// Access is what the permission set allows in this account (its
	// customer managed policies are the account's).
	Access       AccessLevel `json:"access"`
	AccessReason string      `json:"access_reason,omitempty"`
	// HeldByGrant marks standing access that a grant also holds now: stint
	// found it when granting and never removes it.
	HeldByGrant bool `json:"held_by_grant,omitempty"`
}

// ResourceID returns "aws-sso:ACCOUNT/PERMISSION_SET".
func (a *InventoryAssignment) ResourceID() string { return ResourceID(a.AccountID, a.PermissionSet) }

// Key identifies the assignment: "ACCOUNT|PERMISSION_SET_ARN|TYPE|PRINCIPAL_ID".
func (a *InventoryAssignment) Key() string {
	return a.AccountID + "|" + a.PermissionSetARN + "|" + a.PrincipalType + "|" + a.PrincipalID
}

// SSORole is the IAM role Identity Center made in an account for a
// permission set; its last use is the last use of that permission set in
// that account by anyone.
type SSORole struct {
	AccountID     string     `json:"account_id"`
	PermissionSet string     `json:"permission_set"`
	RoleName      string     `json:"role_name"`
	CreatedAt     time.Time  `json:"created_at"`
	LastUsed      *time.Time `json:"last_used,omitempty"`
}

// IAMUser is an IAM user of a member account and its credentials.
type IAMUser struct {
	AccountID string    `json:"account_id"`
	UserName  string    `json:"user_name"`
	ARN       string    `json:"arn"`
	CreatedAt time.Time `json:"created_at"`
	// Password reports a console password; PasswordLastUsed its last use.
	Password         bool        `json:"password"`
	PasswordLastUsed *time.Time  `json:"password_last_used,omitempty"`
	MFA              bool        `json:"mfa"`
	AccessKeys       []AccessKey `json:"access_keys,omitempty"`
	// Groups are the user's IAM groups, without those stint grants.
	Groups []string `json:"groups,omitempty"`
	// Policies are the user's and its groups' policies: managed policy
	// ARNs, and "inline:NAME" or "GROUP/inline:NAME".
	Policies     []string      `json:"policies,omitempty"`
	Access       AccessLevel   `json:"access"`
	AccessReason string        `json:"access_reason,omitempty"`
	Services     *ServiceUsage `json:"services,omitempty"`
}

// LastActivity returns the user's latest password or access key use, or
// nil when neither was ever used.
func (u *IAMUser) LastActivity() *time.Time {
	last := u.PasswordLastUsed
	for _, k := range u.AccessKeys {
		if k.LastUsed != nil && (last == nil || k.LastUsed.After(*last)) {
			last = k.LastUsed
		}
	}
	return last
}

// AccessKey is one of an IAM user's (at most two) access keys, as the
// credential report numbers them.
type AccessKey struct {
	Slot      int        `json:"slot"`
	Active    bool       `json:"active"`
	CreatedAt *time.Time `json:"created_at,omitempty"` // created or last rotated
	LastUsed  *time.Time `json:"last_used,omitempty"`
	// LastService is the service the key last called, when AWS says.
	LastService string `json:"last_service,omitempty"`
}

// IAMRole is an IAM role that other accounts, or anyone, may assume.
type IAMRole struct {
	AccountID    string             `json:"account_id"`
	RoleName     string             `json:"role_name"`
	ARN          string             `json:"arn"`
	Path         string             `json:"path,omitempty"`
	CreatedAt    time.Time          `json:"created_at"`
	LastUsed     *time.Time         `json:"last_used,omitempty"`
	Trusts       []TrustedPrincipal `json:"trusts"`
	Access       AccessLevel        `json:"access"`
	AccessReason string             `json:"access_reason,omitempty"`
	Services     *ServiceUsage      `json:"services,omitempty"`
}

// TrustedPrincipal is an AWS principal another account's role trusts.
type TrustedPrincipal struct {
	// Principal as the trust policy names it: "*", an account ID, or an
	// ARN in an account.
	Principal string `json:"principal"`
	// AccountID is the principal's account; "" for "*".
	AccountID string `json:"account_id,omitempty"`
	// Outside reports an account that is not the organisation's, or "*".
	Outside bool `json:"outside"`
	// Conditions are the condition keys that restrict the statement
	// (sts:ExternalId, aws:PrincipalOrgID, ...).
	Conditions []string `json:"conditions,omitempty"`
}

// ServiceUsage is IAM's service last accessed data for a user or role:
// how many services its policies allow and how many it used.
type ServiceUsage struct {
	Granted int `json:"granted"`
	// Used is how many of them it called within IAM's tracking period.
	Used int `json:"used"`
	// LastAuthenticated is its latest call to any of them.
	LastAuthenticated *time.Time `json:"last_authenticated,omitempty"`
}

// ScanListParams filters ScanList. Results are newest first.
type ScanListParams struct {
	Limit int // default 50, at most 1000
}

// FindingListParams filters FindingList. Results are by score, highest
// first, then by key.
type FindingListParams struct {
	ScanID string // required
	// Kinds keeps findings of these kinds; empty means all.
	Kinds []FindingKind
	// MinScore keeps findings scoring at least this much.
	MinScore int
	// Account keeps the findings of the account with this ID or name (any
	// case).
	Account string
	// Principal keeps findings whose principal contains it (any case).
	Principal string
	Offset    int // rows to skip, for pages
	Limit     int // default 1000, at most 10000
}

// ScanByRef returns the scan a person names: "latest" (or ""), "previous"
// (the one before the latest), or a scan ID. It returns ENOTFOUND saying
// what exists.
func ScanByRef(ctx context.Context, r Reader, ref string) (*Scan, error) {
	switch ref {
	case "", "latest":
		return r.ScanGet(ctx, "latest")
	case "previous":
		list, err := r.ScanList(ctx, &ScanListParams{Limit: 2})
		if err != nil {
			return nil, err
		}
		if len(list) < 2 {
			return nil, Errorf(ENOTFOUND, "there is no scan before the latest; run `stint discover` again to compare two")
		}
		return r.ScanGet(ctx, list[1].ID)
	}
	return r.ScanGet(ctx, ref)
}
