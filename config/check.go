package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/yamlstrict"
)

// CheckAgainst checks the config against what the directory holds and
// returns located problems, in file order: errors for references to
// nothing (an unknown group, user email, permission set, OU path, account
// name or ID), each with a "did you mean" hint when a known name is close,
// and warnings (Problem.Warning) for an admin who is not a user, a tag
// selector that matches no account, a flow no user can request through
// ("unreachable"), and two flows that let the same requester reference ask
// for the same account and permission set where one auto-approves and the
// other requires approval. Groups are those of the identity store and of
// the config's groups section. It returns nil for a nil directory.
//
// The work is linear in the directory's size, plus, for overlapping
// flows, the accounts matched by flows that share a requester.
func (c *Config) CheckAgainst(dir *stint.Directory) []Problem {
	if dir == nil {
		return nil
	}
	ch := &checker{c: c}
	x := newDirIndex(c, dir)
	for i, a := range c.Admins {
		if !x.emails[strings.ToLower(strings.TrimSpace(a))] {
			ch.warn(fmt.Sprintf("$.admins[%d]", i), "admin %q is not a user of the identity store%s", a, x.hint(a, x.emailList))
		}
	}
	for _, name := range sortedKeys(c.Groups) {
		for j, m := range c.Groups[name] {
			x.ref(ch, fmt.Sprintf("$.groups.%s[%d]", name, j), "groups."+name, m)
		}
	}
	for i := range c.Flows {
		x.flow(ch, &c.Flows[i], fmt.Sprintf("$.flows[%d]", i))
	}
	x.overlaps(ch)
	sortProblems(ch.problems)
	return ch.problems
}

func (ch *checker) warn(path, format string, args ...any) {
	ch.at(path, format, args...)
	ch.problems[len(ch.problems)-1].Warning = true
}

// dirIndex holds the directory's names, lower-cased, for quick lookups.
type dirIndex struct {
	c                                           *Config
	dir                                         *stint.Directory
	groups, emails, permSets, accountIDs, names map[string]bool
	ous, tags                                   map[string]bool
	groupList, emailList, permSetList, nameList []string
	ouList                                      []string
	users                                       []stint.User     // with the config's groups added
	byGroup                                     map[string][]int // group -> users
	byEmail                                     map[string]int   // email -> user
}

func newDirIndex(c *Config, dir *stint.Directory) *dirIndex {
	x := &dirIndex{
		c: c, dir: dir,
		groups: map[string]bool{}, emails: map[string]bool{}, permSets: map[string]bool{},
		accountIDs: map[string]bool{}, names: map[string]bool{}, ous: map[string]bool{}, tags: map[string]bool{},
		byGroup: map[string][]int{}, byEmail: map[string]int{},
	}
	add := func(set map[string]bool, list *[]string, v string) {
		if k := strings.ToLower(v); k != "" && !set[k] {
			set[k] = true
			if list != nil {
				*list = append(*list, v)
			}
		}
	}
	for _, g := range dir.Groups {
		add(x.groups, &x.groupList, g.Name)
	}
	for _, g := range sortedKeys(c.Groups) {
		add(x.groups, &x.groupList, g)
	}
	for _, ps := range dir.PermissionSets {
		add(x.permSets, &x.permSetList, ps.Name)
	}
	for _, a := range dir.Accounts {
		add(x.accountIDs, nil, a.ID)
		add(x.names, &x.nameList, a.Name)
		for p := a.OUPath; p != ""; {
			add(x.ous, &x.ouList, p)
			i := strings.LastIndex(p, "/")
			if i < 0 {
				break
			}
			p = p[:i]
		}
		for k, v := range a.Tags {
			add(x.tags, nil, k+"="+v)
		}
	}
	x.users = make([]stint.User, len(dir.Users))
	for i, u := range dir.Users {
		if len(c.Groups) > 0 {
			u.Groups = c.GroupsOf(&u)
		}
		x.users[i] = u
		add(x.emails, &x.emailList, u.Email)
		x.byEmail[strings.ToLower(u.Email)] = i
		for _, g := range u.Groups {
			add(x.groups, &x.groupList, g)
			k := strings.ToLower(g)
			x.byGroup[k] = append(x.byGroup[k], i)
		}
	}
	return x
}

// hint returns " (did you mean X?)" for the known name closest to s, or "".
func (x *dirIndex) hint(s string, known []string) string {
	return yamlstrict.DidYouMean(s, known)
}

// ref checks a "user:EMAIL" or "group:NAME" reference.
func (x *dirIndex) ref(ch *checker, path, label, ref string) {
	kind, v, _ := strings.Cut(ref, ":")
	switch kind {
	case "group":
		x.group(ch, path, label, v)
	case "user":
		if !x.emails[strings.ToLower(v)] {
			ch.at(path, "%s: unknown user %q: no such email in the identity store%s", label, v, x.hint(v, x.emailList))
		}
	}
}

func (x *dirIndex) group(ch *checker, path, label, name string) {
	if name != "" && !x.groups[strings.ToLower(name)] {
		ch.at(path, "%s: unknown group %q: not in the identity store nor the groups section%s", label, name, x.hint(name, x.groupList))
	}
}

func (x *dirIndex) refs(ch *checker, path, label string, refs []string) {
	for j, r := range refs {
		x.ref(ch, fmt.Sprintf("%s[%d]", path, j), label, r)
	}
}

func (x *dirIndex) groupNames(ch *checker, path, label string, names []string) {
	for j, g := range names {
		x.group(ch, fmt.Sprintf("%s[%d]", path, j), label, g)
	}
}

func (x *dirIndex) permSet(ch *checker, path, label, ps string) {
	if ps != "" && !x.permSets[strings.ToLower(ps)] {
		ch.at(path, "%s: unknown permission set %q%s; known: %s", label, ps, x.hint(ps, x.permSetList), known(x.permSetList))
	}
}

func (x *dirIndex) flow(ch *checker, f *stint.Flow, fp string) {
	label := fmt.Sprintf("flow %q", f.Name)
	x.refs(ch, fp+".requesters", label, f.Requesters)
	x.refs(ch, fp+".exclude", label, f.Exclude)
	x.refs(ch, fp+".approvers", label, f.Approvers)
	x.refs(ch, fp+".sponsors", label, f.Sponsors)
	for i, st := range f.ApprovalSteps {
		sp := fmt.Sprintf("%s.approval_steps[%d]", fp, i)
		x.refs(ch, sp+".approvers", label, st.Approvers)
		x.groupNames(ch, sp+".requester_groups", label, st.RequesterGroups)
		for j, ps := range st.PermissionSets {
			x.permSet(ch, fmt.Sprintf("%s.permission_sets[%d]", sp, j), label, ps)
		}
	}
	for i, r := range f.AutoApproveWhen {
		x.groupNames(ch, fmt.Sprintf("%s.auto_approve_when[%d].requester_groups", fp, i), label, r.RequesterGroups)
	}
	if bg := f.BreakGlass; bg != nil {
		x.groupNames(ch, fp+".break_glass.groups", label, bg.Groups)
	}
	x.resources(ch, fp+".resources", label, f.Resources)
	for i, b := range f.Bundles {
		x.resources(ch, fmt.Sprintf("%s.bundles[%d].resources", fp, i), label, b.Resources)
	}
	if len(f.Requesters) > 0 && !f.ForExternals() && !x.reachable(f) { // externals are not in the identity store
		ch.warn(fp, "%s is unreachable: no user of the identity store matches its requesters (%s)%s",
			label, strings.Join(f.Requesters, ", "), excludedNote(f))
	}
}

func excludedNote(f *stint.Flow) string {
	var parts []string
	if len(f.Exclude) > 0 {
		parts = append(parts, "exclude")
	}
	if len(f.RequesterAttributes) > 0 {
		parts = append(parts, "requester_attributes")
	}
	if len(parts) == 0 {
		return ""
	}
	return " once " + strings.Join(parts, " and ") + " apply"
}

func (x *dirIndex) resources(ch *checker, path, label string, rs []stint.FlowResource) {
	for k, r := range rs {
		ic := r.IdentityCenter
		if ic == nil {
			if sel := r.Selector(); sel != nil {
				rp := fmt.Sprintf("%s[%d].%s", path, k, yamlKey(sel.Type))
				for m, a := range sel.Accounts {
					x.account(ch, fmt.Sprintf("%s.accounts[%d]", rp, m), label, a)
				}
				x.discovered(ch, rp, label, sel)
			}
			continue
		}
		rp := fmt.Sprintf("%s[%d].identity_center", path, k)
		for m, sel := range ic.Accounts {
			x.account(ch, fmt.Sprintf("%s.accounts[%d]", rp, m), label, sel)
		}
		for m, ps := range ic.PermissionSets {
			x.permSet(ch, fmt.Sprintf("%s.permission_sets[%d]", rp, m), label, ps)
		}
	}
}

func (x *dirIndex) account(ch *checker, path, label, sel string) {
	switch {
	case sel == "all":
	case strings.HasPrefix(sel, "name:"):
		if n := sel[5:]; !x.names[strings.ToLower(n)] {
			ch.at(path, "%s: unknown account name %q%s", label, n, x.hint(n, x.nameList))
		}
	case strings.HasPrefix(sel, "ou:"):
		if p := strings.Trim(sel[3:], "/"); !x.ous[strings.ToLower(p)] {
			ch.at(path, "%s: unknown OU path %q%s; known: %s", label, p, x.hint(p, x.ouList), known(x.ouList))
		}
	case strings.HasPrefix(sel, "tag:"):
		if !x.tags[strings.ToLower(sel[4:])] || !x.tagMatches(sel) {
			ch.warn(path, "%s: tag selector %q matches no account", label, sel)
		}
	default:
		if !x.accountIDs[sel] {
			ch.at(path, "%s: unknown account ID %s: not an account of the organisation", label, sel)
		}
	}
}

// tagMatches confirms a tag hit case-sensitively, as MatchAccount does.
func (x *dirIndex) tagMatches(sel string) bool {
	for i := range x.dir.Accounts {
		if stint.MatchAccount(sel, &x.dir.Accounts[i]) {
			return true
		}
	}
	return false
}

// reachable reports whether some user may request through f, looking only
// at the users its requester references name.
func (x *dirIndex) reachable(f *stint.Flow) bool {
	try := func(i int) bool { return f.AllowsRequester(&x.users[i]) }
	for _, r := range f.Requesters {
		kind, v, _ := strings.Cut(r, ":")
		switch kind {
		case "user":
			if i, ok := x.byEmail[strings.ToLower(v)]; ok && try(i) {
				return true
			}
		case "group":
			if slices.ContainsFunc(x.byGroup[strings.ToLower(v)], try) {
				return true
			}
		}
	}
	return false
}

func known(names []string) string {
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

// discovered warns about a selector that no discovered resource matches,
// or whose accounts discovery could not read.
func (x *dirIndex) discovered(ch *checker, path, label string, sel *stint.Selector) {
	accounts := map[string]*stint.Account{}
	for i := range x.dir.Accounts {
		accounts[x.dir.Accounts[i].ID] = &x.dir.Accounts[i]
	}
	for i := range x.dir.Resources {
		r := &x.dir.Resources[i]
		if a := accounts[r.AccountID]; a != nil && sel.Matches(a, r) {
			return
		}
	}
	for _, de := range x.dir.DiscoveryErrors {
		if a := accounts[de.AccountID]; a != nil && (de.Type == "" || de.Type == sel.Type) &&
			slices.ContainsFunc(sel.Accounts, func(s string) bool { return stint.MatchAccount(s, a) }) {
			ch.warn(path, "%s: %s matches nothing discovered yet; account %s could not be read: %s", label, sel, de.AccountID, de.Error)
			return
		}
	}
	ch.warn(path, "%s: %s matches no discovered resource", label, sel)
}
