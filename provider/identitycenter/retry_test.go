package identitycenter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffIsCappedFullJitter(t *testing.T) {
	t.Parallel()
	p := retryPolicy{maxAttempts: 10, baseDelay: 100 * time.Millisecond, maxBackoff: time.Second}
	for attempt, ceiling := range map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second,
	} {
		for range 200 {
			d, err := p.BackoffDelay(attempt, nil)
			require.NoError(t, err)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, ceiling, "attempt %d", attempt)
		}
	}
}
