package app

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// metrics are stint's own Prometheus series, next to the HTTP ones that
// package web records.
type metrics struct {
	lateness *prometheus.HistogramVec
	awsCalls *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		lateness: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stint_revocation_start_lateness_seconds",
			Help:    "Time from a grant's end to its revocation being handed to the provider, for expired grants.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"reason"}),
		awsCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stint_identity_center_calls_total",
			Help: "Identity Center API call attempts (retries included) handed to the shared limiter, by operation.",
		}, []string{"operation"}),
	}
	reg.MustRegister(m.lateness, m.awsCalls, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observeService records revocation lateness, keeping any hook already set.
func (m *metrics) observeService(s *access.Service) {
	prev := s.OnRevokeStart
	s.OnRevokeStart = func(g *stint.Grant, at time.Time) {
		if g.EndReason == stint.EndExpired {
			m.lateness.WithLabelValues(g.EndReason).Observe(at.Sub(g.EndsAt).Seconds())
		}
		if prev != nil {
			prev(g, at)
		}
	}
}

// observeProvider counts Identity Center calls, keeping any hook already set.
func (m *metrics) observeProvider(c *identitycenter.Config) {
	prev := c.OnLimiterWait
	c.OnLimiterWait = func(op string) {
		m.awsCalls.WithLabelValues(op).Inc()
		if prev != nil {
			prev(op)
		}
	}
}
