package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var eventScenarios = []scenario{
	{name: "event/round trip", run: testEventRoundTrip},
	{name: "event/list order, since, subject, type and limit", run: testEventList},
}

func appendEvents(t *testing.T, s stint.Store, es ...*stint.Event) {
	t.Helper()
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		for _, e := range es {
			if err := tx.EventAppend(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func testEventRoundTrip(t *testing.T, s stint.Store, _ *config) {
	full := &stint.Event{ID: "e-1", Time: base, Actor: "alice@example.com", Type: stint.EventGrantExtended,
		Subject: "g-1", Data: map[string]any{
			"by": "1h", "count": 2.5, "ok": true, "none": nil,
			"list": []any{"a", 1.0}, "nested": map[string]any{"k": "v ✓ \"q\""},
		}}
	bare := &stint.Event{ID: "e-2", Time: at(time.Second), Actor: "system", Type: stint.EventGrantActive, Subject: "g-1"}
	appendEvents(t, s, full, bare)
	require.Equal(t, stored(base), full.Time)

	got, err := s.EventList(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, []*stint.Event{full, bare}, got)

	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.EventAppend(ctx, &stint.Event{ID: "e-1", Time: base})
	})
	requireCode(t, err, stint.ECONFLICT, "e-1")
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.EventAppend(ctx, &stint.Event{ID: "e-3", Time: base, Data: map[string]any{"bad": make(chan int)}})
	})
	requireCode(t, err, stint.EINVALID, "event data")
}

func testEventList(t *testing.T, s stint.Store, _ *config) {
	ev := func(id string, d time.Duration, subject string) *stint.Event {
		return &stint.Event{ID: id, Time: at(d), Actor: "system", Type: stint.EventGrantActive, Subject: subject}
	}
	// Appended out of time order; e-2 and e-3 share a time.
	appendEvents(t, s,
		ev("e-4", 3*time.Minute, "g-2"),
		ev("e-1", 0, "g-1"),
		ev("e-3", time.Minute, "g-1"),
		ev("e-2", time.Minute, "g-2"),
		ev("e-5", 4*time.Minute, "g-1"),
	)
	appendEvents(t, s, &stint.Event{ID: "e-6", Time: at(5 * time.Minute), Actor: "cli", Type: stint.EventIdentityApplied, Subject: "g-1"})
	tests := []struct {
		name   string
		params *stint.EventListParams
		want   []string
	}{
		{"nil params: all, oldest first", nil, []string{"e-1", "e-2", "e-3", "e-4", "e-5", "e-6"}},
		{"since is inclusive", &stint.EventListParams{Since: at(time.Minute)}, []string{"e-2", "e-3", "e-4", "e-5", "e-6"}},
		{"since between events", &stint.EventListParams{Since: at(90 * time.Second)}, []string{"e-4", "e-5", "e-6"}},
		{"by subject", &stint.EventListParams{Subject: "g-2"}, []string{"e-2", "e-4"}},
		{"by type", &stint.EventListParams{Type: stint.EventIdentityApplied}, []string{"e-6"}},
		{"by type and subject", &stint.EventListParams{Type: stint.EventGrantActive, Subject: "g-1", Limit: 1}, []string{"e-5"}},
		{"limit keeps the newest", &stint.EventListParams{Limit: 2}, []string{"e-5", "e-6"}},
		{"limit splits a tie by ID", &stint.EventListParams{Limit: 5}, []string{"e-2", "e-3", "e-4", "e-5", "e-6"}},
		{"since, subject and limit", &stint.EventListParams{Since: at(time.Second), Subject: "g-1", Limit: 1},
			[]string{"e-6"}},
		{"no match", &stint.EventListParams{Subject: "g-nope"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.EventList(t.Context(), tt.params)
			require.NoError(t, err)
			require.Equal(t, tt.want, ids(got, eventID))
		})
	}
}
