package identityconfig

import (
	"strings"
)

// diffIdentities compares users, groups and the memberships of groups that
// declare members.
func diffIdentities(p *Plan, d *Desired, live *Live, opts DiffOptions) {
	users := map[string]*LiveUser{}
	userNames := map[string]string{} // ID -> user name
	for i := range live.Users {
		users[strings.ToLower(live.Users[i].UserName)] = &live.Users[i]
		userNames[live.Users[i].ID] = live.Users[i].UserName
	}
	declaredUsers := map[string]bool{}
	for _, want := range d.Users {
		declaredUsers[strings.ToLower(want.UserName)] = true
		have, ok := users[strings.ToLower(want.UserName)]
		if !ok {
			have = &LiveUser{}
		}
		var ch []Change
		for _, f := range [][3]string{
			{"display_name", have.DisplayName, want.DisplayName},
			{"given_name", have.GivenName, want.GivenName},
			{"family_name", have.FamilyName, want.FamilyName},
			{"email", have.Email, want.Email},
		} {
			if f[1] != f[2] {
				ch = append(ch, Change{Field: f[0], Old: f[1], New: f[2]})
			}
		}
		switch {
		case !ok:
			p.Actions = append(p.Actions, Action{Op: OpCreate, Kind: KindUser, Name: want.UserName, Changes: ch})
		case len(ch) > 0:
			p.Actions = append(p.Actions, Action{Op: OpUpdate, Kind: KindUser, Name: want.UserName, ID: have.ID, Changes: ch})
		}
	}
	for _, have := range live.Users {
		if !declaredUsers[strings.ToLower(have.UserName)] {
			if opts.Prune || opts.Owned.Users[have.ID] {
				p.Actions = append(p.Actions, Action{Op: OpDelete, Kind: KindUser, Name: have.UserName, ID: have.ID})
			} else {
				p.Unmanaged[KindUser]++
			}
		}
	}

	groups := map[string]*LiveGroup{}
	for i := range live.Groups {
		groups[strings.ToLower(live.Groups[i].Name)] = &live.Groups[i]
	}
	declaredGroups := map[string]bool{}
	for _, want := range d.Groups {
		declaredGroups[strings.ToLower(want.Name)] = true
		have, ok := groups[strings.ToLower(want.Name)]
		switch {
		case !ok:
			have = &LiveGroup{}
			var ch []Change
			if want.Description != "" {
				ch = append(ch, Change{Field: "description", New: want.Description})
			}
			p.Actions = append(p.Actions, Action{Op: OpCreate, Kind: KindGroup, Name: want.Name, Changes: ch})
		case have.Description != want.Description:
			p.Actions = append(p.Actions, Action{Op: OpUpdate, Kind: KindGroup, Name: want.Name, ID: have.ID,
				Changes: []Change{{Field: "description", Old: have.Description, New: want.Description}}})
		}
		if want.Members == nil {
			continue
		}
		spelled := map[string]string{} // lower-cased -> as written or stored
		var current []string
		for _, id := range have.MemberIDs {
			name := userNames[id]
			if name == "" {
				name = id // a member that is not a user we listed
			}
			spelled[strings.ToLower(name)] = name
			current = append(current, strings.ToLower(name))
		}
		wanted := make([]string, len(want.Members))
		for i, m := range want.Members {
			spelled[strings.ToLower(m)] = m
			wanted[i] = strings.ToLower(m)
		}
		added, removed := setDiff(current, wanted)
		for _, m := range added {
			p.Actions = append(p.Actions, Action{Op: OpCreate, Kind: KindMembership, Name: want.Name, Member: spelled[m]})
		}
		for _, m := range removed {
			p.Actions = append(p.Actions, Action{Op: OpDelete, Kind: KindMembership, Name: want.Name, ID: have.ID, Member: spelled[m]})
		}
	}
	for _, have := range live.Groups {
		if !declaredGroups[strings.ToLower(have.Name)] {
			if opts.Prune || opts.Owned.Groups[have.ID] {
				p.Actions = append(p.Actions, Action{Op: OpDelete, Kind: KindGroup, Name: have.Name, ID: have.ID})
			} else {
				p.Unmanaged[KindGroup]++
			}
		}
	}
}
