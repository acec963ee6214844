package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/policy"
)

// Policy engine fixture: 500 flows, 10,000 users, 1,000 accounts, 50
// permission sets; targets from issue 3.
const (
	polFlows     = 500
	polUsers     = 10000
	polAccounts  = 1000
	polPermSets  = 50
	polTeams     = 100
	polDecisions = 50000
	targetP99    = time.Millisecond
	targetRate   = 20000.0
	targetWhoCan = time.Second
)

// policyBench measures decisions (latency p50/p99 and decisions/s, on one
// core, in one goroutine) and who-can. It needs no moto_server.
func policyBench() error {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	rng := rand.New(rand.NewPCG(1, 2))
	dir, flows, groups := policyFixture()
	start := time.Now()
	e, err := policy.New(policy.Config{Flows: flows, Groups: groups, Now: func() time.Time { return time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		return err
	}
	fmt.Printf("   compile: %d flows in %s\n", polFlows, time.Since(start).Round(time.Millisecond))

	inputs := make([]policy.RequestInput, polDecisions)
	for i := range inputs {
		inputs[i] = policyInput(rng, dir, flows, i%2 == 0)
	}
	ctx := context.Background()
	for _, in := range inputs[:2000] { // warm up
		_, _ = e.DecideRequest(ctx, in)
	}
	lat := make([]time.Duration, len(inputs))
	allowed := 0
	var allowLat, denyLat []time.Duration
	begin := time.Now()
	for i, in := range inputs {
		t0 := time.Now()
		d, _ := e.DecideRequest(ctx, in)
		lat[i] = time.Since(t0)
		if d != nil {
			allowed++
			allowLat = append(allowLat, lat[i])
		} else {
			denyLat = append(denyLat, lat[i])
		}
	}
	total := time.Since(begin)
	rate := float64(len(inputs)) / total.Seconds()
	p50, p99 := pct(lat, 50), pct(lat, 99)
	fmt.Printf("   decisions: %d (%d allowed, %d denied, with the closest reason), one goroutine, GOMAXPROCS=1\n", len(inputs), allowed, len(inputs)-allowed)
	fmt.Printf("   latency p50 %s, p99 %s (target p99 <= %s: %.1fx headroom)\n", us(p50), us(p99), targetP99, float64(targetP99)/float64(p99))
	fmt.Printf("     allowed p50 %s p99 %s; denied p50 %s p99 %s\n", us(pct(allowLat, 50)), us(pct(allowLat, 99)), us(pct(denyLat, 50)), us(pct(denyLat, 99)))
	fmt.Printf("   throughput %.0f decisions/s (target >= %.0f: %.1fx)\n", rate, targetRate, rate/targetRate)

	var whos []time.Duration
	rows := 0
	for i := 0; i < 10; i++ {
		a := &dir.Accounts[rng.IntN(len(dir.Accounts))]
		ps := dir.PermissionSets[rng.IntN(len(dir.PermissionSets))].Name
		t0 := time.Now()
		rows += len(e.WhoCan(dir, a, ps))
		whos = append(whos, time.Since(t0))
	}
	worst := slices.Max(whos)
	fmt.Printf("   who-can over %d users: median %s, max %s over 10 resources, %d rows (target <= %s: %.1fx headroom)\n",
		polUsers, pct(whos, 50).Round(time.Millisecond), worst.Round(time.Millisecond), rows, targetWhoCan, float64(targetWhoCan)/float64(worst))
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }

func team(i int) string { return fmt.Sprintf("team-%02d", i) }

// policyFixture builds a directory and flows of the target size. Flow j
// serves team j%100 (every tenth also the whole "eng" group), covers three
// permission sets in the accounts of team j%50, selected by OU, tag, name
// or ID in turn, with exclusions, attributes, steps and break-glass mixed
// in.
func policyFixture() (*stint.Directory, []stint.Flow, map[string][]string) {
	dir := &stint.Directory{}
	for i := 0; i < polPermSets; i++ {
		dir.PermissionSets = append(dir.PermissionSets, stint.PermissionSet{Name: fmt.Sprintf("PS%02d", i), ARN: fmt.Sprintf("arn:ps-%02d", i)})
	}
	for i := 0; i < polAccounts; i++ {
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
	for i := 0; i < polUsers; i++ {
		dir.Users = append(dir.Users, stint.User{
			ID: fmt.Sprintf("u-%05d", i), Email: fmt.Sprintf("u%05d@example.com", i),
			Groups:     []string{team(i % polTeams), fmt.Sprintf("role-%d", i%7)},
			Attributes: map[string]string{"department": []string{"eng", "ops", "sales"}[i%3]},
		})
	}
	groups := map[string][]string{"eng": {}, "ops": {}, "staff": {"group:eng", "group:ops"}, "oncall": {}}
	for t := 0; t < polTeams; t++ {
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
	for j := 0; j < polFlows; j++ {
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
			Requesters: []string{"group:" + team(j%polTeams)},
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
		flows = append(flows, f)
	}
	return dir, flows, groups
}

// policyInput returns a request that a flow was written for (mostly
// allowed) or a random one (mostly denied, which explains every flow of
// the permission set).
func policyInput(rng *rand.Rand, dir *stint.Directory, flows []stint.Flow, targeted bool) policy.RequestInput {
	if !targeted {
		return policy.RequestInput{
			User:          &dir.Users[rng.IntN(len(dir.Users))],
			Account:       &dir.Accounts[rng.IntN(len(dir.Accounts))],
			PermissionSet: dir.PermissionSets[rng.IntN(len(dir.PermissionSets))].Name,
			Duration:      time.Duration(1+rng.IntN(5)) * time.Hour,
		}
	}
	j := rng.IntN(len(flows))
	t := j % 50
	u := &dir.Users[(j%polTeams)+polTeams*rng.IntN(polUsers/polTeams)]
	a := &dir.Accounts[2*t+(j%4)/3] // the Prod account of team t, or its Dev one for ID selectors
	ps := flows[j].Resources[0].IdentityCenter.PermissionSets[rng.IntN(3)]
	return policy.RequestInput{User: u, Account: a, PermissionSet: ps, Duration: time.Duration(1+rng.IntN(4)) * time.Hour}
}
