package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/store/sqlstore"
)

// DB is a stint.Store on a PostgreSQL database. Its reads and Tx are
// sqlstore.Store's, in PostgreSQL's dialect; transactions run at READ
// COMMITTED.
type DB struct {
	store
	pool *pgxpool.Pool
}

// store implements DB's reads and transactions.
type store = sqlstore.Store[pgx.Tx]

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
	client, err := river.NewClient(driver, &river.Config{}) // insert-only: Tx.Enqueue uses it
	if err != nil {
		return nil, fmt.Errorf("create river client: %w", err)
	}
	begin := func(ctx context.Context) (pgx.Tx, sqlstore.Txn, error) {
		tx, err := pool.Begin(ctx)
		return tx, txn{querier[pgx.Tx]{tx}}, err
	}
	db := &DB{store: sqlstore.NewStore(dialect, querier[*pgxpool.Pool]{pool}, client, begin), pool: pool}
	if _, err := db.SealLegacy(ctx); err != nil {
		return nil, err
	}
	return db, nil
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
