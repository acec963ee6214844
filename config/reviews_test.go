package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

func TestReviewsSection(t *testing.T) {
	t.Parallel()
	const base = "aws: {region: us-east-1}\nflows:\n  - name: prod\n    requesters: [group:Eng]\n    owners: [group:Payments]\n" +
		"    resources:\n      - identity_center: {accounts: [all], permission_sets: [ReadOnly]}\n    max_duration: 1h\n    auto_approve: true\n"
	c, err := config.Parse("stint.yaml", []byte(base+"reviews:\n  managers:\n    alice@example.com: carol@example.com\n  convert_recheck: 30m\n"))
	require.NoError(t, err)
	require.Equal(t, "carol@example.com", c.Reviews.Managers["alice@example.com"])
	require.Equal(t, []string{"group:Payments"}, c.Flows[0].Owners)

	for name, tt := range map[string]struct{ yaml, want string }{
		"manager not an email": {"reviews:\n  managers:\n    alice@example.com: carol\n", "stint.yaml:12:5: reviews.managers maps"},
		"own manager":          {"reviews:\n  managers:\n    alice@example.com: Alice@example.com\n", "cannot be their own manager"},
		"recheck too short":    {"reviews:\n  convert_recheck: 5s\n", "convert_recheck 5s is shorter than 1m"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Parse("stint.yaml", []byte(base+tt.yaml))
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
	_, err = config.Parse("stint.yaml", []byte(base[:len(base)-len("    auto_approve: true\n")]+"    auto_approve: true\n    owners: [Payments]\n"))
	require.Error(t, err)
}

func TestReviewSchedulesSection(t *testing.T) {
	t.Parallel()
	const base = "aws: {region: us-east-1}\n"
	c, err := config.Parse("stint.yaml", []byte(base+`reviews:
  schedules:
    - name: quarterly prod
      description: Prod certification
      every: 90d
      scope: {standing: true, jit: true, accounts: ["ou:Prod"], types: [aws-sso]}
      reviewers: [owner, manager, "group:Security"]
      reminders: [72h, 24h]
      auto_revoke: true
    - name: weekly
      every: 7d
      open_for: 2d
      scope: {jit: true, window: 7d}
`))
	require.NoError(t, err)
	require.Len(t, c.Reviews.Schedules, 2)
	q := c.Reviews.Schedules[0]
	require.Equal(t, 14*24*time.Hour, q.OpenTime(), "default 14d")
	require.Equal(t, 2*24*time.Hour, c.Reviews.Schedules[1].OpenTime())
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	spec := q.Spec(start)
	require.Equal(t, "quarterly prod 2026-12-01", spec.Name)
	require.Equal(t, start.Add(14*24*time.Hour), spec.Deadline)
	require.Equal(t, []string{"ou:Prod"}, spec.Scope.Accounts)
	require.Equal(t, []stint.ResourceType{"aws-sso"}, spec.Scope.Types)
	require.True(t, spec.Scope.Standing && spec.Scope.JIT && spec.AutoRevoke)
	require.Equal(t, []stint.Duration{stint.Duration(72 * time.Hour), stint.Duration(24 * time.Hour)}, spec.Reminders)

	for name, tt := range map[string]struct{ yaml, want string }{
		"no name":           {"    - {every: 30d, scope: {jit: true}}\n", "stint.yaml:4:7: a review schedule needs a name"},
		"same name":         {"    - {name: a, every: 30d, scope: {jit: true}}\n    - {name: A, every: 30d, scope: {jit: true}}\n", `two review schedules are named "A"`},
		"every too short":   {"    - {name: a, every: 12h, scope: {jit: true}}\n", "every must be at least 1d"},
		"no every":          {"    - {name: a, scope: {jit: true}}\n", "every must be at least 1d"},
		"open longer":       {"    - {name: a, every: 7d, open_for: 8d, scope: {jit: true}}\n", "open_for 192h0m0s must be between 1h and every"},
		"fixed scan":        {"    - {name: a, every: 7d, scope: {standing: true, scan: s-1}}\n", "takes the latest scan each time"},
		"empty scope":       {"    - {name: a, every: 7d, scope: {}}\n", "the scope reviews nothing"},
		"bad reviewer":      {"    - {name: a, every: 7d, scope: {jit: true}, reviewers: [boss]}\n", "boss"},
		"bad selector":      {"    - {name: a, every: 7d, scope: {jit: true, accounts: [\"ou:\"]}}\n", "scope account"},
		"bad type":          {"    - {name: a, every: 7d, scope: {jit: true, types: [aws-nope]}}\n", "unknown resource type"},
		"unknown key":       {"    - {name: a, every: 7d, scope: {jit: true}, deadline: 3d}\n", "deadline"},
		"not a duration":    {"    - {name: a, every: quarterly, scope: {jit: true}}\n", "every: invalid duration \"quarterly\""},
		"negative reminder": {"    - {name: a, every: 7d, scope: {jit: true}, reminders: [-1h]}\n", "reminders"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Parse("stint.yaml", []byte(base+"reviews:\n  schedules:\n"+tt.yaml))
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}
