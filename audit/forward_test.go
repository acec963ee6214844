package audit_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
	"github.com/stint-dev/stint/store/sqlite"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// appendN appends n events in transactions of up to 4, numbered from the
// chain's head on, a minute apart.
func appendN(t *testing.T, s stint.Store, n int) {
	t.Helper()
	ctx := t.Context()
	head, err := s.ChainHead(ctx)
	require.NoError(t, err)
	for i := 0; i < n; i += 4 {
		require.NoError(t, s.Tx(ctx, func(tx stint.Tx) error {
			for j := i; j < min(i+4, n); j++ {
				k := int(head.Seq) + j + 1
				err := tx.EventAppend(ctx, &stint.Event{ID: fmt.Sprintf("e-%03d", k), Time: t0.Add(time.Duration(k) * time.Minute),
					Actor: "alice@example.com", Type: stint.EventRequestCreated, Subject: fmt.Sprintf("r-%d", k), Data: map[string]any{"k": k}})
				if err != nil {
					return err
				}
			}
			return nil
		}))
	}
}

// collector is a webhook receiver that is down (503) while down > 0,
// counting down per call, and can lose its answer after storing a batch
// (lost > 0): the sender sees a failure for a batch it delivered.
type collector struct {
	mu      sync.Mutex
	down    int
	lost    int
	calls   int
	batches [][]int64 // acknowledged batches: the seqs of each
	stored  []int64   // every seq stored, duplicates and all
	sigs    []string
	bodies  [][]byte
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.down > 0 {
		c.down--
		http.Error(w, "collector down", http.StatusServiceUnavailable)
		return
	}
	var seqs []int64
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var e stint.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Seq == 0 {
			http.Error(w, "bad line", http.StatusBadRequest)
			return
		}
		seqs = append(seqs, e.Seq)
	}
	if r.Header.Get("X-Stint-First-Seq") != strconv.FormatInt(seqs[0], 10) || r.Header.Get("X-Stint-Last-Seq") != strconv.FormatInt(seqs[len(seqs)-1], 10) {
		http.Error(w, "headers do not match the body", http.StatusBadRequest)
		return
	}
	c.stored = append(c.stored, seqs...)
	c.sigs = append(c.sigs, r.Header.Get("X-Stint-Signature"))
	c.bodies = append(c.bodies, body)
	if c.lost > 0 {
		c.lost--
		http.Error(w, "stored, but the answer is lost", http.StatusBadGateway)
		return
	}
	c.batches = append(c.batches, seqs)
}

func (c *collector) acked() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int64
	for _, b := range c.batches {
		out = append(out, b...)
	}
	return out
}

func seqRange(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func cursorOf(t *testing.T, s stint.Store, name string) *stint.ForwardCursor {
	t.Helper()
	list, err := s.ForwardCursorList(t.Context())
	require.NoError(t, err)
	for _, c := range list {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestForwardWebhookDownThenUp: the receiving endpoint is down for a while,
// then up; every event arrives, in chain order, each place of the chain in
// exactly one acknowledged batch; after a restart forwarding resumes at the
// stored cursor.
func TestForwardWebhookDownThenUp(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := sqlite.OpenTest(t)
	appendN(t, s, 25)
	col := &collector{down: 3}
	srv := httptest.NewServer(col)
	t.Cleanup(srv.Close)
	clock := t0.Add(time.Hour)
	newForwarder := func() *audit.Forwarder {
		return &audit.Forwarder{Store: s, Batch: 10, Now: func() time.Time { return clock },
			Destinations: []audit.Destination{&audit.Webhook{DestName: "siem", URL: srv.URL, Secret: "s3cret"}}}
	}
	f := newForwarder()
	for range 3 {
		err := f.Run(ctx)
		require.Error(t, err, "the collector is down")
		require.Equal(t, stint.EUNAVAILABLE, stint.ErrorCode(err))
		require.Contains(t, err.Error(), "503")
		c := cursorOf(t, s, "siem")
		require.EqualValues(t, 0, c.Seq, "nothing acknowledged, nothing moves")
		require.Contains(t, c.LastError, "503 Service Unavailable")
	}
	require.Empty(t, col.acked())

	require.NoError(t, f.Run(ctx), "up again: one run catches up")
	require.Equal(t, seqRange(1, 25), col.acked(), "each place once, in order")
	require.Equal(t, [][]int64{seqRange(1, 10), seqRange(11, 20), seqRange(21, 25)}, col.batches)
	c := cursorOf(t, s, "siem")
	require.EqualValues(t, 25, c.Seq)
	require.Empty(t, c.LastError)
	require.Equal(t, clock, c.ForwardedAt)
	require.Equal(t, stint.SignPayload("s3cret", col.bodies[0]), col.sigs[0])

	require.NoError(t, f.Run(ctx))
	require.Len(t, col.batches, 3, "caught up: nothing sent again")

	// A restart: a new forwarder reads the cursor from the store.
	appendN(t, s, 7)
	require.NoError(t, newForwarder().Run(ctx))
	require.Equal(t, seqRange(1, 32), col.acked())
}

// TestForwardLostAnswer: the collector stores a batch but its answer is
// lost; the batch is sent again from the same place (at least once), so
// deduplicating by seq leaves every event exactly once, in order.
func TestForwardLostAnswer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := sqlite.OpenTest(t)
	appendN(t, s, 12)
	col := &collector{lost: 1}
	srv := httptest.NewServer(col)
	t.Cleanup(srv.Close)
	f := &audit.Forwarder{Store: s, Batch: 5, Destinations: []audit.Destination{&audit.Webhook{DestName: "siem", URL: srv.URL}}}
	require.Error(t, f.Run(ctx))
	require.NoError(t, f.Run(ctx))
	require.Equal(t, seqRange(1, 12), col.acked())
	require.Equal(t, append(seqRange(1, 5), seqRange(1, 12)...), col.stored, "the first batch twice")
	seen := map[int64]bool{}
	var dedup []int64
	for _, q := range col.stored {
		if !seen[q] {
			seen[q] = true
			dedup = append(dedup, q)
		}
	}
	require.Equal(t, seqRange(1, 12), dedup)
	require.Empty(t, col.sigs[0], "no secret, no signature")
}

// TestForwardAfterRetention: a destination added after retention removed
// the oldest events starts at the oldest kept one; a gap retention did not
// make stops forwarding.
func TestForwardAfterRetention(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := sqlite.OpenTest(t)
	appendN(t, s, 10)
	_, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	now := t0.Add(time.Hour)
	signer := &audit.Signer{Key: priv, Now: func() time.Time { return now }}
	_, err = signer.Checkpoint(ctx, s)
	require.NoError(t, err)
	ret := &audit.Retention{Store: s, Signer: signer, Keep: now.Sub(t0.Add(4*time.Minute + time.Second)), Now: func() time.Time { return now }}
	pr, err := ret.Prune(ctx)
	require.NoError(t, err)
	require.Equal(t, &audit.PruneReport{Pruned: 4, Through: 4, HeldBy: "age"}, pr)

	col := &collector{}
	srv := httptest.NewServer(col)
	t.Cleanup(srv.Close)
	f := &audit.Forwarder{Store: s, Destinations: []audit.Destination{&audit.Webhook{DestName: "late", URL: srv.URL}}}
	require.NoError(t, f.Run(ctx))
	require.Equal(t, seqRange(5, 11), col.acked(), "from the oldest kept, with the pruning's own event")

	// Someone deletes events behind the store's back: forwarding stops.
	appendN(t, s, 3) // 12, 13, 14
	_, err = s.SQL().ExecContext(ctx, `DELETE FROM events WHERE seq = 12`)
	require.NoError(t, err)
	err = f.Run(ctx)
	require.Equal(t, stint.EINTERNAL, stint.ErrorCode(err))
	require.Contains(t, err.Error(), "event 12 is missing")
	require.EqualValues(t, 11, cursorOf(t, s, "late").Seq)
}

// TestRetentionWaitsForCursorsAndCheckpoints: events go only once every
// destination has them and a checkpoint covers them.
func TestRetentionWaitsForCursorsAndCheckpoints(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := sqlite.OpenTest(t)
	appendN(t, s, 10)
	_, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	now := t0.Add(30 * 24 * time.Hour)
	signer := &audit.Signer{Key: priv, Now: func() time.Time { return now }}
	ret := &audit.Retention{Store: s, Signer: signer, Keep: 24 * time.Hour, Now: func() time.Time { return now },
		Destinations: func() []string { return []string{"siem"} }}
	pr, err := ret.Prune(ctx)
	require.NoError(t, err)
	require.Equal(t, &audit.PruneReport{HeldBy: "checkpoint"}, pr, "no checkpoint yet")

	_, err = signer.Checkpoint(ctx, s)
	require.NoError(t, err)
	pr, err = ret.Prune(ctx)
	require.NoError(t, err)
	require.Equal(t, &audit.PruneReport{HeldBy: "cursor siem"}, pr, "siem has nothing yet")

	col := &collector{}
	srv := httptest.NewServer(col)
	t.Cleanup(srv.Close)
	f := &audit.Forwarder{Store: s, Batch: 6, MaxBatches: 1, Destinations: []audit.Destination{&audit.Webhook{DestName: "siem", URL: srv.URL}}}
	require.NoError(t, f.Run(ctx))
	pr, err = ret.Prune(ctx)
	require.NoError(t, err)
	require.Equal(t, &audit.PruneReport{Pruned: 6, Through: 6, HeldBy: "cursor siem"}, pr)

	rep, err := audit.Verify(ctx, s, []ed25519.PublicKey{signer.PublicKey()})
	require.NoError(t, err)
	require.True(t, rep.OK(), "%v", rep.Broken)
	rep, err = audit.Verify(ctx, s, nil)
	require.NoError(t, err)
	require.Contains(t, rep.Broken.Reason, "which was not given", "the anchor needs its key")

	_, err = (&audit.Retention{Store: s, Keep: time.Hour}).Prune(ctx)
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
}

// TestForwardOCSF: an OCSF webhook gets OCSF events, one per line.
func TestForwardOCSF(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := sqlite.OpenTest(t)
	appendN(t, s, 2)
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc := bufio.NewScanner(r.Body)
		for sc.Scan() {
			var m map[string]any
			require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
			got = append(got, m)
		}
	}))
	t.Cleanup(srv.Close)
	f := &audit.Forwarder{Store: s, Destinations: []audit.Destination{&audit.Webhook{DestName: "lake", URL: srv.URL, Format: audit.FormatOCSF,
		Subjects: &audit.Subjects{Reader: s}, Authorization: "Splunk token-1"}}}
	require.NoError(t, f.Run(ctx))
	require.Len(t, got, 2)
	require.EqualValues(t, audit.ClassEntityManagement, got[0]["class_uid"])
	require.EqualValues(t, 2, got[1]["metadata"].(map[string]any)["sequence"])
}
