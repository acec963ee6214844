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
	"github.com/stint-dev/stint/policy/policytest"
)

func benchFixture(nFlows, nUsers, nAccounts int) (*stint.Directory, []stint.Flow, map[string][]string) {
	return policytest.Fixture(nFlows, nUsers, nAccounts, true)
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
