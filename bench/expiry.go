package main

import (
	"context"
	"fmt"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/config"
)

// expiry: n active grants, each holding its own assignment (made directly in
// moto), all ending within one second; stint ends them with the Identity
// Center limiter at AWS's real 20 calls/s.
func (b *bench) expiry(ctx context.Context, kind, dsn string, n int) error {
	pairs := b.pairs[:min(n, len(b.pairs))]
	if err := b.assignDirect(ctx, pairs); err != nil {
		return fmt.Errorf("pre-create assignments: %w", err)
	}
	cfg, err := b.config(dsn, 20)
	if err != nil {
		return err
	}
	end := time.Now().Add(15 * time.Second).Truncate(time.Second)
	if err := b.seedActive(ctx, cfg, pairs, end); err != nil {
		return err
	}
	var lat latencies
	m, err := b.startMain(ctx, cfg, func(m *app.Main) {
		m.ServiceHook = func(s *access.Service) {
			s.OnRevokeStart = func(g *stint.Grant, at time.Time) { lat.add(at.Sub(g.EndsAt)) }
		}
	})
	if err != nil {
		return err
	}
	defer m.Close()
	b.proxy.ResetCounts()
	if err := waitGrants(ctx, m.Store, stint.GrantEnded, len(pairs), 5*time.Minute); err != nil {
		return err
	}
	var lastDelete time.Time
	deletes := 0
	for _, c := range b.proxy.Calls() {
		if c.Op == "DeleteAccountAssignment" {
			deletes++
			if c.At.After(lastDelete) {
				lastDelete = c.At
			}
		}
	}
	cnt, p50, p99, mx := lat.summary()
	fmt.Printf("   %d grants ending in [%s, +1s)\n", len(pairs), end.Format("15:04:05"))
	fmt.Printf("   lateness, end -> revocation handed to the limiter: n=%d p50=%s p99=%s max=%s (target p99 <= 1 s, aim 100 ms)\n", cnt, ms(p50), ms(p99), ms(mx))
	floor := time.Duration(float64(len(pairs)) / 20 * float64(time.Second))
	last := lastDelete.Sub(end)
	fmt.Printf("   last DeleteAccountAssignment issued %.1f s after the first end (%d deletes); floor %d/20/s = %.1f s; ratio %.2f (target <= 1.10)\n",
		last.Seconds(), deletes, len(pairs), floor.Seconds(), last.Seconds()/floor.Seconds())
	return nil
}

// seedActive writes active grants with their ledger entries straight into
// the store, as if stint had granted them.
func (b *bench) seedActive(ctx context.Context, cfg *config.Config, pairs [][2]string, end time.Time) error {
	store, _, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	req := &stint.Request{ID: stint.NewID(), RequesterID: "bench", RequesterEmail: "bench@example.com", Flow: "bench-auto",
		Reason: "bench", Duration: stint.Duration(time.Hour), State: stint.RequestApproved, ReviewBy: now, CreatedAt: now, UpdatedAt: now}
	psARN := b.org.PermissionSets[benchPS]
	return store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.RequestCreate(ctx, req); err != nil {
			return err
		}
		for i, p := range pairs {
			acct := b.org.Accounts[p[1]]
			g := &stint.Grant{ID: stint.NewID(), RequestID: req.ID, Flow: "bench-auto", UserID: b.org.Users[p[0]], UserEmail: p[0],
				ResourceID: stint.ResourceID(acct, benchPS), AccountID: acct, AccountName: p[1], PermissionSet: benchPS, PermissionSetARN: psARN,
				State: stint.GrantActive, StartsAt: now, EndsAt: end.Add(time.Duration(i) * time.Second / time.Duration(len(pairs))).UTC().Truncate(time.Microsecond),
				CreatedAt: now, UpdatedAt: now}
			if err := tx.GrantCreate(ctx, g); err != nil {
				return err
			}
			e := stint.NewSSOEffect(g, now)
			e.State, e.Holders = stint.EffectPresent, []string{g.ID}
			if err := tx.EffectPut(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}
