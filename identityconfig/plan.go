package identityconfig

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// AssignmentKey identifies a live account assignment.
type AssignmentKey struct {
	AccountID        string `json:"account_id"`
	PermissionSetARN string `json:"permission_set_arn"`
	PrincipalID      string `json:"principal_id"`
}

// DiffOptions say what Diff may propose deleting.
type DiffOptions struct {
	// Prune also deletes what the file does not declare: assignments of
	// undeclared (principal, permission set) pairs, undeclared permission
	// sets and, when the file manages identities, undeclared users and
	// groups. Default: they are left alone and counted as unmanaged.
	Prune bool
	// Protected are assignments that active just-in-time grants hold: they
	// are never deleted, whatever the file says, nor is their permission
	// set.
	Protected map[AssignmentKey]bool
	// Owned is what earlier applies created: deleted when no longer
	// declared, even without Prune.
	Owned Ownership
}

// Op is what an action does.
type Op string

// Ops.
const (
	OpCreate Op = "create"
	OpUpdate Op = "update"
	OpDelete Op = "delete"
)

// Kind is what an action acts on.
type Kind string

// Kinds, in the order plans list them.
const (
	KindUser          Kind = "user"
	KindGroup         Kind = "group"
	KindMembership    Kind = "membership"
	KindPermissionSet Kind = "permission_set"
	KindAssignment    Kind = "assignment"
)

// Kinds lists every kind in plan order.
var Kinds = []Kind{KindUser, KindGroup, KindMembership, KindPermissionSet, KindAssignment}

// Action is one change a plan proposes.
type Action struct {
	Op   Op     `json:"op"`
	Kind Kind   `json:"kind"`
	Name string `json:"name"` // what a person reads: "ReadOnly", "group:Ops → ReadOnly in prod-web (111111111111)"
	// ID is the AWS identifier of what exists (ARN, user or group ID).
	ID string `json:"id,omitempty"`
	// Changes are the field-level differences of an update (and the
	// fields of a create).
	Changes []Change `json:"changes,omitempty"`
	// Assignment is set for assignment actions.
	Assignment *Target `json:"assignment,omitempty"`
	// Member is the user name of a membership action; Name is the group.
	Member string `json:"member,omitempty"`
}

// Change is one field's difference. Scalars use Old and New; sets use
// Added and Removed.
type Change struct {
	Field   string   `json:"field"`
	Old     string   `json:"old,omitempty"`
	New     string   `json:"new,omitempty"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// Plan is what it takes to move the live state to the desired one.
type Plan struct {
	Actions []Action `json:"actions"`
	// Unmanaged counts live assignments (and permission sets, users,
	// groups) that the file does not declare and that were left alone
	// because Prune is off.
	Unmanaged map[Kind]int `json:"unmanaged,omitempty"`
	// Protected counts live assignments that active grants hold and that
	// would otherwise have been deleted.
	Protected int `json:"protected,omitempty"`
	// Notes say what was not compared and why.
	Notes []string `json:"notes,omitempty"`
}

// HasChanges reports whether the plan proposes any action.
func (p *Plan) HasChanges() bool { return len(p.Actions) > 0 }

// Counts returns the number of actions by kind and op.
func (p *Plan) Counts() map[Kind]map[Op]int {
	out := map[Kind]map[Op]int{}
	for _, a := range p.Actions {
		if out[a.Kind] == nil {
			out[a.Kind] = map[Op]int{}
		}
		out[a.Kind][a.Op]++
	}
	return out
}

// ExitCode returns what `stint plan` exits with, as terraform plan
// -detailed-exitcode does: 0 without changes, 2 with changes. (Errors exit
// with 1 before a plan exists.)
func ExitCode(p *Plan) int {
	if p != nil && p.HasChanges() {
		return 2
	}
	return 0
}

// Diff compares the desired state with the live one and returns the
// actions that would make them equal. Ownership: a file that assigns a
// permission set to a principal declares every account where that pair
// exists, so the pair's other assignments are deleted; assignments of
// other pairs are left alone (counted in Unmanaged) unless Prune is set or
// they are Owned. Assignments in opts.Protected are never deleted. Tags and
// permissions boundaries that could not be read are not compared (see
// Notes).
func Diff(desired *Resolved, live *Live, opts DiffOptions) *Plan {
	p := &Plan{Unmanaged: map[Kind]int{}}
	p.Notes = append(p.Notes, live.Warnings...)
	live, skipped := withoutStintManaged(live)
	if skipped > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%d permission sets that stint makes for resource grants (S3, EC2, EKS, RDS) are left alone", skipped))
	}
	if desired.ManagesIdentities {
		if live.IdentitiesRead {
			diffIdentities(p, desired.Desired, live, opts)
		} else {
			p.Notes = append(p.Notes, "users and groups were not read; they are not compared")
		}
	}
	protectedSets := map[string]bool{}
	for k := range opts.Protected {
		protectedSets[k.PermissionSetARN] = true
	}
	diffPermissionSets(p, desired.Desired, live, opts, protectedSets)
	diffProvisioning(p, desired, live)
	diffAssignments(p, desired, live, opts)
	for k, n := range p.Unmanaged {
		if n == 0 {
			delete(p.Unmanaged, k)
		}
	}
	order := map[Kind]int{}
	for i, k := range Kinds {
		order[k] = i
	}
	opOrder := map[Op]int{OpCreate: 0, OpUpdate: 1, OpDelete: 2}
	slices.SortStableFunc(p.Actions, func(a, b Action) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), cmp.Compare(opOrder[a.Op], opOrder[b.Op]), strings.Compare(a.Name, b.Name), strings.Compare(a.Member, b.Member))
	})
	return p
}

func diffPermissionSets(p *Plan, d *Desired, live *Live, opts DiffOptions, protected map[string]bool) {
	byName := map[string]*LivePermissionSet{}
	for i := range live.PermissionSets {
		byName[strings.ToLower(live.PermissionSets[i].Name)] = &live.PermissionSets[i]
	}
	declared := map[string]bool{}
	tagNote := false
	for i := range d.PermissionSets {
		want := &d.PermissionSets[i]
		declared[strings.ToLower(want.Name)] = true
		if want.External {
			continue
		}
		have, ok := byName[strings.ToLower(want.Name)]
		if !ok {
			p.Actions = append(p.Actions, Action{Op: OpCreate, Kind: KindPermissionSet, Name: want.Name, Changes: permissionSetChanges(&LivePermissionSet{TagsKnown: true, BoundaryKnown: true}, want)})
			continue
		}
		if !have.TagsKnown && len(want.Tags) > 0 {
			tagNote = true
		}
		if ch := permissionSetChanges(have, want); len(ch) > 0 {
			p.Actions = append(p.Actions, Action{Op: OpUpdate, Kind: KindPermissionSet, Name: want.Name, ID: have.ARN, Changes: ch})
		}
	}
	if tagNote {
		p.Notes = append(p.Notes, "permission set tags could not be read; they are not compared")
	}
	for _, have := range live.PermissionSets {
		if declared[strings.ToLower(have.Name)] {
			continue
		}
		owned := opts.Owned.PermissionSets[have.ARN]
		switch {
		case !opts.Prune && !owned:
			p.Unmanaged[KindPermissionSet]++
		case protected[have.ARN]:
			p.Notes = append(p.Notes, fmt.Sprintf("permission set %s is not declared but active grants use it; it is kept", have.Name))
		case !opts.Prune && foreignUses(live, have.ARN, opts) > 0:
			p.Notes = append(p.Notes, fmt.Sprintf("permission set %s was created by stint apply and is no longer declared, but %d assignments that stint did not make use it; it is kept (remove them, or apply with --prune)",
				have.Name, foreignUses(live, have.ARN, opts)))
		default:
			p.Actions = append(p.Actions, Action{Op: OpDelete, Kind: KindPermissionSet, Name: have.Name, ID: have.ARN})
		}
	}
}

// foreignUses counts the live assignments of the permission set that the
// plan keeps without Prune: neither owned nor held by grants.
func foreignUses(live *Live, arn string, opts DiffOptions) int {
	n := 0
	for _, a := range live.Assignments {
		if a.PermissionSetARN == arn && !opts.Owned.Assignments[a.Key()] && !opts.Protected[a.Key()] {
			n++
		}
	}
	return n
}

// permissionSetChanges returns the fields of want that differ from have.
func permissionSetChanges(have *LivePermissionSet, want *PermissionSet) []Change {
	var ch []Change
	scalar := func(field, old, new string) {
		if old != new {
			ch = append(ch, Change{Field: field, Old: old, New: new})
		}
	}
	set := func(field string, old, new []string) {
		added, removed := setDiff(old, new)
		if len(added)+len(removed) > 0 {
			ch = append(ch, Change{Field: field, Added: added, Removed: removed})
		}
	}
	scalar("description", have.Description, want.Description)
	if have.SessionDuration != want.SessionDuration {
		old := ""
		if have.ARN != "" {
			old = have.SessionDuration.String()
		}
		scalar("session_duration", old, want.SessionDuration.String())
	}
	scalar("relay_state", have.RelayState, want.RelayState)
	set("managed_policies", policyNames(have.ManagedPolicies), policyNames(want.ManagedPolicies))
	set("customer_managed_policies", refNames(have.CustomerManagedPolicies), refNames(want.CustomerManagedPolicies))
	scalar("inline_policy", string(have.InlinePolicy), string(want.InlinePolicy))
	if have.BoundaryKnown {
		old, new := boundaryString(have.PermissionsBoundary), boundaryString(want.PermissionsBoundary)
		scalar("permissions_boundary", old, new)
	}
	if have.TagsKnown {
		set("tags", tagList(have.Tags), tagList(want.Tags))
	}
	return ch
}

func boundaryString(b *Boundary) string {
	if b == nil {
		return ""
	}
	return b.String()
}

func policyNames(ps []ManagedPolicy) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name()
	}
	return out
}

func refNames(rs []PolicyRef) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

func tagList(tags map[string]string) []string {
	out := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, k+"="+tags[k])
	}
	return out
}

// setDiff returns what new adds to old and what it removes, sorted.
func setDiff(old, new []string) (added, removed []string) {
	o, n := map[string]bool{}, map[string]bool{}
	for _, s := range old {
		o[s] = true
	}
	for _, s := range new {
		n[s] = true
	}
	for s := range n {
		if !o[s] {
			added = append(added, s)
		}
	}
	for s := range o {
		if !n[s] {
			removed = append(removed, s)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed
}

// assignmentKey identifies an assignment by names where IDs may not exist
// yet.
type assignmentKey struct {
	principalType, principal, permissionSet, accountID string // principal: ID, or "name:"+name when pending
}

func diffAssignments(p *Plan, r *Resolved, live *Live, opts DiffOptions) {
	psName := map[string]string{}
	for _, ps := range live.PermissionSets {
		psName[ps.ARN] = ps.Name
	}
	names, accounts := map[string]string{}, map[string]string{}
	for _, u := range r.Directory.Users {
		names[u.ID] = u.UserName
	}
	for _, g := range r.Directory.Groups {
		names[g.ID] = g.Name
	}
	for _, a := range r.Directory.Accounts {
		accounts[a.ID] = a.Name
	}
	want := map[assignmentKey]bool{}
	for _, t := range r.Targets {
		want[targetKey(t)] = true
	}
	have := map[assignmentKey]bool{}
	for _, a := range live.Assignments {
		name, ok := psName[a.PermissionSetARN]
		if !ok {
			name = a.PermissionSetARN
		}
		k := assignmentKey{a.PrincipalType, a.PrincipalID, strings.ToLower(name), a.AccountID}
		have[k] = true
		if want[k] {
			continue
		}
		t := Target{PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID, PrincipalName: cmp.Or(names[a.PrincipalID], a.PrincipalID),
			PermissionSet: name, AccountID: a.AccountID, AccountName: accounts[a.AccountID]}
		key := a.Key()
		switch {
		case opts.Protected[key]:
			p.Protected++
		case opts.Prune || opts.Owned.Assignments[key] || r.pairs[t.pair()]:
			p.Actions = append(p.Actions, Action{Op: OpDelete, Kind: KindAssignment, Name: t.String(), Assignment: &t})
		default:
			p.Unmanaged[KindAssignment]++
		}
	}
	for _, t := range r.Targets {
		if !have[targetKey(t)] {
			p.Actions = append(p.Actions, Action{Op: OpCreate, Kind: KindAssignment, Name: t.String(), Assignment: &t})
		}
	}
}

func targetKey(t Target) assignmentKey {
	principal := t.PrincipalID
	if principal == "" {
		principal = "name:" + strings.ToLower(t.PrincipalName)
	}
	return assignmentKey{t.PrincipalType, principal, strings.ToLower(t.PermissionSet), t.AccountID}
}

// String describes the assignment: "group:Ops → ReadOnly in prod-web (111111111111)".
func (t Target) String() string {
	acct := t.AccountID
	if t.AccountName != "" {
		acct = t.AccountName + " (" + t.AccountID + ")"
	}
	return fmt.Sprintf("%s:%s → %s in %s", strings.ToLower(t.PrincipalType), t.PrincipalName, t.PermissionSet, acct)
}
