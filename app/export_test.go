package app

import (
	"context"
	"time"

	"github.com/stint-dev/stint"
)

// RunReviewSchedules runs the review schedules as the leader's task does,
// at now (in turn with the task).
func (m *Main) RunReviewSchedules(ctx context.Context, now time.Time) ([]*stint.Campaign, error) {
	return m.schedules.run(ctx, now)
}
