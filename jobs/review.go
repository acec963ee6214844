package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// addReviewWorkers registers the access review jobs: a campaign's deadline
// (close, auto-revoke), its reminders, and each decided item's revocation.
// They are inserted with the change that needs them (the campaign's
// creation, the decision), so they survive crashes.
func addReviewWorkers(workers *river.Workers, svc *access.Service) {
	river.AddWorker(workers, &worker[stint.ReviewDeadlineArgs]{run: func(ctx context.Context, a stint.ReviewDeadlineArgs) error {
		return svc.ReviewDeadline(ctx, a.CampaignID)
	}})
	river.AddWorker(workers, &worker[stint.ReviewReminderArgs]{run: func(ctx context.Context, a stint.ReviewReminderArgs) error {
		return svc.ReviewRemind(ctx, a.CampaignID)
	}})
	river.AddWorker(workers, &worker[stint.ReviewExecuteArgs]{run: func(ctx context.Context, a stint.ReviewExecuteArgs) error {
		return svc.ReviewExecute(ctx, a.ItemID)
	}})
}
