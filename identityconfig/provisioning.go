package identityconfig

import (
	"fmt"
	"strings"
)

// FieldProvisioning is the change field of a permission set update that
// provisions the latest version to accounts still running an older one.
// Its Added lists them as "NAME (ACCOUNT ID)", or the bare ID when the
// directory has no name for the account.
const FieldProvisioning = "provisioning"

// diffProvisioning plans provisioning for the permission sets the file
// manages that some accounts run in an older version (Live's
// NotProvisioned), such as after an apply that stopped between updating a
// permission set and provisioning it. The accounts go into a provisioning
// change of the set's update when Diff already plans one, else into an
// update of their own, so the plan shows them and exits 2. Permission sets
// that the file does not manage (external or undeclared) get a note, and
// those the plan deletes nothing.
func diffProvisioning(p *Plan, r *Resolved, live *Live) {
	names := map[string]string{}
	for _, a := range r.Directory.Accounts {
		names[a.ID] = a.Name
	}
	managed := map[string]bool{}
	for _, ps := range r.Desired.PermissionSets {
		managed[strings.ToLower(ps.Name)] = !ps.External
	}
	actions := map[string]int{} // permission set ARN -> index of its update or delete
	for i, a := range p.Actions {
		if a.Kind == KindPermissionSet && a.ID != "" {
			actions[a.ID] = i
		}
	}
	for _, ps := range live.PermissionSets {
		if len(ps.NotProvisioned) == 0 {
			continue
		}
		accounts := make([]string, len(ps.NotProvisioned))
		for i, id := range ps.NotProvisioned {
			accounts[i] = accountLabel(names[id], id)
		}
		change := Change{Field: FieldProvisioning, Added: accounts}
		i, planned := actions[ps.ARN]
		switch {
		case planned && p.Actions[i].Op == OpDelete:
		case !managed[strings.ToLower(ps.Name)]:
			p.Notes = append(p.Notes, fmt.Sprintf("permission set %s, which the file does not manage, runs an older version in %d %s (%s); it is left alone",
				ps.Name, len(accounts), plural(len(accounts), "account"), strings.Join(accounts, ", ")))
		case planned:
			p.Actions[i].Changes = append(p.Actions[i].Changes, change)
		default:
			p.Actions = append(p.Actions, Action{Op: OpUpdate, Kind: KindPermissionSet, Name: ps.Name, ID: ps.ARN, Changes: []Change{change}})
		}
	}
}

func accountLabel(name, id string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

// provisioningAccounts returns the account IDs of a provisioning change.
func provisioningAccounts(c Change) []string {
	ids := make([]string, 0, len(c.Added))
	for _, s := range c.Added {
		if open := strings.LastIndexByte(s, '('); open >= 0 && strings.HasSuffix(s, ")") {
			s = s[open+1 : len(s)-1]
		}
		ids = append(ids, s)
	}
	return ids
}
