package review

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// BuildInput is what a campaign's items are made from.
type BuildInput struct {
	Campaign  *stint.Campaign
	Directory *stint.Directory
	// Scan is the discovery scan of standing access (with its inventory);
	// required when the scope asks for standing access.
	Scan *stint.Scan
	// Grants are the grants to consider for JIT (every grant not ended
	// before the window is enough).
	Grants []*stint.Grant
	// Flows name resource owners; Managers map a user's email to their
	// manager's where the identity store names none.
	Flows    []stint.Flow
	Managers map[string]string
	NewID    func() string
	Now      time.Time
}

// Build makes the items of a campaign from its scope: the scan's standing
// Identity Center assignments and IAM group memberships, and the grants
// live now or during the window, each in the scope's accounts,
// permission sets and types, with its reviewers. It returns EINVALID or
// ENOTFOUND for a scope naming accounts or permission sets the directory
// does not have, EINVALID when the scope matches no access, and EINVALID
// naming the items no reviewer rule finds anyone for.
func Build(in BuildInput) ([]*stint.ReviewItem, error) {
	c, dir := in.Campaign, in.Directory
	if err := checkScope(&c.Scope, dir); err != nil {
		return nil, err
	}
	var items []*stint.ReviewItem
	if c.Scope.Standing {
		if in.Scan == nil || in.Scan.Inventory == nil {
			return nil, stint.Errorf(stint.ENOTFOUND, "no discovery scan to take standing access from; run `stint discover` first")
		}
		items = append(items, standingItems(c, dir, in.Scan)...)
	}
	if c.Scope.JIT {
		items = append(items, grantItems(c, dir, in.Grants, in.Now)...)
	}
	if len(items) == 0 {
		return nil, stint.Errorf(stint.EINVALID, "the scope matches no access: nothing to review (scan %s, %d grants considered)", cmpOr(c.ScanID, "none"), len(in.Grants))
	}
	r := resolver{dir: dir, flows: in.Flows, managers: in.Managers, allowSelf: c.AllowSelfReview}
	r.index()
	var unresolved []string
	seen := map[string]bool{}
	out := items[:0]
	for _, it := range items {
		if seen[it.Key()] {
			continue
		}
		seen[it.Key()] = true
		it.ID, it.CampaignID, it.State, it.CreatedAt, it.UpdatedAt = in.NewID(), c.ID, stint.ItemPending, in.Now, in.Now
		it.Reviewers, it.ReviewerRule = r.resolve(c.Reviewers, it)
		if len(it.Reviewers) == 0 {
			unresolved = append(unresolved, it.Label())
		}
		out = append(out, it)
	}
	if len(unresolved) > 0 {
		return nil, stint.Errorf(stint.EINVALID, "no reviewer for %d of %d items with reviewers %s (e.g. %s); add a fallback such as --reviewers %s,group:Security",
			len(unresolved), len(out), strings.Join(c.Reviewers, ","), strings.Join(unresolved[:min(3, len(unresolved))], "; "), strings.Join(c.Reviewers, ","))
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkScope checks the scope's accounts and permission sets against the
// directory: each selector must match an account, each permission set
// exist.
func checkScope(sc *stint.ReviewScope, dir *stint.Directory) error {
	for _, sel := range sc.Accounts {
		if !slices.ContainsFunc(dir.Accounts, func(a stint.Account) bool { return stint.MatchAccount(sel, &a) }) {
			if _, err := dir.Account(strings.TrimPrefix(sel, "name:")); err != nil && !strings.HasPrefix(sel, "ou:") {
				return stint.Errorf(stint.ENOTFOUND, "scope account %q matches no account: %s", sel, stint.ErrorMessage(err))
			}
			return stint.Errorf(stint.ENOTFOUND, "scope account %q matches no account; known OUs: %s", sel, strings.Join(ouPaths(dir), ", "))
		}
	}
	for i, ps := range sc.PermissionSets {
		p, err := dir.PermissionSet(ps)
		if err != nil {
			return stint.Errorf(stint.ENOTFOUND, "scope: %s", stint.ErrorMessage(err))
		}
		sc.PermissionSets[i] = p.Name
	}
	return nil
}

func ouPaths(dir *stint.Directory) []string {
	var out []string
	for _, a := range dir.Accounts {
		if a.OUPath != "" && !slices.Contains(out, a.OUPath) {
			out = append(out, a.OUPath)
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		return []string{"(none)"}
	}
	return out
}

// account returns the directory's account, or one made of what the scan
// knew of it.
func account(dir *stint.Directory, scan *stint.Scan, id string) *stint.Account {
	if a, err := dir.Account(id); err == nil {
		return a
	}
	if scan != nil {
		for _, sa := range scan.Accounts {
			if sa.ID == id {
				return &stint.Account{ID: sa.ID, Name: sa.Name, OUPath: sa.OUPath}
			}
		}
	}
	return &stint.Account{ID: id}
}

// standingItems are the scan's standing assignments and IAM group
// memberships in scope.
func standingItems(c *stint.Campaign, dir *stint.Directory, scan *stint.Scan) []*stint.ReviewItem {
	c.ScanID = scan.ID
	inv := scan.Inventory
	users := map[string]*stint.User{}
	for i := range dir.Users {
		users[dir.Users[i].ID] = &dir.Users[i]
	}
	var out []*stint.ReviewItem
	for _, a := range inv.Assignments {
		acct := account(dir, scan, a.AccountID)
		if !c.Scope.InScope(acct, stint.ResourceSSO, a.PermissionSet) {
			continue
		}
		it := &stint.ReviewItem{Source: stint.SourceStanding, PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID,
			Principal: cmpOr(a.PrincipalName, a.PrincipalID), ResourceID: a.ResourceID(), Type: stint.ResourceSSO,
			AccountID: a.AccountID, AccountName: acct.Name, PermissionSet: a.PermissionSet, PermissionSetARN: a.PermissionSetARN,
			Access: a.Access, HeldByGrant: a.HeldByGrant}
		if a.PrincipalType == "USER" {
			if u := users[a.PrincipalID]; u != nil {
				it.UserID, it.UserEmail, it.UserName, it.Principal = u.ID, u.Email, u.UserName, cmpOr(u.Email, it.Principal)
			}
		}
		out = append(out, it)
	}
	for _, u := range inv.IAMUsers {
		acct := account(dir, scan, u.AccountID)
		if !c.Scope.InScope(acct, stint.ResourceIAMGroup, "") {
			continue
		}
		for _, g := range u.Groups {
			it := &stint.ReviewItem{Source: stint.SourceStanding, PrincipalType: "IAM_USER", PrincipalID: u.UserName,
				Principal: "iam-user:" + u.UserName, ResourceID: string(stint.ResourceIAMGroup) + ":" + u.AccountID + "/" + g,
				Type: stint.ResourceIAMGroup, AccountID: u.AccountID, AccountName: acct.Name, Name: g, Access: u.Access}
			// By convention an IAM user is named as its person's
			// identity store user name (IAM group grants rely on it).
			for i := range dir.Users {
				if dir.Users[i].UserName == u.UserName {
					it.UserID, it.UserEmail, it.UserName = dir.Users[i].ID, dir.Users[i].Email, u.UserName
				}
			}
			out = append(out, it)
		}
	}
	return out
}

// grantItems are the grants in scope that are live now, or were active
// at some time in the window.
func grantItems(c *stint.Campaign, dir *stint.Directory, grants []*stint.Grant, now time.Time) []*stint.ReviewItem {
	since := now.Add(-time.Duration(c.Scope.Window))
	var out []*stint.ReviewItem
	for _, g := range grants {
		held := g.State.Live() || g.State == stint.GrantFailed || g.State == stint.GrantRevoking ||
			(g.State == stint.GrantEnded && g.EndReason != stint.EndNotActivated && g.EndedAt != nil && !g.EndedAt.Before(since))
		if !held {
			continue
		}
		acct := account(dir, nil, g.AccountID)
		if acct.Name == "" {
			acct.Name = g.AccountName
		}
		if !c.Scope.InScope(acct, g.Type, g.PermissionSet) {
			continue
		}
		ends := g.EndsAt
		if g.EndedAt != nil {
			ends = *g.EndedAt
		}
		out = append(out, &stint.ReviewItem{Source: stint.SourceGrant, PrincipalType: "USER", PrincipalID: g.UserID,
			Principal: g.UserEmail, UserID: g.UserID, UserEmail: g.UserEmail, UserName: g.UserName, ResourceID: g.ResourceID,
			Type: g.Type.Or(), AccountID: g.AccountID, AccountName: cmpOr(g.AccountName, acct.Name), PermissionSet: g.PermissionSet,
			PermissionSetARN: g.PermissionSetARN, Name: g.Name, GrantID: g.ID, GrantState: g.State, GrantEnds: &ends})
	}
	return out
}

// resolver finds items' reviewers.
type resolver struct {
	dir       *stint.Directory
	flows     []stint.Flow
	managers  map[string]string
	allowSelf bool
	byEmail   map[string]*stint.User
}

func (r *resolver) index() {
	r.byEmail = map[string]*stint.User{}
	for i := range r.dir.Users {
		r.byEmail[strings.ToLower(r.dir.Users[i].Email)] = &r.dir.Users[i]
	}
}

// resolve tries the rules in order and returns the first non-empty set of
// reviewers (leaving out the holder unless self-review is allowed), and
// the rule that gave them.
func (r *resolver) resolve(rules []string, it *stint.ReviewItem) ([]string, string) {
	for _, rule := range rules {
		var refs []string
		switch rule {
		case stint.ReviewerOwner:
			refs = r.owners(it)
		case stint.ReviewerManager:
			if m := r.manager(it); m != "" {
				refs = []string{"user:" + m}
			}
		default:
			refs = []string{rule}
		}
		refs = slices.DeleteFunc(refs, func(ref string) bool { return !r.allowSelf && r.onlyHolder(ref, it) })
		if len(refs) > 0 {
			return refs, rule
		}
	}
	return nil, ""
}

// onlyHolder reports whether the reference names the holder alone: the
// holder themselves, or a group whose only member is the holder.
func (r *resolver) onlyHolder(ref string, it *stint.ReviewItem) bool {
	kind, val, _ := strings.Cut(ref, ":")
	if kind == "user" {
		return it.UserEmail != "" && strings.EqualFold(val, it.UserEmail)
	}
	for i := range r.dir.Users {
		u := &r.dir.Users[i]
		if u.InGroup(val) && !it.Holds(u) {
			return false
		}
	}
	// No member but the holder (or none known: a config group is
	// expanded when deciding, so it is kept).
	return slices.ContainsFunc(r.dir.Users, func(u stint.User) bool { return u.InGroup(val) })
}

// owners returns the owners of the first flow that covers the item's
// resource and names owners.
func (r *resolver) owners(it *stint.ReviewItem) []string {
	a := account(r.dir, nil, it.AccountID)
	ref := &stint.ResourceRef{ID: it.ResourceID, Type: it.Type, AccountID: it.AccountID, PermissionSet: it.PermissionSet, Name: it.Name}
	for i := range r.flows {
		f := &r.flows[i]
		if len(f.Owners) > 0 && f.CoversRef(a, ref) {
			return slices.Clone(f.Owners)
		}
	}
	return nil
}

// manager returns the email of the holder's manager: the identity store's
// (the enterprise extension's manager), else the config's mapping.
func (r *resolver) manager(it *stint.ReviewItem) string {
	if it.UserID == "" {
		return ""
	}
	if u, err := r.dir.UserByID(it.UserID); err == nil && u.ManagerID != "" {
		if m, err := r.dir.UserByID(u.ManagerID); err == nil && m.Email != "" {
			return m.Email
		}
	}
	for k, v := range r.managers {
		if strings.EqualFold(k, it.UserEmail) {
			return v
		}
	}
	return ""
}

// String describes an item for logs.
func describe(it *stint.ReviewItem) string {
	return fmt.Sprintf("%s (%s)", it.Label(), it.ID)
}
