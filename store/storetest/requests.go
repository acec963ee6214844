package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var requestScenarios = []scenario{
	{name: "request/round trip of every field", run: testRequestRoundTrip},
	{name: "request/round trip of empty fields", run: testRequestEmpty},
	{name: "request/update is compare-and-swap", run: testRequestCAS},
	{name: "request/missing is not found", run: testRequestMissing},
	{name: "request/duplicate ID conflicts", run: testRequestDuplicate},
	{name: "request/list filters and order", run: testRequestList},
	{name: "request/list limits", run: testRequestListLimits},
}

func testRequestRoundTrip(t *testing.T, s stint.Store, _ *config) {
	r := newRequest("req-1")
	createRequests(t, s, r)
	require.EqualValues(t, 1, r.Version)
	require.Equal(t, stored(base), r.CreatedAt, "the store reflects stored times into the value")
	require.Equal(t, stored(at(time.Minute)), r.Reviews[0].At)

	got, err := s.RequestGet(t.Context(), "req-1")
	require.NoError(t, err)
	require.Equal(t, r, got)
	require.True(t, got.CreatedAt.Equal(base.Truncate(time.Microsecond)))
	require.Equal(t, time.UTC, got.ReviewBy.Location())

	got.State, got.AutoApproved, got.StartsAt = stint.RequestApproved, false, nil
	got.Reason, got.Duration, got.UpdatedAt = "changed", stint.Duration(time.Hour), at(time.Hour)
	got.Reviews = append(got.Reviews, stint.Review{ReviewerID: "u-carol", ReviewerEmail: "carol@example.com",
		Decision: "approve", At: at(2 * time.Minute)})
	got.Resources = got.Resources[:1]
	got.Ticket, got.Bundle, got.BreakGlass = "INC-99", "", false
	got.Steps[0].Approvals = append(got.Steps[0].Approvals, "carol@example.com")
	got.Steps[1].Approvals = []string{"dave@example.com"}
	got.ExtendsGrant, got.ExtendBy = "", 0
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.RequestUpdate(ctx, got) })
	require.EqualValues(t, 2, got.Version)

	again, err := s.RequestGet(t.Context(), "req-1")
	require.NoError(t, err)
	require.Equal(t, got, again)
}

func testRequestEmpty(t *testing.T, s stint.Store, _ *config) {
	r := &stint.Request{ID: "req-empty", State: stint.RequestPending}
	createRequests(t, s, r)
	got, err := s.RequestGet(t.Context(), "req-empty")
	require.NoError(t, err)
	require.Equal(t, r, got)
	require.Nil(t, got.StartsAt)
	require.Nil(t, got.Reviews)
	require.Nil(t, got.Steps)

	r2 := &stint.Request{ID: "req-empty-slices", Resources: []stint.ResourceRef{}, Reviews: []stint.Review{},
		Steps: []stint.RequestStep{{Name: "no approvers yet"}}}
	createRequests(t, s, r2)
	got, err = s.RequestGet(t.Context(), "req-empty-slices")
	require.NoError(t, err)
	require.Equal(t, r2, got)
}

func testRequestCAS(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	createRequests(t, s, newRequest("req-1"))
	first, err := s.RequestGet(ctx, "req-1")
	require.NoError(t, err)
	second, err := s.RequestGet(ctx, "req-1")
	require.NoError(t, err)

	first.State = stint.RequestApproved
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.RequestUpdate(ctx, first) })
	second.State = stint.RequestDenied
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.RequestUpdate(ctx, second) })
	requireCode(t, err, stint.ECONFLICT, "req-1", "retry")
	require.EqualValues(t, 1, second.Version, "a failed update keeps the version read")

	got, err := s.RequestGet(ctx, "req-1")
	require.NoError(t, err)
	require.Equal(t, stint.RequestApproved, got.State)
	require.EqualValues(t, 2, got.Version)
}

func testRequestMissing(t *testing.T, s stint.Store, _ *config) {
	_, err := s.RequestGet(t.Context(), "req-nope")
	requireCode(t, err, stint.ENOTFOUND, "req-nope")
	r := newRequest("req-nope")
	r.Version = 1
	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.RequestUpdate(ctx, r) })
	requireCode(t, err, stint.ENOTFOUND, "req-nope")
}

func testRequestDuplicate(t *testing.T, s stint.Store, _ *config) {
	createRequests(t, s, newRequest("req-1"))
	dup := newRequest("req-1")
	dup.Reason = "second"
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.RequestCreate(ctx, dup) })
	requireCode(t, err, stint.ECONFLICT, "req-1")
	got, err := s.RequestGet(t.Context(), "req-1")
	require.NoError(t, err)
	require.Equal(t, newRequest("req-1").Reason, got.Reason)

	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error { return tx.RequestCreate(ctx, &stint.Request{}) })
	requireCode(t, err, stint.EINVALID)
}

// requestsForList returns requests created a minute apart (r-3 and r-4 at
// the same time), by two requesters, in several states.
func requestsForList() []*stint.Request {
	spec := []struct {
		id, requester string
		state         stint.RequestState
		created       time.Duration
	}{
		{"r-1", "u-alice", stint.RequestPending, 0},
		{"r-2", "u-bob", stint.RequestApproved, time.Minute},
		{"r-3", "u-alice", stint.RequestDenied, 2 * time.Minute},
		{"r-4", "u-alice", stint.RequestApproved, 2 * time.Minute},
		{"r-5", "u-bob", stint.RequestPending, 3 * time.Minute},
	}
	out := make([]*stint.Request, len(spec))
	for i, sp := range spec {
		r := newRequest(sp.id)
		r.RequesterID, r.State, r.CreatedAt = sp.requester, sp.state, at(sp.created)
		out[i] = r
	}
	return out
}

func testRequestList(t *testing.T, s stint.Store, _ *config) {
	createRequests(t, s, requestsForList()...)
	tests := []struct {
		name   string
		params *stint.RequestListParams
		want   []string
	}{
		{"nil params: all, newest first", nil, []string{"r-5", "r-4", "r-3", "r-2", "r-1"}},
		{"by requester", &stint.RequestListParams{RequesterID: "u-alice"}, []string{"r-4", "r-3", "r-1"}},
		{"by states", &stint.RequestListParams{States: []stint.RequestState{stint.RequestApproved, stint.RequestDenied}},
			[]string{"r-4", "r-3", "r-2"}},
		{"by requester and state", &stint.RequestListParams{RequesterID: "u-bob", States: []stint.RequestState{stint.RequestPending}},
			[]string{"r-5"}},
		{"limit", &stint.RequestListParams{Limit: 2}, []string{"r-5", "r-4"}},
		{"no match", &stint.RequestListParams{RequesterID: "u-nobody"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.RequestList(t.Context(), tt.params)
			require.NoError(t, err)
			require.Equal(t, tt.want, ids(got, requestID))
		})
	}
	all, err := s.RequestList(t.Context(), nil)
	require.NoError(t, err)
	want, err := s.RequestGet(t.Context(), "r-3")
	require.NoError(t, err)
	require.Equal(t, want, all[2], "listed requests carry every field")
}

func testRequestListLimits(t *testing.T, s stint.Store, _ *config) {
	var rs []*stint.Request
	for _, id := range seq("r", 1001) {
		rs = append(rs, &stint.Request{ID: id, State: stint.RequestPending, CreatedAt: base})
	}
	createRequests(t, s, rs...)
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"default is 100", 0, 100},
		{"negative means default", -5, 100},
		{"at most 1000", 5000, 1000},
		{"as asked", 7, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.RequestList(t.Context(), &stint.RequestListParams{Limit: tt.limit})
			require.NoError(t, err)
			require.Len(t, got, tt.want)
			require.Equal(t, "r-01000", got[0].ID, "same time: newest ID first")
		})
	}
}
