package storetest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
)

var chainScenarios = []scenario{
	{name: "chain/events take places in commit order, linked and hashed", run: testChainAppend},
	{name: "chain/rollback takes no place", run: testChainRollback},
	{name: "chain/concurrent appenders leave no gap", run: testChainConcurrent},
	{name: "chain/checkpoints round trip", run: testCheckpoints},
}

func testChainAppend(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	head, err := s.ChainHead(ctx)
	require.NoError(t, err)
	require.Equal(t, stint.ChainHead{}, head)
	first := &stint.Event{ID: "e-1", Time: base, Actor: "a", Type: "t", Subject: "s", Data: map[string]any{"n": 3.0, "list": []any{"x"}}}
	second := &stint.Event{ID: "e-2", Time: base, Actor: "a", Type: "t", Subject: "s"}
	appendEvents(t, s, first, second)
	third := &stint.Event{ID: "e-0", Time: at(-time.Hour), Actor: "a", Type: "t", Subject: "s"} // older time, later commit
	appendEvents(t, s, third)
	require.Equal(t, []int64{1, 2, 3}, []int64{first.Seq, second.Seq, third.Seq}, "places follow commits, not times")
	require.Equal(t, first.Hash, second.PrevHash)
	require.Empty(t, first.PrevHash)
	head, err = s.ChainHead(ctx)
	require.NoError(t, err)
	require.Equal(t, stint.ChainHead{Seq: 3, Hash: third.Hash}, head)
	got, err := s.EventList(ctx, &stint.EventListParams{Subject: "s"})
	require.NoError(t, err)
	require.Equal(t, []*stint.Event{third, first, second}, got, "listings carry the chain fields")
	rep, err := audit.Verify(ctx, s, nil)
	require.NoError(t, err)
	require.True(t, rep.OK(), "broken: %v", rep.Broken)
	require.Equal(t, 3, rep.Events)
}

func testChainRollback(t *testing.T, s stint.Store, _ *config) {
	err := txErr(t, s, func(ctx context.Context, tx stint.Tx) error {
		if err := tx.EventAppend(ctx, &stint.Event{ID: "e-1", Time: base}); err != nil {
			return err
		}
		return stint.Errorf(stint.ECONFLICT, "changed my mind")
	})
	requireCode(t, err, stint.ECONFLICT)
	e := &stint.Event{ID: "e-2", Time: base}
	appendEvents(t, s, e)
	require.EqualValues(t, 1, e.Seq)
}

func testChainConcurrent(t *testing.T, s stint.Store, _ *config) {
	const writers, each = 4, 10
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				err := s.Tx(t.Context(), func(tx stint.Tx) error {
					return tx.EventAppend(t.Context(), &stint.Event{ID: fmt.Sprintf("e-%d-%d", w, i), Time: base})
				})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		require.NoError(t, <-errs)
	}
	rep, err := audit.Verify(t.Context(), s, nil)
	require.NoError(t, err)
	require.True(t, rep.OK(), "broken: %v", rep.Broken)
	require.Equal(t, writers*each, rep.Events)
	require.EqualValues(t, writers*each, rep.Head.Seq)
}

func testCheckpoints(t *testing.T, s stint.Store, _ *config) {
	ctx := t.Context()
	_, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	signer := &audit.Signer{Key: priv, Now: func() time.Time { return base }}
	c, err := signer.Checkpoint(ctx, s)
	require.NoError(t, err)
	require.Nil(t, c, "nothing to vouch for before the first event")
	appendEvents(t, s, &stint.Event{ID: "e-1", Time: base}, &stint.Event{ID: "e-2", Time: base})
	c, err = signer.Checkpoint(ctx, s)
	require.NoError(t, err)
	require.EqualValues(t, 2, c.Seq)
	again, err := signer.Checkpoint(ctx, s)
	require.NoError(t, err)
	require.Nil(t, again, "the head has not moved")
	list, err := s.CheckpointList(ctx)
	require.NoError(t, err)
	require.Equal(t, []*stint.Checkpoint{c}, list)
	pub := priv.Public().(ed25519.PublicKey)
	rep, err := audit.Verify(ctx, s, []ed25519.PublicKey{pub})
	require.NoError(t, err)
	require.True(t, rep.OK(), "broken: %v", rep.Broken)
	require.Equal(t, 1, rep.Checkpoints)
	rep, err = audit.Verify(ctx, s, nil)
	require.NoError(t, err)
	require.Contains(t, rep.Broken.Reason, "which was not given")
}

// ExerciseTamper runs the tamper scenarios: each opens a fresh store, writes
// a signed trail of events, changes the database behind the store's back
// with exec (plain SQL that SQLite and PostgreSQL both take), and checks
// that audit.Verify reports the first broken link.
func ExerciseTamper(t *testing.T, open func(t *testing.T) (stint.Store, func(sql string) error)) {
	for _, tc := range []struct {
		name    string
		sql     []string
		rewrite bool // edit event 3 and recompute every hash after it, and the head
		seq     int64
		reason  string
		useKeys bool
	}{
		{name: "edit an event's data", sql: []string{`UPDATE events SET data = '{"reason":"nothing to see"}' WHERE seq = 3`},
			seq: 3, reason: "was changed after it was written"},
		{name: "edit an event's actor", sql: []string{`UPDATE events SET actor = 'mallory@example.com' WHERE seq = 2`},
			seq: 2, reason: "was changed after it was written"},
		{name: "delete an event", sql: []string{`DELETE FROM events WHERE seq = 4`}, seq: 4, reason: "event 4 is missing"},
		{name: "reorder two events", sql: []string{`UPDATE events SET seq = -1 WHERE seq = 2`, `UPDATE events SET seq = 2 WHERE seq = 3`, `UPDATE events SET seq = 3 WHERE seq = -1`},
			seq: 2, reason: "does not link to the event before it"},
		{name: "truncate the tail", sql: []string{`DELETE FROM events WHERE seq > 4`}, seq: 5, reason: "the chain's head says 6 events but 4 were found"},
		{name: "truncate the tail and the head", useKeys: true,
			sql: []string{`DELETE FROM events WHERE seq > 4`, `UPDATE event_chain SET seq = 4, hash = (SELECT hash FROM events WHERE seq = 4)`},
			seq: 5, reason: "a checkpoint signed at 2030-01-02T01:04:05Z vouches for 6 events but 4 were found"},
		{name: "forge the checkpoint's signature", useKeys: true,
			sql: []string{`UPDATE checkpoints SET signature = 'AAAA'`}, seq: 6, reason: "signature is not valid"},
		{name: "rewrite an event and every hash after it", useKeys: true, rewrite: true,
			seq: 6, reason: "the signed checkpoint at this place has another hash"},
		{name: "insert an event around the store", sql: []string{`INSERT INTO events (id, time, actor, type, subject, data) VALUES ('forged', '2030-01-02T01:04:05.000000Z', 'x', 't', 's', '{}')`},
			seq: 0, reason: "has no place in the chain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, exec := open(t)
			ctx := t.Context()
			_, priv, err := ed25519.GenerateKey(nil)
			require.NoError(t, err)
			for i := range 6 {
				appendEvents(t, s, &stint.Event{ID: fmt.Sprintf("e-%d", i+1), Time: at(time.Duration(i) * time.Minute),
					Actor: "alice@example.com", Type: stint.EventGrantActive, Subject: "g-1", Data: map[string]any{"i": i, "reason": "INC-1"}})
			}
			signer := &audit.Signer{Key: priv, Now: func() time.Time { return base }}
			_, err = signer.Checkpoint(ctx, s)
			require.NoError(t, err)
			keys := []ed25519.PublicKey{priv.Public().(ed25519.PublicKey)}
			rep, err := audit.Verify(ctx, s, keys)
			require.NoError(t, err)
			require.True(t, rep.OK(), "intact before: %v", rep.Broken)
			sqls := tc.sql
			if tc.rewrite {
				sqls = rewriteFrom(t, s, 3)
			}
			for _, q := range sqls {
				require.NoError(t, exec(q), q)
			}
			if !tc.useKeys {
				// Without the checkpoint's key only the chain speaks.
				keys = nil
				require.NoError(t, exec(`DELETE FROM checkpoints`))
			}
			rep, err = audit.Verify(ctx, s, keys)
			require.NoError(t, err)
			require.NotNil(t, rep.Broken, "tampering went unnoticed")
			require.Equal(t, tc.seq, rep.Broken.Seq, "broken: %v", rep.Broken)
			require.Contains(t, rep.Broken.Reason, tc.reason)
		})
	}
}

// rewriteFrom returns the SQL of a careful forger: event seq's data edited,
// and its hash, every later link and the head recomputed to match.
func rewriteFrom(t *testing.T, s stint.Store, seq int64) []string {
	t.Helper()
	var out []string
	prev := ""
	err := s.EventChain(t.Context(), 1, func(e *stint.Event, data []byte) error {
		if e.Seq < seq {
			prev = e.Hash
			return nil
		}
		if e.Seq == seq {
			data = []byte(`{"i":2,"reason":"forged"}`)
			out = append(out, fmt.Sprintf(`UPDATE events SET data = '%s' WHERE seq = %d`, data, e.Seq))
		}
		hash := stint.ChainHash(prev, e.Seq, e, data)
		out = append(out, fmt.Sprintf(`UPDATE events SET prev_hash = '%s', hash = '%s' WHERE seq = %d`, prev, hash, e.Seq),
			fmt.Sprintf(`UPDATE event_chain SET hash = '%s'`, hash))
		prev = hash
		return nil
	})
	require.NoError(t, err)
	return out
}

// ExerciseRetentionTamper runs the retention scenarios as ExerciseTamper
// does: each writes ten signed events, lets retention remove the five
// older than its keep period (two per transaction, so three anchors), checks that the kept tail verifies, then
// changes the database behind the store's back with exec and checks that
// audit.Verify reports the first broken link: retention must not look
// like truncation, and truncation beyond it must still show.
func ExerciseRetentionTamper(t *testing.T, open func(t *testing.T) (stint.Store, func(sql string) error)) {
	for _, tc := range []struct {
		name   string
		sql    []string
		seq    int64
		reason string
	}{
		{name: "nothing changed"},
		{name: "delete the oldest kept events", sql: []string{`DELETE FROM events WHERE seq <= 7`},
			seq: 6, reason: "events 6 to 7 are missing: retention removed events up to 5 only"},
		{name: "delete the anchors too", sql: []string{`DELETE FROM anchors`},
			seq: 1, reason: "event 1 is missing: the next one found is 6"},
		{name: "delete the newest anchor", sql: []string{`DELETE FROM anchors WHERE seq = 5`},
			seq: 5, reason: "event 5 is missing: retention removed events up to 4 only"},
		{name: "move the anchor past deleted events", sql: []string{
			`UPDATE anchors SET seq = 7, hash = (SELECT hash FROM events WHERE seq = 7) WHERE seq = 5`, `DELETE FROM events WHERE seq <= 7`},
			seq: 7, reason: "anchor's signature is not valid"},
		{name: "forge the anchor's signature", sql: []string{`UPDATE anchors SET signature = 'AAAA' WHERE seq = 5`},
			seq: 5, reason: "anchor's signature is not valid"},
		{name: "edit a kept event", sql: []string{`UPDATE events SET actor = 'mallory@example.com' WHERE seq = 6`},
			seq: 6, reason: "changed after it was written"},
		{name: "truncate the tail and the head", sql: []string{`DELETE FROM events WHERE seq > 8`,
			`UPDATE event_chain SET seq = 8, hash = (SELECT hash FROM events WHERE seq = 8)`},
			seq: 9, reason: "vouches for 10 events but 8 were found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, exec := open(t)
			ctx := t.Context()
			_, priv, err := ed25519.GenerateKey(nil)
			require.NoError(t, err)
			for i := range 10 {
				appendEvents(t, s, &stint.Event{ID: fmt.Sprintf("e-%02d", i+1), Time: at(time.Duration(i) * 24 * time.Hour),
					Actor: "alice@example.com", Type: stint.EventGrantActive, Subject: "g-1", Data: map[string]any{"i": i}})
			}
			now := at(10 * 24 * time.Hour)
			signer := &audit.Signer{Key: priv, Now: func() time.Time { return now }}
			_, err = signer.Checkpoint(ctx, s)
			require.NoError(t, err)
			ret := &audit.Retention{Store: s, Signer: signer, Keep: 5*24*time.Hour + time.Hour, Batch: 2,
				Now: func() time.Time { return now }}
			pr, err := ret.Prune(ctx)
			require.NoError(t, err)
			require.Equal(t, &audit.PruneReport{Pruned: 5, Through: 5, HeldBy: "age"}, pr)
			// Retention recorded itself: event 11, after a new checkpoint.
			_, err = signer.Checkpoint(ctx, s)
			require.NoError(t, err)
			keys := []ed25519.PublicKey{signer.PublicKey()}
			rep, err := audit.Verify(ctx, s, keys)
			require.NoError(t, err)
			require.True(t, rep.OK(), "retention looks like tampering: %v", rep.Broken)
			require.EqualValues(t, 5, rep.Anchor.Seq)
			require.Equal(t, 6, rep.Events, "events 6 to 10 and the pruning's own")
			if tc.sql == nil {
				again, err := ret.Prune(ctx)
				require.NoError(t, err)
				require.Equal(t, &audit.PruneReport{Through: 5, HeldBy: "age"}, again, "nothing more is old enough")
				return
			}
			// Drop the newest checkpoint (of the pruning event) so the
			// tail cases compare with the one of event 10.
			require.NoError(t, exec(`DELETE FROM checkpoints WHERE seq = 11`))
			require.NoError(t, exec(`DELETE FROM events WHERE seq = 11`))
			require.NoError(t, exec(`UPDATE event_chain SET seq = 10, hash = (SELECT hash FROM events WHERE seq = 10)`))
			for _, q := range tc.sql {
				require.NoError(t, exec(q), q)
			}
			rep, err = audit.Verify(ctx, s, keys)
			require.NoError(t, err)
			require.NotNil(t, rep.Broken, "tampering went unnoticed")
			require.Equal(t, tc.seq, rep.Broken.Seq, "broken: %v", rep.Broken)
			require.Contains(t, rep.Broken.Reason, tc.reason)
			_, err = ret.Prune(ctx)
			requireCode(t, err, stint.ECONFLICT, "retention deleted nothing")
		})
	}
}
