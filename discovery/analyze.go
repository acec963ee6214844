package discovery

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Thresholds say when access is unused, a key long-lived and access wide.
type Thresholds struct {
	// UnusedDays: access not used for this many days is unused. Default 90.
	UnusedDays int
	// KeyAgeDays: an active access key older than this is long-lived.
	// Default 90 (the CIS benchmark's rotation period).
	KeyAgeDays int
	// WidePeople: this many people or more holding the same permission set
	// in the same account is wide access. Default 10.
	WidePeople int
}

// Threshold defaults.
const (
	DefaultUnusedDays = 90
	DefaultKeyAgeDays = 90
	DefaultWidePeople = 10
)

func (t Thresholds) withDefaults() Thresholds {
	t.UnusedDays = cmp.Or(t.UnusedDays, DefaultUnusedDays)
	t.KeyAgeDays = cmp.Or(t.KeyAgeDays, DefaultKeyAgeDays)
	t.WidePeople = cmp.Or(t.WidePeople, DefaultWidePeople)
	return t
}

// Base scores and modifiers; docs/discovery.md explains them. A score is
// the kind's base plus what makes the access more dangerous (admin or
// write access, more people, a production account, no MFA, longer disuse
// or age), capped at 100.
const (
	baseStandingAdmin = 70
	baseTrustAnyone   = 80
	baseTrustOutside  = 60
	baseNoMFA         = 45
	baseLongLivedKey  = 35
	baseWideAccess    = 30
	baseUnusedAdmin   = 50
	baseUnusedWrite   = 35
	baseUnusedRead    = 25

	bonusAdmin   = 20 // the access is admin-equivalent (for kinds that do not require it)
	bonusWrite   = 5  // the access changes things
	bonusProd    = 5  // a production account
	bonusNever   = 5  // never used at all
	bonusNoMFA   = 10 // an admin-equivalent IAM user whose password has no MFA
	bonusKey     = 5  // an admin-equivalent IAM user with an active access key
	bonusTrusted = 15 // an admin-equivalent role others may assume
	maxPerPerson = 10 // +1 a person beyond the first (standing admin) or the threshold (wide access)
	maxKeyAge    = 15 // +1 a 30 days beyond the key age threshold
	externalID   = 15 // taken off an outside account's trust that requires sts:ExternalId
)

func accessBonus(l stint.AccessLevel) int {
	switch l {
	case stint.AccessAdmin:
		return bonusAdmin
	case stint.AccessWrite:
		return bonusWrite
	}
	return 0
}

// analysis holds what Analyze looks things up in.
type analysis struct {
	inv      *stint.Inventory
	th       Thresholds
	now      time.Time
	accounts map[string]stint.ScanAccount
	members  map[string][]*stint.User // group name (lower case) -> users
	users    map[string]*stint.User   // user ID -> user
	roles    map[string]*stint.SSORole
	out      []stint.Finding
}

// Analyze judges an inventory and returns its findings, highest score
// first: standing admin (Identity Center assignments and IAM users), IAM
// roles others outside the organisation may assume, IAM users with a
// console password and no MFA, long-lived access keys, wide access (many
// people with the same permission set in an account) and unused access
// (assignments whose permission set nobody used in the account, dormant IAM
// users). Assignments stint holds for grants (inv.Held) are not judged.
func Analyze(inv *stint.Inventory, accounts []stint.ScanAccount, th Thresholds, now time.Time) []stint.Finding {
	a := &analysis{inv: inv, th: th.withDefaults(), now: now, accounts: map[string]stint.ScanAccount{},
		members: map[string][]*stint.User{}, users: map[string]*stint.User{}, roles: map[string]*stint.SSORole{}}
	for _, acct := range accounts {
		a.accounts[acct.ID] = acct
	}
	for i := range inv.Users {
		u := &inv.Users[i]
		a.users[u.ID] = u
		for _, g := range u.Groups {
			a.members[strings.ToLower(g)] = append(a.members[strings.ToLower(g)], u)
		}
	}
	for i := range inv.SSORoles {
		r := &inv.SSORoles[i]
		a.roles[r.AccountID+"|"+strings.ToLower(r.PermissionSet)] = r
	}
	a.assignments()
	a.wide()
	for i := range inv.IAMUsers {
		a.iamUser(&inv.IAMUsers[i])
	}
	for i := range inv.IAMRoles {
		a.iamRole(&inv.IAMRoles[i])
	}
	stint.SortFindings(a.out)
	return a.out
}

func (a *analysis) add(f stint.Finding) {
	f.Score = min(100, max(0, f.Score))
	f.Severity = stint.Severity(f.Score)
	f.AccountName = a.accounts[f.AccountID].Name
	f.Key = stint.FindingKey(f.Kind, f.AccountID, f.Principal, f.Resource)
	a.out = append(a.out, f)
}

// prod reports whether an account is a production one: an OU on its path,
// or a word of its name, is prod, prd or production.
func (a *analysis) prod(accountID string) bool {
	acct := a.accounts[accountID]
	words := strings.FieldsFunc(strings.ToLower(acct.OUPath+"/"+acct.Name), func(r rune) bool {
		return r == '/' || r == '-' || r == '_' || r == '.' || r == ' '
	})
	return slices.ContainsFunc(words, func(w string) bool { return w == "prod" || w == "prd" || w == "production" })
}

func (a *analysis) prodBonus(accountID string) int {
	if a.prod(accountID) {
		return bonusProd
	}
	return 0
}

// label names an account in reasons: its name, else its ID.
func (a *analysis) label(accountID string) string {
	return cmp.Or(a.accounts[accountID].Name, accountID)
}

// principal returns the assignment's principal as flows name it, who it
// reaches, and a description.
func (a *analysis) principal(as *stint.InventoryAssignment) (ref string, people []*stint.User, desc string) {
	if as.PrincipalType == "GROUP" {
		people = a.members[strings.ToLower(as.PrincipalName)]
		return "group:" + cmp.Or(as.PrincipalName, as.PrincipalID), people,
			fmt.Sprintf("group %s (%d %s)", cmp.Or(as.PrincipalName, as.PrincipalID), len(people), plural(len(people), "member"))
	}
	if u := a.users[as.PrincipalID]; u != nil {
		return "user:" + u.Email, []*stint.User{u}, "user " + u.UserName
	}
	return "user:" + as.PrincipalID, nil, "user " + as.PrincipalID + " (no longer in the identity store)"
}

func (a *analysis) assignments() {
	for i := range a.inv.Assignments {
		as := &a.inv.Assignments[i]
		ref, people, desc := a.principal(as)
		base := stint.Finding{AccountID: as.AccountID, Principal: ref, Resource: as.ResourceID(),
			Details: map[string]string{"permission_set": as.PermissionSet, "principal_type": strings.ToLower(as.PrincipalType)}}
		if as.PrincipalType == "GROUP" {
			base.Details["members"] = strconv.Itoa(len(people))
		}
		if as.HeldByGrant {
			base.Details["held_by_grant"] = "true"
		}
		if as.Access == stint.AccessAdmin {
			f := base
			f.Kind = stint.FindingStandingAdmin
			f.Score = baseStandingAdmin + min(maxPerPerson, max(0, len(people)-1)) + a.prodBonus(as.AccountID)
			f.Reason = fmt.Sprintf("%s holds admin-equivalent %s in %s without a request: %s", desc, as.PermissionSet, a.label(as.AccountID), as.AccessReason)
			f.Details = withDetail(base.Details, "access_reason", as.AccessReason)
			a.add(f)
		}
		if idle, days, never := a.idleRole(as.AccountID, as.PermissionSet); idle {
			f := base
			f.Kind = stint.FindingUnused
			f.Score = unusedBase(as.Access) + a.prodBonus(as.AccountID)
			if never {
				f.Score += bonusNever
				f.Reason = fmt.Sprintf("%s holds %s in %s, which nobody has used since its role was made %d days ago", desc, as.PermissionSet, a.label(as.AccountID), days)
			} else {
				f.Reason = fmt.Sprintf("%s holds %s in %s, which nobody has used for %d days", desc, as.PermissionSet, a.label(as.AccountID), days)
			}
			f.Details = withDetail(base.Details, "idle_days", strconv.Itoa(days))
			a.add(f)
		}
	}
}

func unusedBase(l stint.AccessLevel) int {
	switch l {
	case stint.AccessAdmin:
		return baseUnusedAdmin
	case stint.AccessWrite:
		return baseUnusedWrite
	}
	return baseUnusedRead
}

// idleRole reports whether the permission set's Identity Center role in
// the account has gone unused for the threshold (or was never used and is
// older than it), for how many days, and whether it was ever used. Without
// the role (its account's IAM unread) nothing is known: not idle.
func (a *analysis) idleRole(accountID, permissionSet string) (idle bool, days int, never bool) {
	r := a.roles[accountID+"|"+strings.ToLower(permissionSet)]
	if r == nil {
		return false, 0, false
	}
	since := r.CreatedAt
	if r.LastUsed != nil {
		since = *r.LastUsed
	}
	days = int(a.now.Sub(since).Hours() / 24)
	return days >= a.th.UnusedDays, days, r.LastUsed == nil
}

// wide reports permission sets that many people hold in one account.
func (a *analysis) wide() {
	type key struct{ account, ps string }
	people := map[key]map[string]bool{}
	via := map[key][]string{}
	access := map[key]stint.AccessLevel{}
	for i := range a.inv.Assignments {
		as := &a.inv.Assignments[i]
		k := key{as.AccountID, as.PermissionSet}
		if people[k] == nil {
			people[k] = map[string]bool{}
		}
		_, reached, desc := a.principal(as)
		for _, u := range reached {
			people[k][u.ID] = true
		}
		via[k] = append(via[k], desc)
		access[k] = judgement{level: access[k]}.max(judgement{level: as.Access}).level
	}
	for k, ids := range people {
		n := len(ids)
		if n < a.th.WidePeople {
			continue
		}
		slices.Sort(via[k])
		a.add(stint.Finding{Kind: stint.FindingWideAccess, AccountID: k.account, Resource: stint.ResourceID(k.account, k.ps),
			Score:   baseWideAccess + min(maxPerPerson, n-a.th.WidePeople) + accessBonus(access[k]) + a.prodBonus(k.account),
			Reason:  fmt.Sprintf("%d people hold %s in %s without a request (through %s)", n, k.ps, a.label(k.account), strings.Join(via[k], ", ")),
			Details: map[string]string{"people": strconv.Itoa(n), "permission_set": k.ps, "access": string(access[k])}})
	}
}

func (a *analysis) iamUser(u *stint.IAMUser) {
	ref := "iam-user:" + u.UserName
	activeKey := slices.ContainsFunc(u.AccessKeys, func(k stint.AccessKey) bool { return k.Active })
	details := map[string]string{"access": string(u.Access)}
	if u.Services != nil {
		details["services_used"] = fmt.Sprintf("%d of %d", u.Services.Used, u.Services.Granted)
	}
	if u.Access == stint.AccessAdmin {
		score := baseStandingAdmin + a.prodBonus(u.AccountID)
		extra := ""
		if u.Password && !u.MFA {
			score += bonusNoMFA
			extra += "; its console password has no MFA"
		}
		if activeKey {
			score += bonusKey
			extra += "; it has an active access key"
		}
		a.add(stint.Finding{Kind: stint.FindingStandingAdmin, AccountID: u.AccountID, Principal: ref, Resource: u.ARN, Score: score,
			Reason:  fmt.Sprintf("IAM user %s in %s is admin-equivalent: %s%s", u.UserName, a.label(u.AccountID), u.AccessReason, extra),
			Details: withDetail(details, "access_reason", u.AccessReason)})
	}
	if u.Password && !u.MFA {
		a.add(stint.Finding{Kind: stint.FindingNoMFA, AccountID: u.AccountID, Principal: ref, Resource: u.ARN,
			Score:   baseNoMFA + accessBonus(u.Access) + a.prodBonus(u.AccountID),
			Reason:  fmt.Sprintf("IAM user %s in %s signs in to the console with a password and no MFA device (%s access)", u.UserName, a.label(u.AccountID), u.Access),
			Details: details})
	}
	for _, k := range u.AccessKeys {
		if !k.Active || k.CreatedAt == nil {
			continue
		}
		age := int(a.now.Sub(*k.CreatedAt).Hours() / 24)
		if age < a.th.KeyAgeDays {
			continue
		}
		score := baseLongLivedKey + min(maxKeyAge, (age-a.th.KeyAgeDays)/30) + accessBonus(u.Access) + a.prodBonus(u.AccountID)
		use := "never used"
		if k.LastUsed != nil {
			use = fmt.Sprintf("last used %d days ago", int(a.now.Sub(*k.LastUsed).Hours()/24))
		}
		if k.LastUsed == nil || a.now.Sub(*k.LastUsed) >= a.days(a.th.UnusedDays) {
			score += bonusNever
		}
		a.add(stint.Finding{Kind: stint.FindingLongLivedKey, AccountID: u.AccountID, Principal: ref, Resource: fmt.Sprintf("%s#key%d", u.ARN, k.Slot),
			Score:   score,
			Reason:  fmt.Sprintf("access key %d of IAM user %s in %s is %d days old (%s, %s access); rotate it or replace it with requested access", k.Slot, u.UserName, a.label(u.AccountID), age, use, u.Access),
			Details: withDetail(details, "age_days", strconv.Itoa(age))})
	}
	if !u.Password && !activeKey {
		return // it cannot sign in at all
	}
	if idle := a.now.Sub(u.CreatedAt); idle < a.days(a.th.UnusedDays) {
		return
	}
	last := u.LastActivity()
	if last != nil && a.now.Sub(*last) < a.days(a.th.UnusedDays) {
		return
	}
	f := stint.Finding{Kind: stint.FindingUnused, AccountID: u.AccountID, Principal: ref, Resource: u.ARN, Details: details,
		Score: unusedBase(u.Access) + a.prodBonus(u.AccountID)}
	if last == nil {
		f.Score += bonusNever
		f.Reason = fmt.Sprintf("IAM user %s in %s has credentials but has never signed in or used a key in %d days", u.UserName, a.label(u.AccountID), int(a.now.Sub(u.CreatedAt).Hours()/24))
	} else {
		f.Reason = fmt.Sprintf("IAM user %s in %s has not signed in or used a key for %d days", u.UserName, a.label(u.AccountID), int(a.now.Sub(*last).Hours()/24))
	}
	a.add(f)
}

func (a *analysis) days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func (a *analysis) iamRole(r *stint.IAMRole) {
	var outside []stint.TrustedPrincipal
	for _, t := range r.Trusts {
		if t.Outside {
			outside = append(outside, t)
		}
	}
	if len(outside) == 0 {
		return
	}
	score, who := baseTrustOutside, make([]string, 0, len(outside))
	anyone := false
	for _, t := range outside {
		desc := "account " + t.AccountID
		if t.Principal == "*" {
			anyone, desc = true, "any AWS principal (*)"
		}
		if len(t.Conditions) > 0 {
			desc += " with condition " + strings.Join(t.Conditions, ", ")
		}
		who = append(who, desc)
	}
	externalOnly := !anyone && !slices.ContainsFunc(outside, func(t stint.TrustedPrincipal) bool {
		return !slices.ContainsFunc(t.Conditions, func(c string) bool { return strings.EqualFold(c, "sts:ExternalId") })
	})
	switch {
	case anyone:
		score = baseTrustAnyone
	case externalOnly:
		score -= externalID
	}
	if r.Access == stint.AccessAdmin {
		score += bonusTrusted
	} else {
		score += accessBonus(r.Access)
	}
	score += a.prodBonus(r.AccountID)
	details := map[string]string{"access": string(r.Access), "trusted": strings.Join(who, "; ")}
	if r.LastUsed != nil {
		details["last_used"] = r.LastUsed.Format(time.DateOnly)
	}
	a.add(stint.Finding{Kind: stint.FindingExternalTrust, AccountID: r.AccountID, Principal: "iam-role:" + r.RoleName, Resource: r.ARN, Score: score,
		Reason:  fmt.Sprintf("IAM role %s in %s (%s access) may be assumed by %s, outside the organisation", r.RoleName, a.label(r.AccountID), r.Access, strings.Join(who, "; ")),
		Details: details})
}

func withDetail(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for mk, mv := range m {
		out[mk] = mv
	}
	if v != "" {
		out[k] = v
	}
	return out
}

func plural(n int, noun string) string {
	switch {
	case n == 1:
		return noun
	case noun == "person":
		return "people"
	}
	return noun + "s"
}
