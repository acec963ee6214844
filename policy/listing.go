package policy

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// BundleInput asks whether a user may request a flow's bundle.
type BundleInput struct {
	User       *stint.User
	Flow       string
	Bundle     string
	Duration   time.Duration // 0 means the flow's default
	BreakGlass bool
}

// BundleID is the resource ID of a bundle in listings: "bundle:FLOW/NAME".
func BundleID(flow, bundle string) string { return "bundle:" + flow + "/" + bundle }

// DecideBundle decides a request for every resource of a flow's bundle at
// once: the bundle's selectors are expanded over the directory and each
// (account, permission set) pair must be allowed through that flow.
// Decision.Resources holds the pairs and Decision.Steps the approval plan
// for all their permission sets. It returns ENOTFOUND for an unknown flow
// or bundle, a permission set the directory lacks or a bundle that matches
// no account, and EFORBIDDEN naming the first pair the flow denies.
func (e *Engine) DecideBundle(ctx context.Context, dir *stint.Directory, in BundleInput) (*Decision, error) {
	if in.User == nil || dir == nil {
		return nil, stint.Errorf(stint.EINVALID, "a bundle decision needs a user and a directory")
	}
	c, err := e.flowByName(in.Flow)
	if err != nil {
		return nil, err
	}
	b, ok := c.flow.Bundle(in.Bundle)
	if !ok {
		names := make([]string, 0, len(c.flow.Bundles))
		for _, b := range c.flow.Bundles {
			names = append(names, b.Name)
		}
		return nil, stint.Errorf(stint.ENOTFOUND, "flow %q has no bundle %q; its bundles: %s", c.flow.Name, in.Bundle, strings.Join(names, ", "))
	}
	refs, err := expandBundle(dir, c, b)
	if err != nil {
		return nil, err
	}
	u := e.Expand(in.User)
	p := principalEntity(u)
	now := e.now()
	pss := make([]string, 0, 4)
	for i := range refs {
		ref := &refs[i]
		acct, _ := dir.Account(ref.AccountID)
		q := &question{in: RequestInput{User: u, Account: acct, Resource: ref, Duration: in.Duration, BreakGlass: in.BreakGlass}, ref: ref, user: u, now: now}
		res := newResourceEntities(e, acct, ref)
		q.ents, q.res = &entities{e: e, principal: &p, res: &res}, res.resource.UID
		if e.askSet(q, c, in.BreakGlass, true).allowed {
			// allowed
		} else if v := e.ask(q, c, in.BreakGlass); !v.allowed {
			return nil, stint.Errorf(stint.EFORBIDDEN, "%s may not request bundle %q of flow %q: %s in %s: %s",
				u.Email, b.Name, c.flow.Name, ref.Label(), accountLabel(acct), v.reason)
		}
		if !slices.Contains(pss, ref.Target()) {
			pss = append(pss, ref.Target())
		}
	}
	d := &Decision{Resources: refs, Steps: c.flow.Steps(pss, u)}
	if !in.BreakGlass {
		d.AutoApprove, _ = e.autoApprove(ctx, c, u, now, true)
	}
	f := cloneFlow(c.flow)
	d.Flow = &f
	d.Explanation = &Explanation{
		Allowed: true, User: u.Email, Resource: BundleID(c.flow.Name, b.Name), Flow: c.flow.Name,
		AutoApprove: d.AutoApprove, BreakGlass: in.BreakGlass, MaxDuration: c.flow.MaxDuration, Steps: d.Steps,
		Reasons: []FlowReason{{Flow: c.flow.Name, Allowed: true, Reason: fmt.Sprintf("allows all %d resources of the bundle", len(refs))}},
		Summary: fmt.Sprintf("allowed: bundle %q of flow %q (%d resources)", b.Name, c.flow.Name, len(refs)),
	}
	return d, nil
}

// BundleResources returns the (account, permission set) pairs the flow's
// bundle expands to, when u may request every one of them (default
// duration, no break-glass). Errors as DecideBundle.
func (e *Engine) BundleResources(dir *stint.Directory, u *stint.User, flow, bundle string) ([]stint.ResourceRef, error) {
	d, err := e.DecideBundle(context.Background(), dir, BundleInput{User: u, Flow: flow, Bundle: bundle})
	if err != nil {
		return nil, err
	}
	return d.Resources, nil
}

// expandBundle lists the directory's resources the bundle selects: the
// (account, permission set) pairs in account then permission set order,
// then the discovered resources of other types its selectors match.
func expandBundle(dir *stint.Directory, c *compiled, b *stint.Bundle) ([]stint.ResourceRef, error) {
	var pss []*stint.PermissionSet
	for _, r := range b.Resources {
		if r.IdentityCenter == nil {
			continue
		}
		for _, name := range r.IdentityCenter.PermissionSets {
			ps, err := dir.PermissionSet(name)
			if err != nil {
				return nil, stint.Errorf(stint.ENOTFOUND, "bundle %q of flow %q: %s", b.Name, c.flow.Name, stint.ErrorMessage(err))
			}
			if !slices.Contains(pss, ps) {
				pss = append(pss, ps)
			}
		}
	}
	bf := stint.Flow{Resources: b.Resources}
	var out []stint.ResourceRef
	for i := range dir.Accounts {
		a := &dir.Accounts[i]
		for _, ps := range dir.PermissionSets {
			if !slices.ContainsFunc(pss, func(p *stint.PermissionSet) bool { return p.Name == ps.Name }) || !bf.Covers(a, ps.Name) {
				continue
			}
			out = append(out, stint.ResourceRef{
				ID: stint.ResourceID(a.ID, ps.Name), Type: stint.ResourceSSO, AccountID: a.ID, AccountName: a.Name,
				PermissionSet: ps.Name, PermissionSetARN: ps.ARN,
			})
		}
	}
	seen := map[string]bool{}
	for _, ref := range selectedRefs(dir, b.Resources) {
		if !seen[ref.ID] {
			seen[ref.ID] = true
			out = append(out, ref)
		}
	}
	if len(out) == 0 {
		return nil, stint.Errorf(stint.ENOTFOUND, "bundle %q of flow %q matches nothing in the directory", b.Name, c.flow.Name)
	}
	return out, nil
}

// selectedRefs returns the requestable resources that the selectors of
// other types than Identity Center offer on the directory's discovered
// resources, in selector, resource, level order.
func selectedRefs(dir *stint.Directory, rs []stint.FlowResource) []stint.ResourceRef {
	accounts := make(map[string]*stint.Account, len(dir.Accounts))
	for i := range dir.Accounts {
		accounts[dir.Accounts[i].ID] = &dir.Accounts[i]
	}
	var out []stint.ResourceRef
	for i := range rs {
		sel := rs[i].Selector()
		if sel == nil {
			continue
		}
		for j := range dir.Resources {
			r := &dir.Resources[j]
			a := accounts[r.AccountID]
			if a == nil || !sel.Matches(a, r) {
				continue
			}
			out = append(out, sel.Refs(a, r)...)
		}
	}
	return out
}

// Eligible lists what u may request: one row per (flow, account,
// permission set) of the directory and per (flow, discovered resource,
// level) that the flow's Cedar policies allow at the flow's default
// duration, in flow, account and permission set order, then the flow's
// other resources, and after each flow's rows one row per bundle u may
// request (ResourceID "bundle:FLOW/NAME"). AutoApprove reflects
// auto_approve and the time and group rules now; on-call rules are
// checked when a request is made.
func (e *Engine) Eligible(dir *stint.Directory, u *stint.User) []stint.Eligible {
	if dir == nil || u == nil {
		return nil
	}
	u = e.Expand(u)
	p := principalEntity(u)
	now := e.now()
	var out []stint.Eligible
	for _, c := range e.requesterFlows(u) {
		auto, _ := e.autoApprove(context.Background(), c, u, now, false)
		allowed := func(a *stint.Account, ref *stint.ResourceRef) bool {
			res := newResourceEntities(e, a, ref)
			q := &question{in: RequestInput{User: u, Account: a, Resource: ref}, ref: ref, user: u, now: now,
				ents: &entities{e: e, principal: &p, res: &res}, res: res.resource.UID}
			return e.askSet(q, c, false, true).allowed
		}
		row := func(ref *stint.ResourceRef) stint.Eligible {
			return stint.Eligible{
				Flow: c.flow.Name, ResourceID: ref.FormatID(), Type: ref.Type.Or(), AccountID: ref.AccountID, AccountName: ref.AccountName,
				PermissionSet: ref.PermissionSet, Name: ref.Name, Level: ref.Level, Namespace: ref.Namespace, Label: ref.Label(),
				MaxDuration: c.flow.MaxDuration, AutoApprove: auto,
			}
		}
		var pss []stint.PermissionSet
		for _, ps := range dir.PermissionSets {
			if c.psKeys[foldKey(ps.Name)] {
				pss = append(pss, ps)
			}
		}
		for ai := range dir.Accounts {
			a := &dir.Accounts[ai]
			for _, ps := range pss {
				if !c.flow.Covers(a, ps.Name) {
					continue // a cheap superset test before asking Cedar
				}
				if ref := ssoRef(a, ps.Name); allowed(a, ref) {
					out = append(out, row(ref))
				}
			}
		}
		if len(c.types) > 0 {
			seen := map[string]bool{}
			for _, ref := range selectedRefs(dir, c.flow.Resources) {
				a, _ := dir.Account(ref.AccountID)
				if seen[ref.ID] || a == nil || !allowed(a, &ref) {
					continue
				}
				seen[ref.ID] = true
				out = append(out, row(&ref))
			}
		}
		for _, b := range c.flow.Bundles {
			if _, err := e.BundleResources(dir, u, c.flow.Name, b.Name); err == nil {
				out = append(out, stint.Eligible{
					Flow: c.flow.Name, ResourceID: BundleID(c.flow.Name, b.Name), Label: "bundle " + b.Name,
					MaxDuration: c.flow.MaxDuration, AutoApprove: auto,
				})
			}
		}
	}
	return out
}

// requesterFlows returns the flows listing one of u's keys as a requester.
func (e *Engine) requesterFlows(u *stint.User) []*compiled {
	var idx []int
	for _, k := range userKeys(u) {
		for _, i := range e.byRequester[k] {
			if !slices.Contains(idx, i) {
				idx = append(idx, i)
			}
		}
	}
	slices.Sort(idx)
	out := make([]*compiled, len(idx))
	for i, x := range idx {
		out[i] = e.flows[x]
	}
	return out
}

// userKeys are the index keys of a user: "u:"+email and "g:"+group for an
// internal user; for an external one only "x:"+organisation, so that no
// flow naming users or groups is ever a candidate for them.
func userKeys(u *stint.User) []string {
	if u.External() {
		return []string{externalKey(u.Attributes[stint.AttrOrg])}
	}
	keys := make([]string, 0, len(u.Groups)+1)
	keys = append(keys, "u:"+foldKey(u.Email))
	for _, g := range u.Groups {
		keys = append(keys, "g:"+foldKey(g))
	}
	return keys
}

// WhoCan lists every directory user who may request the permission set in
// the account at the flow's default duration; WhoCanRef does it for any
// resource.
func (e *Engine) WhoCan(dir *stint.Directory, account *stint.Account, permissionSet string) []WhoCan {
	if account == nil {
		return nil
	}
	return e.WhoCanRef(dir, account, ssoRef(account, permissionSet))
}

// WhoCanRef lists every directory user who may request the resource in
// the account at the flow's default duration, one row per (user, flow), in
// directory then flow order. Users are grouped by what the flows can see
// of them (the groups, emails and attributes the flows name) and each
// group is evaluated once; flows with a cedar block are evaluated per user.
// AutoApprove reflects auto_approve and the time and group rules now.
func (e *Engine) WhoCanRef(dir *stint.Directory, account *stint.Account, ref *stint.ResourceRef) []WhoCan {
	if dir == nil || account == nil || ref == nil {
		return nil
	}
	flows := e.flowsFor(ref)
	if len(flows) == 0 {
		return nil
	}
	sig := newSignature(flows)
	res := newResourceEntities(e, account, ref)
	now := e.now()
	rows := map[string][]WhoCan{}
	var out []WhoCan
	for i := range dir.Users {
		u := e.Expand(&dir.Users[i])
		keys := userKeys(u)
		key := sig.of(u, keys)
		tmpl, seen := rows[key]
		if !seen {
			tmpl = e.whoCanRows(u, keys, flows, account, &res, ref, now)
			rows[key] = tmpl
		}
		for _, r := range tmpl {
			r.User = u.Email
			out = append(out, r)
		}
	}
	return out
}

func (e *Engine) whoCanRows(u *stint.User, keys []string, flows []*compiled, a *stint.Account, res *resourceEntities, ref *stint.ResourceRef, now time.Time) []WhoCan {
	var out []WhoCan
	var p *entities
	for _, c := range flows {
		if !slices.ContainsFunc(keys, func(k string) bool { return c.requesters[k] }) {
			continue
		}
		if p == nil {
			ent := principalEntity(u)
			p = &entities{e: e, principal: &ent, res: res}
		}
		q := &question{in: RequestInput{User: u, Account: a, Resource: ref}, ref: ref, user: u, ents: p, res: res.resource.UID, now: now}
		if !e.askSet(q, c, false, true).allowed {
			continue
		}
		f := &c.flow
		row := WhoCan{Flow: f.Name, MaxDuration: f.MaxDuration}
		row.BreakGlass = f.BreakGlass != nil && e.askSet(q, c, true, true).allowed
		row.AutoApprove, _ = e.autoApprove(context.Background(), c, u, now, false)
		for _, st := range f.Steps([]string{ref.Target()}, u) {
			for _, a := range st.Approvers {
				if !slices.Contains(row.Approvers, a) {
					row.Approvers = append(row.Approvers, a)
				}
			}
		}
		out = append(out, row)
	}
	return out
}

// signature keys users by what a set of flows can tell apart.
type signature struct {
	perUser bool
	groups  map[string]bool // fold keys
	emails  map[string]bool
	attrs   []string
}

func newSignature(flows []*compiled) *signature {
	s := &signature{groups: map[string]bool{}, emails: map[string]bool{}}
	addRef := func(ref string) {
		k := refKey(ref)
		if strings.HasPrefix(k, "u:") {
			s.emails[k[2:]] = true
		} else {
			s.groups[k[2:]] = true
		}
	}
	attrs := map[string]bool{}
	for _, c := range flows {
		f := &c.flow
		if strings.TrimSpace(f.Cedar) != "" {
			s.perUser = true // a cedar block may read anything about the user
		}
		for _, r := range slices.Concat(f.Requesters, f.Exclude) {
			addRef(r)
		}
		for _, g := range c.bgGroups {
			s.groups[foldKey(g)] = true
		}
		for _, st := range f.ApprovalSteps {
			for _, g := range st.RequesterGroups {
				s.groups[foldKey(g)] = true
			}
		}
		for _, r := range f.AutoApproveWhen {
			for _, g := range r.RequesterGroups {
				s.groups[foldKey(stripGroup(g))] = true
			}
		}
		for k := range f.RequesterAttributes {
			attrs[k] = true
		}
	}
	for k := range attrs {
		s.attrs = append(s.attrs, k)
	}
	sort.Strings(s.attrs)
	return s
}

func (s *signature) of(u *stint.User, keys []string) string {
	if s.perUser {
		return "u\x00" + u.Email
	}
	var b strings.Builder
	put := func(s string) { // length-prefixed, so no value can fake a boundary
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	var gs []string
	for _, k := range keys[1:] {
		if s.groups[k[2:]] {
			gs = append(gs, k[2:])
		}
	}
	sort.Strings(gs)
	for _, g := range slices.Compact(gs) {
		put(g)
	}
	b.WriteByte('|')
	if s.emails[keys[0][2:]] {
		put(keys[0])
	}
	for _, k := range s.attrs {
		if v, ok := u.Attributes[k]; ok {
			b.WriteByte('=')
			put(v)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}
