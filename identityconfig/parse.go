package identityconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
)

// Load reads an Identity Center file, or every *.yaml and *.yml file in a
// folder (not its subfolders), and parses them as Parse does. It returns
// EINVALID when the path cannot be read or holds no file.
func Load(path string) (*Desired, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "read identity file: %v", err)
	}
	files := map[string][]byte{}
	names := []string{path}
	if info.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, stint.Errorf(stint.EINVALID, "read identity folder: %v", err)
		}
		names = names[:0]
		for _, e := range entries {
			if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
				names = append(names, filepath.Join(path, e.Name()))
			}
		}
		if len(names) == 0 {
			return nil, stint.Errorf(stint.EINVALID, "no *.yaml file in %s", path)
		}
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, stint.Errorf(stint.EINVALID, "read identity file: %v", err)
		}
		files[name] = b
	}
	return Parse(files)
}

// Parse decodes and merges files (name -> content): the lists of every file
// are concatenated, in file name order. Decoding is strict (unknown keys and
// wrong types are errors), and the result is checked: names are valid and
// unique across files, policies are well formed, session durations lie in
// PT15M..PT12H, and every assignment names a declared permission set (an
// external one counts). Every problem is reported, in an *Error with code
// stint.EINVALID, each placed at FILE:LINE:COL.
func Parse(files map[string][]byte) (*Desired, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	out := &Desired{}
	var problems []Problem
	for _, name := range names {
		var doc Desired
		d := decodeBytes(name, files[name], &doc)
		problems = append(problems, d.Problems...)
		if _, ok := d.Nodes["$.users"]; ok {
			out.ManagesIdentities = true
		}
		if _, ok := d.Nodes["$.groups"]; ok {
			out.ManagesIdentities = true
		}
		src := func(list string, i int) *source {
			return &source{file: name, path: fmt.Sprintf("$.%s[%d]", list, i), nodes: d.Nodes, bad: d.Failed}
		}
		for i := range doc.Users {
			doc.Users[i].src = src("users", i)
		}
		for i := range doc.Groups {
			doc.Groups[i].src = src("groups", i)
		}
		for i := range doc.PermissionSets {
			doc.PermissionSets[i].src = src("permission_sets", i)
		}
		for i := range doc.Assignments {
			doc.Assignments[i].src = src("assignments", i)
		}
		out.Users = append(out.Users, doc.Users...)
		out.Groups = append(out.Groups, doc.Groups...)
		out.PermissionSets = append(out.PermissionSets, doc.PermissionSets...)
		out.Assignments = append(out.Assignments, doc.Assignments...)
	}
	problems = append(problems, out.check()...)
	if err := newError(problems); err != nil {
		return nil, err
	}
	return out, nil
}

var (
	permissionSetName = regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)
	policyName        = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	policyPath        = regexp.MustCompile(`^/([\x21-\x7e]+/)?$`) // "/" or "/a/b/"
)

// check validates the merged declarations, fills defaults and returns the
// problems found.
func (d *Desired) check() []Problem {
	var ps []Problem
	ps = append(ps, d.checkUsers()...)
	ps = append(ps, d.checkGroups()...)
	ps = append(ps, d.checkPermissionSets()...)
	ps = append(ps, d.checkAssignments()...)
	return ps
}

// unique records names case-insensitively and reports the second one.
type unique map[string]*source

func (u unique) add(kind, name string, src *source, sub string) *Problem {
	key := strings.ToLower(name)
	if first, ok := u[key]; ok {
		p := src.problem(sub, "duplicate %s %q: first declared at %s", kind, name, first.where())
		return &p
	}
	u[key] = src
	return nil
}

func (d *Desired) checkUsers() []Problem {
	var ps []Problem
	seen := unique{}
	for i := range d.Users {
		u := &d.Users[i]
		if u.UserName == "" {
			ps = append(ps, u.src.problem("", "a user needs a user_name"))
			continue
		}
		if p := seen.add("user", u.UserName, u.src, ".user_name"); p != nil {
			ps = append(ps, *p)
		}
		if u.GivenName == "" || u.FamilyName == "" {
			ps = append(ps, u.src.problem("", "user %q needs given_name and family_name (Identity Center requires them)", u.UserName))
		}
		if u.DisplayName == "" {
			u.DisplayName = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
		}
	}
	return ps
}

func (d *Desired) checkGroups() []Problem {
	var ps []Problem
	seen := unique{}
	for i := range d.Groups {
		g := &d.Groups[i]
		if g.Name == "" {
			ps = append(ps, g.src.problem("", "a group needs a name"))
			continue
		}
		if p := seen.add("group", g.Name, g.src, ".name"); p != nil {
			ps = append(ps, *p)
		}
		members := map[string]bool{}
		for j, m := range g.Members {
			if members[strings.ToLower(m)] {
				ps = append(ps, g.src.problem(fmt.Sprintf(".members[%d]", j), "group %q lists member %q twice", g.Name, m))
			}
			members[strings.ToLower(m)] = true
		}
	}
	return ps
}

func (d *Desired) checkPermissionSets() []Problem {
	var ps []Problem
	seen := unique{}
	for i := range d.PermissionSets {
		s := &d.PermissionSets[i]
		if s.src.failed(".name") {
			// reported while decoding
		} else if !permissionSetName.MatchString(s.Name) {
			ps = append(ps, s.src.problem(".name", "permission set name %q must be 1 to 32 letters, digits or +=,.@_-", s.Name))
		} else if p := seen.add("permission set", s.Name, s.src, ".name"); p != nil {
			ps = append(ps, *p)
		}
		if s.External {
			if s.Description != "" || s.SessionDuration != 0 || s.RelayState != "" || len(s.ManagedPolicies) > 0 ||
				len(s.CustomerManagedPolicies) > 0 || s.InlinePolicy != "" || s.PermissionsBoundary != nil || len(s.Tags) > 0 {
				ps = append(ps, s.src.problem(".external", "permission set %q is external: declare only its name, or remove external to manage it", s.Name))
			}
			continue
		}
		if s.SessionDuration == 0 {
			s.SessionDuration = SessionDuration(DefaultSessionDuration)
		}
		if len(s.Description) > 700 {
			ps = append(ps, s.src.problem(".description", "description is longer than 700 characters"))
		}
		if len(s.RelayState) > 240 {
			ps = append(ps, s.src.problem(".relay_state", "relay_state is longer than 240 characters"))
		}
		dup := map[ManagedPolicy]bool{}
		for j, mp := range s.ManagedPolicies {
			if dup[mp] && mp != "" {
				ps = append(ps, s.src.problem(fmt.Sprintf(".managed_policies[%d]", j), "managed policy %s is listed twice", mp.Name()))
			}
			dup[mp] = true
		}
		for j := range s.CustomerManagedPolicies {
			ps = append(ps, checkRef(&s.CustomerManagedPolicies[j], s.src, fmt.Sprintf(".customer_managed_policies[%d]", j))...)
		}
		if b := s.PermissionsBoundary; b != nil {
			switch {
			case (b.ManagedPolicy == "") == (b.CustomerManagedPolicy == nil):
				ps = append(ps, s.src.problem(".permissions_boundary", "permissions_boundary takes exactly one of managed_policy and customer_managed_policy"))
			case b.CustomerManagedPolicy != nil:
				ps = append(ps, checkRef(b.CustomerManagedPolicy, s.src, ".permissions_boundary.customer_managed_policy")...)
			}
		}
	}
	return ps
}

// checkRef checks a customer managed policy reference and defaults its path.
func checkRef(r *PolicyRef, src *source, sub string) []Problem {
	var ps []Problem
	if !policyName.MatchString(r.Name) {
		ps = append(ps, src.problem(sub, "customer managed policy name %q must be 1 to 128 letters, digits or +=,.@_-", r.Name))
	}
	if r.Path == "" {
		r.Path = "/"
	}
	if !policyPath.MatchString(r.Path) {
		ps = append(ps, src.problem(sub+".path", "policy path %q must start and end with /", r.Path))
	}
	return ps
}

func (d *Desired) checkAssignments() []Problem {
	var ps []Problem
	sets := map[string]bool{}
	var names []string
	for _, s := range d.PermissionSets {
		sets[strings.ToLower(s.Name)] = true
		names = append(names, s.Name)
	}
	for _, a := range d.Assignments {
		if a.Principal.Name == "" && !a.src.has(".principal") {
			ps = append(ps, a.src.problem(".principal", "an assignment needs a principal (user:NAME or group:NAME)"))
		}
		switch {
		case a.src.failed(".permission_set"):
		case a.PermissionSet == "":
			ps = append(ps, a.src.problem(".permission_set", "an assignment needs a permission_set"))
		case !sets[strings.ToLower(a.PermissionSet)]:
			ps = append(ps, a.src.problem(".permission_set", "assignment names undeclared permission set %q%s; declare it under permission_sets (with external: true if it is managed elsewhere)",
				a.PermissionSet, didYouMean(a.PermissionSet, names)))
		}
		if len(a.Accounts) == 0 && !a.src.failed(".accounts") {
			ps = append(ps, a.src.problem(".accounts", "an assignment needs accounts: a list of account IDs, name:NAME, ou:PATH, tag:KEY=VALUE or all"))
		}
	}
	return ps
}
