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
	"github.com/stint-dev/stint/policy/policytest"
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

// policyFixture builds the directory and flows of the target size.
func policyFixture() (*stint.Directory, []stint.Flow, map[string][]string) {
	return policytest.Fixture(polFlows, polUsers, polAccounts, false)
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
