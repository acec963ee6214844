package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/audit"
	"github.com/stint-dev/stint/config"
)

// The audit figures: appending events with the hash chain (events/s, with
// several writers, in transactions of one event and of a batch), and
// verifying a chain of a million events.
const (
	auditEvents  = 50000
	auditWriters = 8
	auditBatch   = 100
	auditVerifyN = 1000000
)

func auditBench() error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "stint-bench-audit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	kinds := []string{"sqlite"}
	if os.Getenv("STINT_BENCH_POSTGRES") != "" {
		kinds = append(kinds, "postgres")
	}
	for _, kind := range kinds {
		for _, batch := range []int{1, auditBatch} {
			store, closeStore, err := auditStore(ctx, kind, tmp)
			if err != nil {
				return err
			}
			n := auditEvents
			if batch == 1 {
				n = auditEvents / 5 // one commit per event: fewer, or this takes long
			}
			took, err := appendEvents(ctx, store, n, auditWriters, batch)
			closeStore()
			if err != nil {
				return err
			}
			rate := float64(n) / took.Seconds()
			fmt.Printf("   append with the chain (%s), %d writers, %d event(s) per transaction: %d events in %s, %.0f events/s (target >= 5,000: %.2fx)\n",
				kind, auditWriters, batch, n, secs(took), rate, rate/5000)
			if batch == 1 {
				base, err := baselineTx(ctx, kind, tmp, n)
				if err != nil {
					return err
				}
				fmt.Printf("     (the same %d writers committing one token row per transaction, no chain: %.0f transactions/s: the chain costs %.0f%%)\n",
					auditWriters, base, 100*(1-rate/base))
			}
		}
	}
	for _, kind := range kinds {
		store, closeStore, err := auditStore(ctx, kind, tmp)
		if err != nil {
			return err
		}
		fill, err := appendEvents(ctx, store, auditVerifyN, 4, 1000)
		if err != nil {
			closeStore()
			return err
		}
		runtime.GC()
		start := time.Now()
		rep, err := audit.Verify(ctx, store, nil)
		took := time.Since(start)
		closeStore()
		if err != nil {
			return err
		}
		if !rep.OK() {
			return fmt.Errorf("verify (%s): %v", kind, rep.Broken)
		}
		fmt.Printf("   verify (%s): %d events in %s, %.0f events/s (target <= 10 s: %.1fx headroom; written in %s)\n",
			kind, rep.Events, secs(took), float64(rep.Events)/took.Seconds(), 10/took.Seconds(), secs(fill))
	}
	return nil
}

// auditStore opens a fresh store of the kind.
func auditStore(ctx context.Context, kind, tmp string) (stint.Store, func(), error) {
	dsn := "sqlite://" + filepath.Join(tmp, fmt.Sprintf("audit-%d.db", time.Now().UnixNano()))
	if kind == "postgres" {
		admin := os.Getenv("STINT_BENCH_POSTGRES")
		name := fmt.Sprintf("stint_bench_audit_%d", time.Now().UnixNano())
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return nil, nil, err
		}
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
		_ = conn.Close(ctx)
		if err != nil {
			return nil, nil, err
		}
		pc, _ := pgx.ParseConfig(admin)
		dsn = fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", pc.User, pc.Host, pc.Port, name)
	}
	cfg, err := config.Parse("bench.yaml", []byte("store: "+dsn+"\naws: {region: us-east-1}\n"))
	if err != nil {
		return nil, nil, err
	}
	store, _, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return store, func() { _ = store.Close() }, nil
}

// appendEvents appends n events from writers goroutines, batch per
// transaction, and returns how long it took.
func appendEvents(ctx context.Context, store stint.Store, n, writers, batch int) (time.Duration, error) {
	per := n / writers
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			for i := 0; i < per; i += batch {
				err := store.Tx(ctx, func(tx stint.Tx) error {
					for j := i; j < min(i+batch, per); j++ {
						e := &stint.Event{ID: fmt.Sprintf("ev-%d-%08d", w, j), Time: time.Now(), Actor: "bench@example.com",
							Type: stint.EventGrantActive, Subject: fmt.Sprintf("g-%d", j%1000),
							Data: map[string]any{"user": "bench@example.com", "resource": "aws-sso:111111111111/ReadOnly", "ends_at": time.Now().Add(time.Hour)}}
						if err := tx.EventAppend(ctx, e); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// baselineTx measures single-row transactions without the chain: one
// token per transaction, auditWriters at once.
func baselineTx(ctx context.Context, kind, tmp string, n int) (float64, error) {
	store, closeStore, err := auditStore(ctx, kind, tmp)
	if err != nil {
		return 0, err
	}
	defer closeStore()
	per := n / auditWriters
	var wg sync.WaitGroup
	errs := make(chan error, auditWriters)
	start := time.Now()
	for w := range auditWriters {
		wg.Go(func() {
			for i := range per {
				err := store.Tx(ctx, func(tx stint.Tx) error {
					return tx.TokenCreate(ctx, &stint.Token{ID: fmt.Sprintf("t-%d-%d", w, i), Hash: fmt.Sprintf("h-%d-%d", w, i), UserEmail: "bench@example.com", CreatedAt: time.Now()})
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(per*auditWriters) / time.Since(start).Seconds(), nil
}
