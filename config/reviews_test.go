package config_test

import (
	"testing"

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
