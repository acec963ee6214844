package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

var postedMessageScenarios = []scenario{
	{name: "posted message/put, list by request and by message, put again", run: testPostedMessages},
}

func testPostedMessages(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	list := func(p stint.PostedMessageListParams) []*stint.PostedMessage {
		t.Helper()
		got, err := s.PostedMessageList(ctx, &p)
		require.NoError(t, err)
		return got
	}
	require.Empty(t, list(stint.PostedMessageListParams{Service: "slack", RequestID: "req-1"}))
	channel := &stint.PostedMessage{Service: "slack", RequestID: "req-1", Channel: "C0APPROVALS", MessageID: "1700000000.000100", CreatedAt: base}
	dm := &stint.PostedMessage{Service: "slack", RequestID: "req-1", Channel: "D0CAROL", MessageID: "1700000000.000200", CreatedAt: at(time.Second)}
	other := &stint.PostedMessage{Service: "slack", RequestID: "req-2", Channel: "C0APPROVALS", MessageID: "1700000000.000300", CreatedAt: at(time.Minute)}
	teams := &stint.PostedMessage{Service: "teams", RequestID: "req-1", Channel: "C0APPROVALS", MessageID: "m-1", CreatedAt: base}
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		for _, m := range []*stint.PostedMessage{dm, channel, other, teams} {
			if err := tx.PostedMessagePut(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	require.Equal(t, []*stint.PostedMessage{channel, dm}, list(stint.PostedMessageListParams{Service: "slack", RequestID: "req-1"}))
	require.Equal(t, []*stint.PostedMessage{other}, list(stint.PostedMessageListParams{Service: "slack", Channel: "C0APPROVALS", MessageID: other.MessageID}))
	require.Empty(t, list(stint.PostedMessageListParams{Service: "slack", Channel: "D0CAROL", MessageID: other.MessageID}), "a ts of another channel")
	require.Equal(t, []*stint.PostedMessage{teams}, list(stint.PostedMessageListParams{Service: "teams"}))

	// Posting again for the same request and channel keeps one row, with
	// the new message ID.
	inTx(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.PostedMessagePut(ctx, &stint.PostedMessage{Service: "slack", RequestID: "req-1", Channel: "D0CAROL", MessageID: "1700000001.000000", CreatedAt: at(time.Hour)})
	})
	got := list(stint.PostedMessageListParams{Service: "slack", RequestID: "req-1"})
	require.Len(t, got, 2)
	require.Equal(t, "1700000001.000000", got[1].MessageID)

	// A rolled-back transaction records nothing.
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.PostedMessagePut(ctx, &stint.PostedMessage{Service: "slack", RequestID: "req-3", Channel: "C1", MessageID: "1", CreatedAt: base}); err != nil {
			return err
		}
		return stint.Errorf(stint.ECONFLICT, "roll back")
	})
	requireCode(t, err, stint.ECONFLICT)
	require.Empty(t, list(stint.PostedMessageListParams{Service: "slack", RequestID: "req-3"}))

	err = txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		return tx.PostedMessagePut(ctx, &stint.PostedMessage{Service: "slack", RequestID: "req-1"})
	})
	requireCode(t, err, stint.EINVALID, "channel and message ID")
	_, err = s.PostedMessageList(ctx, &stint.PostedMessageListParams{RequestID: "req-1"})
	requireCode(t, err, stint.EINVALID, "Service")
}
