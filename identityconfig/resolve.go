package identityconfig

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
)

// Target is one assignment the desired state asks for: a principal holding a
// permission set in an account.
type Target struct {
	PrincipalType string `json:"principal_type"` // USER or GROUP
	PrincipalName string `json:"principal_name"`
	// PrincipalID is the identity store ID; "" when the principal is
	// declared in the file but does not exist yet.
	PrincipalID   string `json:"principal_id,omitempty"`
	PermissionSet string `json:"permission_set"` // name
	AccountID     string `json:"account_id"`
	AccountName   string `json:"account_name,omitempty"`
}

// pair is a (principal, permission set) combination, the unit of ownership
// of assignments: a file that assigns a permission set to a principal
// declares every account where that principal holds it.
type pair struct {
	principalType, principalName, permissionSet string // names lower-cased
}

func (t Target) pair() pair {
	return pair{t.PrincipalType, strings.ToLower(t.PrincipalName), strings.ToLower(t.PermissionSet)}
}

// Resolved is a Desired state bound to a directory: principals have IDs
// where they exist and selectors are expanded to accounts.
type Resolved struct {
	*Desired
	// Directory is what the names were resolved against.
	Directory *stint.Directory
	// Targets are the concrete assignments, sorted and without duplicates.
	Targets []Target
	pairs   map[pair]bool
}

// Resolve binds d to a directory: it finds each assignment's principal (a
// user by user name or email, a group by name; a principal the file
// declares may not exist yet), checks that external permission sets and
// group members exist, and expands account selectors into accounts. A
// selector that matches no account is an error with a hint (close names,
// known OUs or tag values), as are unknown principals. Every problem is
// reported in an *Error with code EINVALID, placed in the file.
func Resolve(d *Desired, dir *stint.Directory) (*Resolved, error) {
	r := &Resolved{Desired: d, Directory: dir, pairs: map[pair]bool{}}
	idx := newDirIndex(d, dir)
	var problems []Problem
	for _, s := range d.PermissionSets {
		if s.External && idx.permissionSets[strings.ToLower(s.Name)] == "" {
			problems = append(problems, s.src.problem(".name", "external permission set %q does not exist in the instance%s", s.Name, didYouMean(s.Name, idx.permissionSetNames)))
		}
	}
	for _, g := range d.Groups {
		for j, m := range g.Members {
			if _, ok := idx.user(m); !ok {
				problems = append(problems, g.src.problem(fmt.Sprintf(".members[%d]", j), "group %q member %q is neither declared under users nor in the identity store%s", g.Name, m, didYouMean(m, idx.userNames)))
			}
		}
	}
	seen := map[Target]bool{}
	for _, a := range d.Assignments {
		id, ok := idx.principal(a.Principal)
		if !ok {
			known := idx.userNames
			if a.Principal.Type == "GROUP" {
				known = idx.groupNames
			}
			problems = append(problems, a.src.problem(".principal", "unknown %s%s", a.Principal, didYouMean(a.Principal.Name, known)))
			continue
		}
		accounts, ps := r.expand(a, idx)
		problems = append(problems, ps...)
		if len(ps) == 0 && len(accounts) == 0 {
			problems = append(problems, a.src.problem(".except", "assignment of %s to %s selects no account once except is applied", a.PermissionSet, a.Principal))
		}
		r.pairs[pair{a.Principal.Type, strings.ToLower(a.Principal.Name), strings.ToLower(a.PermissionSet)}] = true
		for _, acct := range accounts {
			t := Target{
				PrincipalType: a.Principal.Type, PrincipalName: a.Principal.Name, PrincipalID: id,
				PermissionSet: idx.permissionSetName(a.PermissionSet), AccountID: acct.ID, AccountName: acct.Name,
			}
			if !seen[t] {
				seen[t] = true
				r.Targets = append(r.Targets, t)
			}
		}
	}
	if err := newError(problems); err != nil {
		return nil, err
	}
	slices.SortFunc(r.Targets, func(a, b Target) int {
		return cmp.Or(cmp.Compare(a.PermissionSet, b.PermissionSet), cmp.Compare(a.PrincipalType, b.PrincipalType),
			cmp.Compare(a.PrincipalName, b.PrincipalName), cmp.Compare(a.AccountName, b.AccountName), cmp.Compare(a.AccountID, b.AccountID))
	})
	return r, nil
}

// expand returns the accounts an assignment selects, and a problem for each
// selector that matches no account.
func (r *Resolved) expand(a Assignment, idx *dirIndex) ([]*stint.Account, []Problem) {
	var problems []Problem
	match := func(list []Selector, key string) map[string]bool {
		ids := map[string]bool{}
		for j, sel := range list {
			n := 0
			for i := range r.Directory.Accounts {
				if acct := &r.Directory.Accounts[i]; stint.MatchAccount(string(sel), acct) {
					ids[acct.ID] = true
					n++
				}
			}
			if n == 0 {
				problems = append(problems, a.src.problem(fmt.Sprintf(".%s[%d]", key, j), "selector %q matches no account%s", sel, idx.hint(sel)))
			}
		}
		return ids
	}
	in, out := match(a.Accounts, "accounts"), match(a.Except, "except")
	var accounts []*stint.Account
	for i := range r.Directory.Accounts {
		if acct := &r.Directory.Accounts[i]; in[acct.ID] && !out[acct.ID] {
			accounts = append(accounts, acct)
		}
	}
	return accounts, problems
}

// dirIndex looks names up in the directory and the declarations.
type dirIndex struct {
	users, groups, permissionSets map[string]string // lower-cased name -> ID or ARN ("" when only declared)
	userNames, groupNames         []string
	permissionSetNames            []string
	psCanonical                   map[string]string // lower-cased name -> name as declared
	accountNames, ouPaths         []string
	tagValues                     map[string][]string
}

func newDirIndex(d *Desired, dir *stint.Directory) *dirIndex {
	x := &dirIndex{
		users: map[string]string{}, groups: map[string]string{}, permissionSets: map[string]string{},
		psCanonical: map[string]string{}, tagValues: map[string][]string{},
	}
	for _, u := range d.Users {
		x.users[strings.ToLower(u.UserName)] = ""
		x.userNames = append(x.userNames, u.UserName)
	}
	for _, g := range d.Groups {
		x.groups[strings.ToLower(g.Name)] = ""
		x.groupNames = append(x.groupNames, g.Name)
	}
	for _, u := range dir.Users {
		x.users[strings.ToLower(u.UserName)] = u.ID
		if u.Email != "" {
			x.users[strings.ToLower(u.Email)] = u.ID
		}
		x.userNames = append(x.userNames, u.UserName)
	}
	for _, g := range dir.Groups {
		x.groups[strings.ToLower(g.Name)] = g.ID
		x.groupNames = append(x.groupNames, g.Name)
	}
	for _, s := range d.PermissionSets {
		x.psCanonical[strings.ToLower(s.Name)] = s.Name
	}
	for _, ps := range dir.PermissionSets {
		x.permissionSets[strings.ToLower(ps.Name)] = ps.ARN
		x.permissionSetNames = append(x.permissionSetNames, ps.Name)
	}
	ous := map[string]bool{}
	for _, a := range dir.Accounts {
		x.accountNames = append(x.accountNames, a.Name)
		parts := strings.Split(a.OUPath, "/")
		for i := range parts {
			if p := strings.Join(parts[:i+1], "/"); p != "" && !ous[p] {
				ous[p] = true
				x.ouPaths = append(x.ouPaths, p)
			}
		}
		for k, v := range a.Tags {
			if !slices.Contains(x.tagValues[k], v) {
				x.tagValues[k] = append(x.tagValues[k], v)
			}
		}
	}
	slices.Sort(x.ouPaths)
	return x
}

func (x *dirIndex) user(name string) (string, bool) {
	id, ok := x.users[strings.ToLower(name)]
	return id, ok
}

// principal returns the principal's ID ("" when only declared) and whether
// it is known at all.
func (x *dirIndex) principal(p Principal) (string, bool) {
	if p.Type == "USER" {
		return x.user(p.Name)
	}
	id, ok := x.groups[strings.ToLower(p.Name)]
	return id, ok
}

func (x *dirIndex) permissionSetName(name string) string {
	return cmp.Or(x.psCanonical[strings.ToLower(name)], name)
}

// hint says what a selector that matched nothing could have been.
func (x *dirIndex) hint(sel Selector) string {
	s := string(sel)
	switch {
	case strings.HasPrefix(s, "name:"):
		if m := suggest(s[5:], x.accountNames); m != "" {
			return fmt.Sprintf(" (did you mean name:%s?)", m)
		}
		return "; known accounts: " + short(x.accountNames)
	case strings.HasPrefix(s, "ou:"):
		if m := suggest(strings.Trim(s[3:], "/"), x.ouPaths); m != "" {
			return fmt.Sprintf(" (did you mean ou:%s?)", m)
		}
		return "; OUs with accounts: " + short(x.ouPaths)
	case strings.HasPrefix(s, "tag:"):
		k, _, _ := strings.Cut(s[4:], "=")
		if vals, ok := x.tagValues[k]; ok {
			slices.Sort(vals)
			return fmt.Sprintf("; tag %s has values %s", k, short(vals))
		}
		keys := make([]string, 0, len(x.tagValues))
		for k := range x.tagValues {
			keys = append(keys, k)
		}
		return fmt.Sprintf("; no account has tag %q%s; tag keys: %s", k, didYouMean(k, keys), short(keys))
	case s == "all":
		return "; the organisation has no active account"
	}
	return "; no active account has this ID in the organisation"
}

// short lists up to 10 names, sorted.
func short(names []string) string {
	names = slices.Clone(names)
	slices.Sort(names)
	switch {
	case len(names) == 0:
		return "(none)"
	case len(names) > 10:
		return strings.Join(names[:10], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-10)
	}
	return strings.Join(names, ", ")
}
