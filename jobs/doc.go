// Package jobs runs stint's timed and background work: River workers for
// activation, expiry, revocation backstops, request time-outs, directory sync
// and reconciliation (periodic jobs run on River's elected leader only), and
// an in-process Expirer that ends grants at their exact end time.
//
// Durability comes from River: every job is inserted in the same transaction
// as the state change that needs it. Precision comes from the Expirer: River's
// scheduler promotes scheduled jobs only every 5 s, so the Expirer arms a
// timer for each grant due within a look-ahead window and ends due grants in
// batches. The River job stays as the backstop when the process dies.
package jobs
