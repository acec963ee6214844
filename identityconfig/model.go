package identityconfig

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/stint-dev/stint/provider/identitycenter"
)

// Desired is the Identity Center set-up that one file, or a folder of files
// merged, describes. Parse and Load return it validated and normalised:
// managed policies as ARNs, inline policies as canonical JSON, session
// durations defaulted to one hour.
type Desired struct {
	// Users are identity store users. They, Groups and memberships are only
	// managed when ManagesIdentities is true.
	Users []User `yaml:"users" json:"users,omitempty"`
	// Groups are identity store groups with their members.
	Groups []Group `yaml:"groups" json:"groups,omitempty"`
	// PermissionSets are the instance's permission sets.
	PermissionSets []PermissionSet `yaml:"permission_sets" json:"permission_sets,omitempty"`
	// Assignments give permission sets to users and groups in accounts.
	Assignments []Assignment `yaml:"assignments" json:"assignments,omitempty"`
	// ManagesIdentities is true when a file has a users or groups section:
	// the organisation's identity source is Identity Center's own
	// directory. Leave both sections out when an external IdP (SCIM) owns
	// users and groups; assignments then name them as the IdP synced them.
	ManagesIdentities bool `yaml:"-" json:"manages_identities"`
}

// User is an identity store user, named by UserName.
type User struct {
	UserName    string `yaml:"user_name" json:"user_name"`
	DisplayName string `yaml:"display_name" json:"display_name,omitempty"` // default: "GivenName FamilyName"
	GivenName   string `yaml:"given_name" json:"given_name"`
	FamilyName  string `yaml:"family_name" json:"family_name"`
	Email       string `yaml:"email" json:"email,omitempty"`
	src         *source
}

// Group is an identity store group. Members are user names; when Members is
// nil (the key is left out) the group's memberships are not managed, and
// when it is an empty list the group is managed as having no members.
type Group struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description,omitempty"`
	Members     []string `yaml:"members" json:"members"`
	src         *source
}

// PermissionSet is an Identity Center permission set.
type PermissionSet struct {
	Name            string          `yaml:"name" json:"name"`
	Description     string          `yaml:"description" json:"description,omitempty"`
	SessionDuration SessionDuration `yaml:"session_duration" json:"session_duration"` // default PT1H
	RelayState      string          `yaml:"relay_state" json:"relay_state,omitempty"`
	// ManagedPolicies are AWS managed policy ARNs; the file may give names
	// ("ReadOnlyAccess", "job-function/ViewOnlyAccess").
	ManagedPolicies []ManagedPolicy `yaml:"managed_policies" json:"managed_policies,omitempty"`
	// CustomerManagedPolicies are references to policies that must exist in
	// every account the permission set is provisioned to.
	CustomerManagedPolicies []PolicyRef `yaml:"customer_managed_policies" json:"customer_managed_policies,omitempty"`
	// InlinePolicy is canonical JSON; the file may give a JSON string or a
	// YAML mapping.
	InlinePolicy        InlinePolicy      `yaml:"inline_policy" json:"inline_policy,omitempty"`
	PermissionsBoundary *Boundary         `yaml:"permissions_boundary" json:"permissions_boundary,omitempty"`
	Tags                map[string]string `yaml:"tags" json:"tags,omitempty"`
	// External marks a permission set that exists but that this file does
	// not manage: assignments may name it, and Diff never changes it. An
	// external permission set declares nothing but its name.
	External bool `yaml:"external" json:"external,omitempty"`
	src      *source
}

// PolicyRef names a customer managed policy: Path defaults to "/".
type PolicyRef struct {
	Name string `yaml:"name" json:"name"`
	Path string `yaml:"path" json:"path"`
}

// String formats the reference as PATH NAME, e.g. "/team/Deploy".
func (r PolicyRef) String() string { return r.Path + r.Name }

// Boundary is a permissions boundary: an AWS managed policy or a customer
// managed policy reference, exactly one.
type Boundary struct {
	ManagedPolicy         ManagedPolicy `yaml:"managed_policy" json:"managed_policy,omitempty"`
	CustomerManagedPolicy *PolicyRef    `yaml:"customer_managed_policy" json:"customer_managed_policy,omitempty"`
}

// String describes the boundary for plans.
func (b *Boundary) String() string {
	switch {
	case b == nil:
		return "(none)"
	case b.CustomerManagedPolicy != nil:
		return "customer managed " + b.CustomerManagedPolicy.String()
	}
	return string(b.ManagedPolicy)
}

// UsesAccountTags reports whether an assignment selects accounts by tag,
// so that reading the organisation must include the accounts' tags.
func (d *Desired) UsesAccountTags() bool {
	for _, a := range d.Assignments {
		for _, sel := range append(append([]Selector(nil), a.Accounts...), a.Except...) {
			if strings.HasPrefix(string(sel), "tag:") {
				return true
			}
		}
	}
	return false
}

// Assignment assigns a permission set to a principal in every account that
// Accounts selects and Except does not.
type Assignment struct {
	Principal     Principal  `yaml:"principal" json:"principal"`
	PermissionSet string     `yaml:"permission_set" json:"permission_set"`
	Accounts      []Selector `yaml:"accounts" json:"accounts"`
	Except        []Selector `yaml:"except" json:"except,omitempty"`
	src           *source
}

// source is where a declaration came from, to place later problems.
type source struct {
	file  string
	path  string              // "$.assignments[3]"
	nodes map[string]ast.Node // the file's nodes by path
	bad   map[string]bool     // the file's paths that did not decode
}

// problem returns a problem placed at the node at s.path+sub, or at the
// declaration itself when that node is missing.
func (s *source) problem(sub, format string, args ...any) Problem {
	p := Problem{Message: fmt.Sprintf(format, args...)}
	if s == nil {
		return p
	}
	p.File = s.file
	n, ok := s.nodes[s.path+sub]
	if !ok {
		n = s.nodes[s.path]
	}
	if n != nil {
		p.Line, p.Col = position(n)
	}
	return p
}

// Where returns "FILE:LINE:COL" of the declaration, or "" when it was not
// read from a file.
func (s *source) where() string {
	if s == nil {
		return ""
	}
	p := s.problem("", "")
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// has reports whether the declaration has a node at s.path+sub.
func (s *source) has(sub string) bool {
	if s == nil {
		return false
	}
	_, ok := s.nodes[s.path+sub]
	return ok
}

// failed reports whether the value at s.path+sub did not decode (and was
// reported then).
func (s *source) failed(sub string) bool { return s != nil && s.bad[s.path+sub] }

// DirectoryOptions says what of the organisation a plan of d needs read:
// account tags only for tag selectors, no group memberships (the Reader
// reads those itself when the file manages identities) and no permission
// sets (the Reader lists and describes them anyway and fills them in; bind
// the file with Reader.ReadBind).
func DirectoryOptions(d *Desired) identitycenter.DirectoryOptions {
	return identitycenter.DirectoryOptions{NoAccountTags: !d.UsesAccountTags(), NoMemberships: true, NoPermissionSets: true}
}
