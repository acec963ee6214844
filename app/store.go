package app

import (
	"context"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/jobs"
	"github.com/stint-dev/stint/store/postgres"
	"github.com/stint-dev/stint/store/sqlite"
)

// OpenStore opens the configured store (running migrations) and returns a
// constructor for the River client on the same database.
func OpenStore(ctx context.Context, cfg *config.Config) (stint.Store, func(jobs.Config) (runner, error), error) {
	kind, target := cfg.StoreKind()
	switch kind {
	case "postgres":
		db, err := postgres.Open(ctx, target)
		if err != nil {
			return nil, nil, err
		}
		return db, func(jc jobs.Config) (runner, error) { return jobs.NewClient(riverpgxv5.New(db.Pool()), jc) }, nil
	default:
		db, err := sqlite.Open(ctx, target)
		if err != nil {
			return nil, nil, err
		}
		return db, func(jc jobs.Config) (runner, error) { return jobs.NewClient(riversqlite.New(db.SQL()), jc) }, nil
	}
}
