package app

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/jobs"
	"github.com/stint-dev/stint/review"
)

// newReviews builds the access review engine on the service, with the
// config's managers (read at each use, so a reload takes effect).
func (m *Main) newReviews() {
	m.Service.Reviews = review.New(m.Service.ReviewConfig(review.Config{
		Managers:       func() map[string]string { return m.cfg.Load().Reviews.Managers },
		ConvertRecheck: time.Duration(m.cfg.Load().Reviews.ConvertRecheck),
	}))
}

// Review schedules: the leader looks every reviewScheduleTick for
// schedules that are due. One whose campaign cannot be opened for what it
// asks (nothing in scope, no reviewer) is tried again after
// reviewScheduleRetry, not at every tick; one waiting for something to
// come (the first discovery scan) at the next tick.
const (
	reviewScheduleTick  = 10 * time.Minute
	reviewScheduleRetry = time.Hour
)

// ScheduleActor is who opens a schedule's campaigns: their created_by and
// the actor of their review.created events.
func ScheduleActor(name string) string { return "schedule:" + strings.TrimSpace(name) }

// reviewSchedules opens the campaigns of the config's review schedules
// when due: the first at once, then every schedule's every after the
// previous one started (as the store records it, so restarts and
// failovers neither skip nor repeat one). Runs take turns.
type reviewSchedules struct {
	m       *Main
	mu      sync.Mutex
	backoff map[string]time.Time // lower-cased name -> no attempt before
}

func (m *Main) reviewScheduleTask() jobs.Task {
	m.schedules = &reviewSchedules{m: m, backoff: map[string]time.Time{}}
	return jobs.Task{Name: "review_schedules", Interval: reviewScheduleTick, Timeout: 10 * time.Minute, RunOnStart: true,
		Run: func(ctx context.Context) error {
			_, err := m.schedules.run(ctx, time.Now())
			return err
		}}
}

// run opens the campaigns due at now. A schedule whose campaign cannot be
// opened is logged and retried later; only store errors end the run.
func (rs *reviewSchedules) run(ctx context.Context, now time.Time) ([]*stint.Campaign, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	schedules := rs.m.cfg.Load().Reviews.Schedules
	if len(schedules) == 0 {
		return nil, nil
	}
	recent, err := rs.m.Store.CampaignList(ctx, &stint.CampaignListParams{Limit: 1000})
	if err != nil {
		return nil, err
	}
	var opened []*stint.Campaign
	for _, sc := range schedules {
		if c := rs.open(ctx, sc, recent, now); c != nil {
			opened = append(opened, c)
		}
	}
	return opened, nil
}

// open opens sc's campaign if it is due at now and not backing off.
func (rs *reviewSchedules) open(ctx context.Context, sc config.ReviewSchedule, recent []*stint.Campaign, now time.Time) *stint.Campaign {
	actor := ScheduleActor(sc.Name)
	for _, c := range recent { // newest first
		if c.CreatedBy == actor {
			// Half a tick early rather than a tick late, so campaigns do
			// not drift later by a tick each period.
			if now.Before(c.CreatedAt.Add(time.Duration(sc.Every) - reviewScheduleTick/2)) {
				return nil
			}
			break
		}
	}
	key := strings.ToLower(strings.TrimSpace(sc.Name))
	if now.Before(rs.backoff[key]) {
		return nil
	}
	c, _, err := rs.m.Service.Reviews.Create(ctx, sc.Spec(now), actor)
	if err != nil {
		retry := reviewScheduleTick
		if stint.ErrorCode(err) == stint.EINVALID {
			retry = reviewScheduleRetry
			rs.backoff[key] = now.Add(retry)
		}
		rs.m.log().Warn("review schedule: campaign not opened; trying again later", "schedule", sc.Name,
			"retry_in", retry.String(), "err", err)
		return nil
	}
	delete(rs.backoff, key)
	rs.m.log().Info("review schedule: campaign opened", "schedule", sc.Name, "campaign", c.ID, "items", c.Counts.Items,
		"deadline", c.Deadline.Format(time.RFC3339))
	return c
}
