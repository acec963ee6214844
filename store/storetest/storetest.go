// Package storetest is the test suite every stint.Store implementation runs:
// the same scenarios on SQLite and PostgreSQL, so the stores behave alike.
//
//	func TestStore(t *testing.T) {
//		storetest.Exercise(t, func(t *testing.T) stint.Store { return sqlite.OpenTest(t) },
//			storetest.WithJobs(listJobs))
//	}
package storetest

import (
	"testing"

	"github.com/riverqueue/river/rivertype"

	"github.com/stint-dev/stint"
)

// An Option adds to what Exercise checks.
type Option func(*config)

type config struct {
	jobs func(t *testing.T, s stint.Store) []*rivertype.JobRow
}

// WithJobs lets Exercise check Tx.Enqueue: jobs returns every job River holds
// in s's database, in insertion order. Without it the job checks are skipped.
func WithJobs(jobs func(t *testing.T, s stint.Store) []*rivertype.JobRow) Option {
	return func(c *config) { c.jobs = jobs }
}

// scenario is one test of the suite, run on a fresh store.
type scenario struct {
	name string
	run  func(t *testing.T, s stint.Store, c *config)
}

// Exercise runs every scenario of the suite as a parallel subtest, each on a
// fresh store from open (which should close it on t's cleanup).
func Exercise(t *testing.T, open func(t *testing.T) stint.Store, opts ...Option) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	groups := [][]scenario{requestScenarios, grantScenarios, dueScenarios, effectScenarios,
		eventScenarios, tokenScenarios, directoryScenarios, managedScenarios, postedMessageScenarios, chainScenarios, txScenarios, portalScenarios, auditQueryScenarios, externalScenarios}
	for _, group := range groups {
		for _, sc := range group {
			t.Run(sc.name, func(t *testing.T) {
				t.Parallel()
				sc.run(t, open(t), &c)
			})
		}
	}
}
