// Package policytest builds large, realistic flow fixtures for the policy
// engine's tests and benchmarks.
package policytest

import (
	"fmt"
	"time"

	"github.com/stint-dev/stint"
)

// Fixture builds a directory of nUsers users in 100 teams, nAccounts
// accounts in per-team OUs with tags, 50 permission sets, config groups
// (eng, ops, staff, oncall) and nFlows flows: flow j serves team j%100
// (every tenth also the whole eng group) and covers three permission sets in
// the accounts of team j%50, selected by OU, tag, name or ID in turn, with
// exclusions, requester attributes, two approval steps, break-glass and
// auto-approve windows mixed in; with cedar, every eleventh flow carries a
// raw forbid block.
func Fixture(nFlows, nUsers, nAccounts int, cedar bool) (*stint.Directory, []stint.Flow, map[string][]string) {
	const teams, permSets = 100, 50
	team := func(i int) string { return fmt.Sprintf("team-%02d", i) }
	dir := &stint.Directory{}
	for i := 0; i < permSets; i++ {
		dir.PermissionSets = append(dir.PermissionSets, stint.PermissionSet{Name: fmt.Sprintf("PS%02d", i), ARN: fmt.Sprintf("arn:ps-%02d", i)})
	}
	for i := 0; i < nAccounts; i++ {
		t := (i / 2) % 50
		ou := fmt.Sprintf("Prod/Team%02d", t)
		if i%2 == 1 {
			ou = fmt.Sprintf("Dev/Team%02d", t)
		}
		dir.Accounts = append(dir.Accounts, stint.Account{
			ID: fmt.Sprintf("%012d", 100000000000+i), Name: fmt.Sprintf("acct-%04d", i), OUPath: ou,
			Tags: map[string]string{"team": fmt.Sprintf("%02d", t), "env": []string{"prod", "dev"}[i%2]},
		})
	}
	for i := 0; i < nUsers; i++ {
		dir.Users = append(dir.Users, stint.User{
			ID: fmt.Sprintf("u-%05d", i), Email: fmt.Sprintf("u%05d@example.com", i),
			Groups:     []string{team(i % teams), fmt.Sprintf("role-%d", i%7)},
			Attributes: map[string]string{"department": []string{"eng", "ops", "sales"}[i%3]},
		})
	}
	groups := map[string][]string{"eng": {}, "ops": {}, "staff": {"group:eng", "group:ops"}, "oncall": {}}
	for t := 0; t < teams; t++ {
		g := "eng"
		if t >= 50 {
			g = "ops"
		}
		groups[g] = append(groups[g], "group:"+team(t))
	}
	for i := 0; i < 200; i++ {
		groups["oncall"] = append(groups["oncall"], fmt.Sprintf("user:u%05d@example.com", i*50))
	}
	var flows []stint.Flow
	for j := 0; j < nFlows; j++ {
		t := j % 50
		var sel string
		switch j % 4 {
		case 0:
			sel = fmt.Sprintf("ou:Prod/Team%02d", t)
		case 1:
			sel = fmt.Sprintf("tag:team=%02d", t)
		case 2:
			sel = fmt.Sprintf("name:acct-%04d", 2*t)
		default:
			sel = fmt.Sprintf("%012d", 100000000000+2*t+1)
		}
		f := stint.Flow{
			Name:       fmt.Sprintf("flow-%03d", j),
			Requesters: []string{"group:" + team(j%teams)},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{sel}, PermissionSets: []string{fmt.Sprintf("PS%02d", j%50), fmt.Sprintf("PS%02d", (j+7)%50), fmt.Sprintf("PS%02d", (j+19)%50)},
			}}},
			MaxDuration: stint.Duration(4 * time.Hour),
			ApprovalSteps: []stint.ApprovalStep{
				{Name: "lead", Approvers: []string{"group:leads"}},
				{Name: "security", Approvers: []string{"group:security"}, Quorum: 2, PermissionSets: []string{fmt.Sprintf("PS%02d", j%50)}},
			},
		}
		if j%10 == 0 {
			f.Requesters = append(f.Requesters, "group:eng")
		}
		if j%5 == 0 {
			f.Exclude = []string{fmt.Sprintf("user:u%05d@example.com", j)}
		}
		if j%3 == 0 {
			f.RequesterAttributes = map[string][]string{"department": {"eng", "ops"}}
		}
		if j%4 == 0 {
			f.BreakGlass = &stint.BreakGlass{Groups: []string{"oncall"}, MaxDuration: stint.Duration(time.Hour)}
		}
		if j%7 == 0 {
			f.AutoApproveWhen = []stint.AutoApproveRule{{Time: &stint.TimeWindow{Days: []string{"mon-fri"}, Hours: "09:00-18:00", Timezone: "Europe/Berlin"}}}
		}
		if cedar && j%11 == 0 {
			f.Cedar = `@reason("sales may not use break-glass")
forbid (principal, action == Action::"breakglass", resource)
when { principal.attributes has "department" && principal.attributes["department"] == "sales" };`
		}
		flows = append(flows, f)
	}
	return dir, flows, groups
}
