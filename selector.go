package stint

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// S3Selector selects buckets and the levels of access offered on them.
type S3Selector struct {
	Accounts []string `json:"accounts" yaml:"accounts"`
	// Buckets are names or patterns with * ("payments-*"). Default: every
	// bucket in the accounts.
	Buckets []string          `json:"buckets,omitempty" yaml:"buckets"`
	Tags    map[string]string `json:"tags,omitempty" yaml:"tags"`
	// Levels offered: read, write, admin. Required.
	Levels []string `json:"levels" yaml:"levels"`
}

// EC2Selector selects instances for Session Manager access.
type EC2Selector struct {
	Accounts []string `json:"accounts" yaml:"accounts"`
	// Instances are instance IDs or patterns. Default: every instance.
	Instances []string `json:"instances,omitempty" yaml:"instances"`
	// Tags must all match (values may use *), e.g. {Name: "web-*"}.
	Tags map[string]string `json:"tags,omitempty" yaml:"tags"`
}

// EKSSelector selects clusters, levels and namespaces.
type EKSSelector struct {
	Accounts []string          `json:"accounts" yaml:"accounts"`
	Clusters []string          `json:"clusters,omitempty" yaml:"clusters"`
	Tags     map[string]string `json:"tags,omitempty" yaml:"tags"`
	// Levels offered: view, edit, admin. Required.
	Levels []string `json:"levels" yaml:"levels"`
	// Namespaces, when set, offer namespace-scoped access to these
	// namespaces only; default: the whole cluster.
	Namespaces []string `json:"namespaces,omitempty" yaml:"namespaces"`
}

// RDSSelector selects DB instances and the database users to connect as
// (IAM database authentication).
type RDSSelector struct {
	Accounts  []string          `json:"accounts" yaml:"accounts"`
	Instances []string          `json:"instances,omitempty" yaml:"instances"`
	Tags      map[string]string `json:"tags,omitempty" yaml:"tags"`
	// DBUsers are the database users a grant may connect as. Required.
	DBUsers []string `json:"db_users" yaml:"db_users"`
}

// IAMRoleSelector selects IAM roles that grants may assume.
type IAMRoleSelector struct {
	Accounts []string          `json:"accounts" yaml:"accounts"`
	Roles    []string          `json:"roles,omitempty" yaml:"roles"`
	Tags     map[string]string `json:"tags,omitempty" yaml:"tags"`
	// Via names the permission set whose Identity Center role may assume
	// the role (the requester signs in with it, then assumes). Default:
	// any Identity Center role of the requester in that account.
	Via string `json:"via_permission_set,omitempty" yaml:"via_permission_set"`
}

// IAMGroupSelector selects IAM groups that grants add the requester's IAM
// user (named as their identity store user name) to.
type IAMGroupSelector struct {
	Accounts []string          `json:"accounts" yaml:"accounts"`
	Groups   []string          `json:"groups,omitempty" yaml:"groups"`
	Tags     map[string]string `json:"tags,omitempty" yaml:"tags"`
}

// Selector is a flow resource selector of any type but Identity Center, in
// one shape: what Selector returns.
type Selector struct {
	Type     ResourceType
	Accounts []string
	// Names are names or patterns with *; empty means every resource.
	Names []string
	Tags  map[string]string
	// Levels are the levels (S3, EKS) or database users (RDS) offered;
	// empty for types without levels.
	Levels     []string
	Namespaces []string // EKS
	Via        string   // IAM role
}

// Selector returns the resource's selector of a type other than Identity
// Center, or nil for an Identity Center one (or none).
func (r *FlowResource) Selector() *Selector {
	switch {
	case r.S3 != nil:
		return &Selector{Type: ResourceS3, Accounts: r.S3.Accounts, Names: r.S3.Buckets, Tags: r.S3.Tags, Levels: r.S3.Levels}
	case r.EC2 != nil:
		return &Selector{Type: ResourceEC2, Accounts: r.EC2.Accounts, Names: r.EC2.Instances, Tags: r.EC2.Tags}
	case r.EKS != nil:
		return &Selector{Type: ResourceEKS, Accounts: r.EKS.Accounts, Names: r.EKS.Clusters, Tags: r.EKS.Tags, Levels: r.EKS.Levels, Namespaces: r.EKS.Namespaces}
	case r.RDS != nil:
		return &Selector{Type: ResourceRDS, Accounts: r.RDS.Accounts, Names: r.RDS.Instances, Tags: r.RDS.Tags, Levels: r.RDS.DBUsers}
	case r.IAMRole != nil:
		return &Selector{Type: ResourceIAMRole, Accounts: r.IAMRole.Accounts, Names: r.IAMRole.Roles, Tags: r.IAMRole.Tags, Via: r.IAMRole.Via}
	case r.IAMGroup != nil:
		return &Selector{Type: ResourceIAMGroup, Accounts: r.IAMGroup.Accounts, Names: r.IAMGroup.Groups, Tags: r.IAMGroup.Tags}
	}
	return nil
}

// count returns how many selectors the resource sets.
func (r *FlowResource) count() int {
	n := 0
	for _, set := range []bool{r.IdentityCenter != nil, r.S3 != nil, r.EC2 != nil, r.EKS != nil, r.RDS != nil, r.IAMRole != nil, r.IAMGroup != nil} {
		if set {
			n++
		}
	}
	return n
}

// Validate checks the selector's form. Errors name the field at fault.
func (s *Selector) Validate() error {
	key := selectorKey(s.Type)
	if len(s.Accounts) == 0 {
		return Errorf(EINVALID, "%s needs accounts", key)
	}
	for _, sel := range s.Accounts {
		if err := ValidateAccountSelector(sel); err != nil {
			return err
		}
	}
	for _, n := range s.Names {
		if _, err := path.Match(n, ""); err != nil || strings.ContainsAny(n, "[]\\?") {
			return Errorf(EINVALID, "%s: name pattern %q may use only * as a wildcard", key, n)
		}
	}
	levels := s.Type.Levels()
	switch {
	case levels != nil && len(s.Levels) == 0:
		return Errorf(EINVALID, "%s needs levels (%s)", key, strings.Join(levels, ", "))
	case s.Type == ResourceRDS && len(s.Levels) == 0:
		return Errorf(EINVALID, "%s needs db_users: the database users a grant may connect as", key)
	}
	for _, l := range s.Levels {
		if levels != nil && !slices.Contains(levels, l) {
			return Errorf(EINVALID, "%s: level %q is not one of %s", key, l, strings.Join(levels, ", "))
		}
		if s.Type == ResourceRDS && !dbUser.MatchString(l) {
			return Errorf(EINVALID, "%s: %q is not a valid database user name", key, l)
		}
	}
	for _, ns := range s.Namespaces {
		if !namespaceName.MatchString(ns) {
			return Errorf(EINVALID, "%s: %q is not a valid Kubernetes namespace", key, ns)
		}
	}
	if s.Via != "" && (!iamName.MatchString(s.Via) || len(s.Via) > 32) {
		return Errorf(EINVALID, "%s: via_permission_set %q is not a permission set name", key, s.Via)
	}
	return nil
}

// selectorKey is the selector's key in flow YAML.
func selectorKey(t ResourceType) string {
	switch t {
	case ResourceIAMRole:
		return "iam_role"
	case ResourceIAMGroup:
		return "iam_group"
	case ResourceSSO:
		return "identity_center"
	}
	return strings.TrimPrefix(string(t), "aws-")
}

// MatchName reports whether a name matches a pattern where * matches any
// run of characters (including / and :), ignoring case.
func MatchName(pattern, name string) bool {
	p, n := strings.ToLower(pattern), strings.ToLower(name)
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == n
	}
	if !strings.HasPrefix(n, parts[0]) {
		return false
	}
	n = n[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(n, mid)
		if i < 0 {
			return false
		}
		n = n[i+len(mid):]
	}
	return strings.HasSuffix(n, parts[len(parts)-1])
}

// Matches reports whether the selector covers the discovered resource in
// the account (name patterns and tags; levels are checked by MatchesRef).
func (s *Selector) Matches(a *Account, r *Resource) bool {
	if r.Type != s.Type || r.AccountID != a.ID || !slices.ContainsFunc(s.Accounts, func(sel string) bool { return MatchAccount(sel, a) }) {
		return false
	}
	if len(s.Names) > 0 && !slices.ContainsFunc(s.Names, func(p string) bool { return MatchName(p, r.Name) }) {
		return false
	}
	for k, want := range s.Tags {
		got, ok := r.Tags[k]
		if !ok || !MatchName(want, got) {
			return false
		}
	}
	return true
}

// Refs returns the requestable resources the selector offers on a
// discovered resource: one per level (and namespace), or one.
func (s *Selector) Refs(a *Account, r *Resource) []ResourceRef {
	base := ResourceRef{Type: r.Type, AccountID: a.ID, AccountName: a.Name, Name: r.Name, ARN: r.ARN, Tags: r.Tags, Attributes: r.Attributes}
	levels := s.Levels
	if len(levels) == 0 {
		levels = []string{""}
	}
	namespaces := s.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{""}
	}
	var out []ResourceRef
	for _, l := range levels {
		for _, ns := range namespaces {
			ref := base
			ref.Level, ref.Namespace = l, ns
			if s.Via != "" {
				ref.Attributes = withAttr(r.Attributes, "via_permission_set", s.Via)
			}
			ref.ID = ref.FormatID()
			out = append(out, ref)
		}
	}
	return out
}

func withAttr(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for mk, mv := range m {
		out[mk] = mv
	}
	out[k] = v
	return out
}

// String describes the selector for messages.
func (s *Selector) String() string {
	names := "*"
	if len(s.Names) > 0 {
		names = strings.Join(s.Names, ",")
	}
	out := fmt.Sprintf("%s %v × %s", selectorKey(s.Type), s.Accounts, names)
	if len(s.Levels) > 0 {
		out += " : " + strings.Join(s.Levels, ",")
	}
	return out
}
