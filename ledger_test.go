package stint_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

func TestAccessInterval(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	ptr := func(v time.Time) *time.Time { return &v }
	now := at(5)
	tests := []struct {
		name      string
		g         stint.Grant
		ok        bool
		from, end time.Time
	}{
		{"active: until its end", stint.Grant{State: stint.GrantActive, StartsAt: at(1), EndsAt: at(6)}, true, at(1), at(6)},
		{"active past its end: until now, access is still there", stint.Grant{State: stint.GrantActive, StartsAt: at(1), EndsAt: at(2)}, true, at(1), now},
		{"revoking: until now at least", stint.Grant{State: stint.GrantRevoking, StartsAt: at(1), EndsAt: at(3)}, true, at(1), now},
		{"failed activation counts", stint.Grant{State: stint.GrantFailed, FailedOp: "activate", StartsAt: at(1), EndsAt: at(9)}, true, at(1), at(9)},
		{"ended: until it ended", stint.Grant{State: stint.GrantEnded, StartsAt: at(1), EndsAt: at(4), EndedAt: ptr(at(2))}, true, at(1), at(2)},
		{"ended without ended_at: its end", stint.Grant{State: stint.GrantEnded, StartsAt: at(1), EndsAt: at(4)}, true, at(1), at(4)},
		{"extended and expired", stint.Grant{State: stint.GrantEnded, StartsAt: at(1), EndsAt: at(4), Extensions: 2, EndedAt: ptr(at(4))}, true, at(1), at(4)},
		{"never activated", stint.Grant{State: stint.GrantEnded, EndReason: stint.EndNotActivated, StartsAt: at(0), EndsAt: at(1), EndedAt: ptr(at(1))}, false, time.Time{}, time.Time{}},
		{"revoked while scheduled", stint.Grant{State: stint.GrantEnded, EndReason: stint.EndRevoked, StartsAt: at(3), EndsAt: at(4), EndedAt: ptr(at(1))}, false, time.Time{}, time.Time{}},
		{"scheduled", stint.Grant{State: stint.GrantScheduled, StartsAt: at(1), EndsAt: at(2)}, false, time.Time{}, time.Time{}},
		{"ready", stint.Grant{State: stint.GrantReady, StartsAt: at(1), EndsAt: at(2)}, false, time.Time{}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, end, ok := stint.AccessInterval(&tt.g, now)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.from, from)
			require.Equal(t, tt.end, end)
		})
	}
	g := &stint.Grant{State: stint.GrantEnded, StartsAt: at(1), EndsAt: at(4), EndedAt: ptr(at(2))}
	require.True(t, stint.AccessOverlaps(g, now, at(1.5), at(3)))
	require.False(t, stint.AccessOverlaps(g, now, at(2), at(3)), "the window starts as it ends: [from, until)")
	require.False(t, stint.AccessOverlaps(g, now, at(0), at(1)), "the window ends as it starts")
}
