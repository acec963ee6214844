package policy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/stint-dev/stint"
)

// benchFixture is a smaller copy of bench/policy.go's fixture: flows
// serving teams, selected by OU, tag, name or ID, with exclusions,
// attributes, steps, break-glass and auto-approve windows mixed in.
func benchFixture(nFlows, nUsers, nAccounts int) (*stint.Directory, []stint.Flow, map[string][]string) {
	const teams, permSets = 100, 50
	team := func(i int) string { return fmt.Sprintf("team-%02d", i) }
	dir := &stint.Directory{}
	for i := 0; i < permSets; i++ {
		dir.PermissionSets = append(dir.PermissionSets, stint.PermissionSet{Name: fmt.Sprintf("PS%02d", i)})
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
			Name:        fmt.Sprintf("flow-%03d", j),
			Requesters:  []string{"group:" + team(j%teams)},
			Resources:   []stint.FlowResource{ic([]string{sel}, fmt.Sprintf("PS%02d", j%50), fmt.Sprintf("PS%02d", (j+7)%50), fmt.Sprintf("PS%02d", (j+19)%50))},
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
		if j%11 == 0 {
			f.Cedar = `@reason("sales may not use break-glass")
forbid (principal, action == Action::"breakglass", resource)
when { principal.attributes has "department" && principal.attributes["department"] == "sales" };`
		}
		flows = append(flows, f)
	}
	return dir, flows, groups
}

func benchInputs(rng *rand.Rand, dir *stint.Directory, flows []stint.Flow, n int) []RequestInput {
	out := make([]RequestInput, n)
	for i := range out {
		if i%2 == 1 {
			out[i] = RequestInput{
				User:          &dir.Users[rng.IntN(len(dir.Users))],
				Account:       &dir.Accounts[rng.IntN(len(dir.Accounts))],
				PermissionSet: dir.PermissionSets[rng.IntN(len(dir.PermissionSets))].Name,
				Duration:      time.Duration(1+rng.IntN(5)) * time.Hour,
			}
			continue
		}
		j := rng.IntN(len(flows))
		t := j % 50
		u := &dir.Users[(j%100+100*rng.IntN(len(dir.Users)/100))%len(dir.Users)]
		a := &dir.Accounts[(2*t+(j%4)/3)%len(dir.Accounts)]
		ps := flows[j].Resources[0].IdentityCenter.PermissionSets[rng.IntN(3)]
		out[i] = RequestInput{User: u, Account: a, PermissionSet: ps, Duration: time.Duration(1+rng.IntN(4)) * time.Hour}
	}
	return out
}

func newBenchEngine(tb testing.TB, nFlows, nUsers, nAccounts int) (*Engine, *stint.Directory, []stint.Flow) {
	dir, flows, groups := benchFixture(nFlows, nUsers, nAccounts)
	e, err := New(Config{Flows: flows, Groups: groups, Now: func() time.Time { return time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		tb.Fatal(err)
	}
	return e, dir, flows
}

func BenchmarkDecideRequest(b *testing.B) {
	e, dir, flows := newBenchEngine(b, 500, 10000, 1000)
	ins := benchInputs(rand.New(rand.NewPCG(1, 2)), dir, flows, 20000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, _ = e.DecideRequest(ctx, ins[i%len(ins)])
	}
}

// TestDecideGolden writes every answer of a mixed workload (plain,
// break-glass, default durations, zero durations) to $POLICY_GOLDEN, one
// JSON line per decision, so two versions of the engine can be diffed.
func TestDecideGolden(t *testing.T) {
	path := os.Getenv("POLICY_GOLDEN")
	if path == "" {
		t.Skip("POLICY_GOLDEN not set")
	}
	e, dir, flows := newBenchEngine(t, 500, 2000, 1000)
	ins := benchInputs(rand.New(rand.NewPCG(3, 4)), dir, flows, 20000)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	ctx := context.Background()
	for i, in := range ins {
		switch i % 5 {
		case 1:
			in.BreakGlass = true
		case 2:
			in.Duration = 0
		case 3:
			in.Duration = time.Duration(i%7) * 30 * time.Minute
			in.BreakGlass = i%2 == 0
		}
		for rep := 0; rep < 2; rep++ { // the second asks the warm caches
			d, err := e.DecideRequest(ctx, in)
			var de *DeniedError
			var line any
			switch {
			case errors.As(err, &de):
				line = map[string]any{"err": err.Error(), "exp": de.Explanation}
			case err != nil:
				line = map[string]any{"err": err.Error()}
			default:
				line = map[string]any{"flow": d.Flow.Name, "auto": d.AutoApprove, "steps": d.Steps, "exp": d.Explanation}
			}
			bs, _ := json.Marshal(line)
			fmt.Fprintf(w, "%d %s\n", i, bs)
			x, _ := json.Marshal(e.Explain(ctx, in))
			fmt.Fprintf(w, "%d explain %s\n", i, x)
		}
	}
}
