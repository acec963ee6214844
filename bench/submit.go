package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/client"
)

// tokens creates an API token for each bench user straight in the store.
func tokens(ctx context.Context, m *app.Main, emails []string) (map[string]string, error) {
	out := map[string]string{}
	now := time.Now().UTC()
	err := m.Store.Tx(ctx, func(tx stint.Tx) error {
		for _, e := range emails {
			secret, hash := stint.NewTokenSecret()
			out[e] = secret
			if err := tx.TokenCreate(ctx, &stint.Token{ID: stint.NewID(), Hash: hash, UserEmail: e, Name: "bench", CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func benchEmails() []string {
	var out []string
	for i := range benchUsers {
		out = append(out, fmt.Sprintf("user%03d@example.com", i))
	}
	return out
}

// submissions: n requests needing approval (so no AWS work), over HTTP from
// 32 concurrent clients; each is authenticated, checked against the flows,
// written with its event and its time-out job.
func (b *bench) submissions(ctx context.Context, kind, dsn string, n int) error {
	cfg, err := b.config(dsn, 20)
	if err != nil {
		return err
	}
	m, err := b.startMain(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	emails := benchEmails()
	toks, err := tokens(ctx, m, emails)
	if err != nil {
		return err
	}
	const workers = 32
	var next, failed atomic.Int64
	var lat latencies
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New(m.URL(), toks[emails[w%len(emails)]])
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				_, err := c.Submit(ctx, client.SubmitInput{Resources: []client.Resource{{Account: "bench-approval", PermissionSet: benchPS}},
					Duration: time.Hour, Reason: "bench"})
				lat.add(time.Since(t0))
				if err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	cnt, p50, p99, mx := lat.summary()
	rate := float64(cnt) / el.Seconds()
	fmt.Printf("   %d requests, %d clients, %d failed: %.0f requests/s (target >= 500; ratio %.2f); latency p50=%s p99=%s max=%s\n",
		cnt, workers, failed.Load(), rate, rate/500, ms(p50), ms(p99), ms(mx))
	return nil
}

// callRate: n auto-approved requests granted through stint; the proxy
// records every Identity Center call.
func (b *bench) callRate(ctx context.Context, dsn string, n int) error {
	pairs := b.pairs[len(b.pairs)-min(n, len(b.pairs)):]
	cfg, err := b.config(dsn, 20)
	if err != nil {
		return err
	}
	m, err := b.startMain(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	toks, err := tokens(ctx, m, benchEmails())
	if err != nil {
		return err
	}
	b.proxy.ResetCounts()
	var wg sync.WaitGroup
	var failed atomic.Int64
	sem := make(chan struct{}, 16)
	for _, p := range pairs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, err := client.New(m.URL(), toks[p[0]]).Submit(ctx, client.SubmitInput{
				Resources: []client.Resource{{Account: p[1], PermissionSet: benchPS}}, Duration: 8 * time.Hour, Reason: "bench"})
			if err != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if err := waitGrants(ctx, m.Store, stint.GrantActive, len(pairs)-int(failed.Load()), 10*time.Minute); err != nil {
		return err
	}
	var times []time.Time
	ops := map[string]int{}
	for _, c := range b.proxy.Calls() {
		times = append(times, c.At)
		ops[c.Op]++
	}
	if len(times) < 2 {
		return fmt.Errorf("no calls recorded")
	}
	span := times[len(times)-1].Sub(times[0])
	peak := 0
	for i, j := 0, 0; i < len(times); i++ {
		for times[i].Sub(times[j]) > time.Second {
			j++
		}
		peak = max(peak, i-j+1)
	}
	avg := float64(len(times)-1) / span.Seconds()
	fmt.Printf("   %d grants active (%d submissions failed); %d Identity Center calls in %.1f s: %.1f calls/s average, %d in the busiest second; limit 20/s (ratio %.2f)\n",
		len(pairs)-int(failed.Load()), failed.Load(), len(times), span.Seconds(), avg, peak, avg/20)
	fmt.Printf("   calls by operation: %v; %.2f calls per grant\n", ops, float64(len(times))/float64(len(pairs)))
	return nil
}
