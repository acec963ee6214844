package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/stint-dev/stint"
)

// DB is a stint.Store on a PostgreSQL database.
type DB struct {
	reader
	pool  *pgxpool.Pool
	river *river.Client[pgx.Tx] // insert-only: Tx.Enqueue uses it
}

var _ stint.Store = (*DB)(nil)

// Open connects to the database dsn names (a URL or keyword/value string, as
// pgx reads it, e.g. postgres://stint@db.internal/stint) and applies stint's
// and River's migrations. Replicas may open one database at once.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "invalid PostgreSQL DSN: %v", err)
	}
	cfg.AfterConnect = scanTimesInUTC
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", translate(err))
	}
	db, err := open(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres database %q on %s: %w", cfg.ConnConfig.Database, cfg.ConnConfig.Host, err)
	}
	return db, nil
}

func open(ctx context.Context, pool *pgxpool.Pool) (*DB, error) {
	driver := riverpgxv5.New(pool)
	if err := migrate(ctx, pool, driver); err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}
	return &DB{reader: reader{q: pool}, pool: pool, river: client}, nil
}

// scanTimesInUTC makes conn return timestamptz values in UTC (pgx's default
// is the local time zone).
func scanTimesInUTC(_ context.Context, conn *pgx.Conn) error {
	conn.TypeMap().RegisterType(&pgtype.Type{
		Name: "timestamptz", OID: pgtype.TimestamptzOID,
		Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
	})
	return nil
}

// Pool returns the connection pool, on which the jobs package runs River's
// working client.
func (s *DB) Pool() *pgxpool.Pool { return s.pool }

// Close closes every connection.
func (s *DB) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *DB) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", translate(err))
	}
	return nil
}

// Tx runs fn in one transaction (READ COMMITTED), committed when fn returns
// nil and rolled back when it returns an error (returned as is) or panics.
func (s *DB) Tx(ctx context.Context, fn func(tx stint.Tx) error) (err error) {
	pgTx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", translate(err))
	}
	defer func() {
		if p := recover(); p != nil {
			_ = pgTx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(&tx{reader: reader{q: pgTx}, tx: pgTx, river: s.river}); err != nil {
		if rbErr := pgTx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			return errors.Join(err, fmt.Errorf("roll back: %w", rbErr))
		}
		return err
	}
	if err := pgTx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	return nil
}
