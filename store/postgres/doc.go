// Package postgres is stint's scale-out store: PostgreSQL through pgx,
// holding stint's tables and River's job tables in one database so that
// state changes and the jobs they need commit in one transaction. Several
// stint replicas can share one database; each migrates it on Open, one at a
// time under an advisory lock.
//
// Times are stored as timestamptz, in microseconds. Writes truncate the times
// of the value they are given to microseconds and convert them to UTC, in
// place, so that the value written equals the value read back.
package postgres
