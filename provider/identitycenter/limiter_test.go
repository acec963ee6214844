package identitycenter_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/provider/identitycenter"
)

// The limiter tests run in a synctest bubble: time is virtual and advances
// only when every goroutine is blocked, so timings are exact and the tests
// take no wall time.

func TestLimiterRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 20, Burst: 1})
		start := time.Now()
		var mu sync.Mutex
		var at []time.Duration
		var wg sync.WaitGroup
		for range 41 {
			wg.Go(func() {
				require.NoError(t, l.Wait(t.Context(), identitycenter.PriorityRead))
				mu.Lock()
				at = append(at, time.Since(start))
				mu.Unlock()
			})
		}
		wg.Wait()
		// One token in the bucket, then one every 50ms: 41 calls in 2s.
		require.Len(t, at, 41)
		require.Equal(t, 2*time.Second, time.Since(start))
		require.LessOrEqual(t, maxInWindow(at, time.Second), 21)
	})
}

func TestLimiterBurst(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 10, Burst: 5})
		start := time.Now()
		for range 5 {
			require.NoError(t, l.Wait(t.Context(), identitycenter.PriorityRead))
		}
		require.Zero(t, time.Since(start), "a full bucket lets Burst calls through at once")
		require.NoError(t, l.Wait(t.Context(), identitycenter.PriorityRead))
		require.Equal(t, 100*time.Millisecond, time.Since(start))
	})
}

func TestLimiterServesMutationsFirst(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 100, Burst: 1})
		require.NoError(t, l.Wait(t.Context(), identitycenter.PriorityRead)) // empty the bucket

		var mu sync.Mutex
		var order []identitycenter.Priority
		var wg sync.WaitGroup
		enqueue := func(p identitycenter.Priority, n int) {
			for range n {
				wg.Go(func() {
					require.NoError(t, l.Wait(t.Context(), p))
					mu.Lock()
					order = append(order, p)
					mu.Unlock()
				})
			}
			synctest.Wait() // all queued before the next batch
		}
		enqueue(identitycenter.PriorityRead, 5)
		enqueue(identitycenter.PriorityPoll, 5)
		enqueue(identitycenter.PriorityMutate, 5)
		wg.Wait()

		want := []identitycenter.Priority{}
		for _, p := range []identitycenter.Priority{identitycenter.PriorityMutate, identitycenter.PriorityPoll, identitycenter.PriorityRead} {
			for range 5 {
				want = append(want, p)
			}
		}
		require.Equal(t, want, order)
	})
}

func TestLimiterManyMutationsPassQueuedPolls(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// 1,000 deletes at 20/s go out in ~50s even with 200 polls queued first.
		l := identitycenter.NewLimiter(identitycenter.LimiterConfig{})
		start := time.Now()
		var wg sync.WaitGroup
		for range 200 {
			wg.Go(func() { _ = l.Wait(t.Context(), identitycenter.PriorityPoll) })
		}
		synctest.Wait()
		var lastDelete atomic.Int64
		var deletes sync.WaitGroup
		for range 1000 {
			deletes.Go(func() {
				require.NoError(t, l.Wait(t.Context(), identitycenter.PriorityMutate))
				lastDelete.Store(int64(time.Since(start)))
			})
		}
		deletes.Wait()
		require.LessOrEqual(t, time.Duration(lastDelete.Load()), 50*time.Second)
		wg.Wait()
		require.Equal(t, 60*time.Second-50*time.Millisecond, time.Since(start))
	})
}

func TestLimiterCancel(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := identitycenter.NewLimiter(identitycenter.LimiterConfig{Rate: 1, Burst: 1})
		require.NoError(t, l.Wait(t.Context(), identitycenter.PriorityRead))

		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, l.Wait(ctx, identitycenter.PriorityMutate), context.DeadlineExceeded)

		// The cancelled waiter took no token: the next call goes out when the
		// first token is due.
		start := time.Now()
		require.NoError(t, l.Wait(t.Context(), identitycenter.PriorityRead))
		require.Equal(t, 900*time.Millisecond, time.Since(start))
	})
}

func TestLimiterBoundsCreatesInFlight(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := identitycenter.NewLimiter(identitycenter.LimiterConfig{MaxCreatesInFlight: 3})
		var inFlight, peak atomic.Int32
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				release, err := l.AcquireCreate(t.Context())
				require.NoError(t, err)
				n := inFlight.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(time.Second) // the creation in progress, in virtual time
				inFlight.Add(-1)
				release()
				release() // extra calls do nothing
			})
		}
		wg.Wait()
		require.EqualValues(t, 3, peak.Load())
		require.Zero(t, l.CreatesInFlight())

		// A full semaphore respects cancellation.
		var releases []func()
		for range 3 {
			r, err := l.AcquireCreate(t.Context())
			require.NoError(t, err)
			releases = append(releases, r)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := l.AcquireCreate(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		for _, r := range releases {
			r()
		}
	})
}

// maxInWindow returns the largest number of times within any window.
func maxInWindow(at []time.Duration, window time.Duration) int {
	best := 0
	for i := range at {
		n := 0
		for _, b := range at {
			if b >= at[i] && b < at[i]+window {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}
