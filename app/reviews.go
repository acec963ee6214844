package app

import (
	"time"

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
