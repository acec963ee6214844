package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/stint-dev/stint"
)

// eventCols are an event's columns, its place in the chain last.
const eventCols = "id, time, actor, type, subject, data, seq, prev_hash, hash"

func scanEvent(d *Dialect, s Row) (*stint.Event, error) {
	var e stint.Event
	var seq sql.NullInt64
	err := s.Scan(&e.ID, d.ScanTime(&e.Time), &e.Actor, &e.Type, &e.Subject, d.ScanJSON(&e.Data), &seq, &e.PrevHash, &e.Hash)
	e.Seq = seq.Int64
	return &e, err
}

// EventList returns the newest p.Limit events matching p, oldest first.
// Since is inclusive.
func (r Reader) EventList(ctx context.Context, p *stint.EventListParams) ([]*stint.Event, error) {
	if p == nil {
		p = &stint.EventListParams{}
	}
	w := where{d: r.d}
	if !p.Since.IsZero() {
		w.add("time >= " + w.arg(r.d.Time(Norm(p.Since))))
	}
	if p.Subject != "" {
		w.add("subject = " + w.arg(p.Subject))
	}
	if prefix, ok := strings.CutSuffix(p.Type, "*"); ok {
		w.add("type LIKE " + w.arg(likeEscape(prefix)+"%") + ` ESCAPE '\'`)
	} else if p.Type != "" {
		w.add("type = " + w.arg(p.Type))
	}
	if p.Resource != "" {
		w.add("(subject IN (SELECT id FROM grants WHERE resource_id = " + w.arg(p.Resource) +
			") OR subject IN (SELECT request_id FROM request_resources WHERE resource_id = " + w.arg(p.Resource) + "))")
	}
	if p.Account != "" {
		w.add("(subject IN (SELECT id FROM grants WHERE account_id = " + w.arg(p.Account) +
			") OR subject IN (SELECT request_id FROM request_resources WHERE account_id = " + w.arg(p.Account) + "))")
	}
	if p.Flow != "" {
		w.add("(subject IN (SELECT id FROM grants WHERE flow = " + w.arg(p.Flow) +
			") OR subject IN (SELECT id FROM requests WHERE flow = " + w.arg(p.Flow) + "))")
	}
	if !p.Until.IsZero() {
		w.add("time < " + w.arg(r.d.Time(Norm(p.Until))))
	}
	if p.Actor != "" {
		w.add("lower(actor) = " + w.arg(strings.ToLower(p.Actor)))
	}
	if p.Text != "" {
		subject := w.arg(p.Text)
		w.add("(subject = " + subject + " OR lower(" + r.d.textOf("data") + ") LIKE " + w.likeArg(p.Text) + ` ESCAPE '\')`)
	}
	if p.BeforeID != "" && !p.ChainOrder {
		w.add("(time, id) < (SELECT time, id FROM events WHERE id = " + w.arg(p.BeforeID) + ")")
	}
	if p.AfterID != "" && !p.ChainOrder {
		w.add("(time, id) > (SELECT time, id FROM events WHERE id = " + w.arg(p.AfterID) + ")")
	}
	if p.ChainOrder {
		w.add("seq > " + w.arg(p.AfterSeq))
		query := "SELECT " + eventCols + " FROM events" + w.sql() + " ORDER BY seq LIMIT " + w.arg(limit(p.Limit, 1000, 0))
		return list(ctx, r, "events", scanEvent, query, w.args...)
	}
	if p.AfterID != "" || p.Oldest {
		query := "SELECT " + eventCols + " FROM events" + w.sql() + " ORDER BY time, id LIMIT " + w.arg(limit(p.Limit, 1000, 0))
		return list(ctx, r, "events", scanEvent, query, w.args...)
	}
	query := "SELECT " + eventCols + " FROM (SELECT " + eventCols + " FROM events" + w.sql() +
		" ORDER BY time DESC, id DESC LIMIT " + w.arg(limit(p.Limit, 1000, 0)) + ") newest ORDER BY time, id"
	return list(ctx, r, "events", scanEvent, query, w.args...)
}

// pendingEvent is an event appended in a transaction, to be sealed into
// the chain when it commits.
type pendingEvent struct {
	e    *stint.Event
	data []byte // canonical JSON
}

// EventAppend checks e (the caller sets ID and Time) and queues it; the
// transaction writes it when it commits, in its place in the chain after
// the events already there (Seq, PrevHash and Hash are then set), with its
// data in canonical form. So a transaction's reads do not see the events
// it appends. Committing returns ECONFLICT when an ID is taken; EventAppend
// returns EINVALID for a missing ID or data that is not JSON.
func (t writer) EventAppend(ctx context.Context, e *stint.Event) error {
	if e.ID == "" {
		return stint.Errorf(stint.EINVALID, "event has no id; set it before creating")
	}
	e.Time = Norm(e.Time)
	data, err := stint.CanonicalJSON(e.Data)
	if err != nil {
		return stint.Errorf(stint.EINVALID, "event data cannot be stored as JSON: %v", err)
	}
	if t.pending == nil {
		return stint.Errorf(stint.EINTERNAL, "EventAppend outside a transaction")
	}
	*t.pending = append(*t.pending, pendingEvent{e: e, data: data})
	return nil
}

// sealBatch bounds the rows of one INSERT (9 arguments each).
const sealBatch = 500

// seal writes the transaction's events in their places in the chain, in
// the order they were appended, after the head: it locks the head row, so
// committing appenders take turns from here to their commit, and writes
// the events with one INSERT per 500.
func (t writer) seal(ctx context.Context) error {
	if t.pending == nil || len(*t.pending) == 0 {
		return nil
	}
	head, err := t.lockHead(ctx)
	if err != nil {
		return err
	}
	pending := *t.pending
	for start := 0; start < len(pending); start += sealBatch {
		batch := pending[start:min(start+sealBatch, len(pending))]
		var b strings.Builder
		b.WriteString("INSERT INTO events (" + eventCols + ") VALUES ")
		args := make([]any, 0, 9*len(batch))
		for i, pe := range batch {
			seq := head.Seq + 1
			hash := stint.ChainHash(head.Hash, seq, pe.e, pe.data)
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for j := range 9 {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(t.d.Placeholder(len(args) + j + 1))
			}
			b.WriteString(")")
			args = append(args, pe.e.ID, t.d.Time(pe.e.Time), pe.e.Actor, pe.e.Type, pe.e.Subject, string(pe.data), seq, head.Hash, hash)
			pe.e.Seq, pe.e.PrevHash, pe.e.Hash = seq, head.Hash, hash
			head = stint.ChainHead{Seq: seq, Hash: hash}
		}
		b.WriteString(" ON CONFLICT DO NOTHING")
		n, err := t.q.Exec(ctx, b.String(), args...)
		if err != nil {
			return fmt.Errorf("write %d events into the audit chain: %w", len(batch), t.d.Translate(err))
		}
		if int(n) != len(batch) {
			ids := make([]string, 0, len(batch))
			for _, pe := range batch {
				ids = append(ids, pe.e.ID)
			}
			if len(ids) > 3 {
				ids = append(ids[:3], "...")
			}
			return stint.Errorf(stint.ECONFLICT, "event %s already exists (%d of %d written); events are not replaced", strings.Join(ids, ", "), n, len(batch))
		}
	}
	if _, err := t.q.Exec(ctx, t.d.stmt().chainPut, head.Seq, head.Hash); err != nil {
		return fmt.Errorf("move the audit chain's head: %w", t.d.Translate(err))
	}
	*t.pending = (*t.pending)[:0]
	return nil
}

func (t writer) lockHead(ctx context.Context) (stint.ChainHead, error) {
	var head stint.ChainHead
	if err := t.q.QueryRow(ctx, t.d.stmt().chainLock).Scan(&head.Seq, &head.Hash); err != nil {
		return head, fmt.Errorf("lock the audit chain's head: %w", t.d.Translate(err))
	}
	return head, nil
}

// sealLegacy seals the events that have no place in the chain (written
// before the chain existed), oldest first, updating them in place.
func (t writer) sealLegacy(ctx context.Context) (int, error) {
	head, err := t.lockHead(ctx)
	if err != nil {
		return 0, err
	}
	rows, err := t.q.Query(ctx, "SELECT id, time, actor, type, subject, "+t.d.textOf("data")+" FROM events WHERE seq IS NULL ORDER BY time, id")
	if err != nil {
		return 0, fmt.Errorf("list events outside the audit chain: %w", t.d.Translate(err))
	}
	var legacy []pendingEvent
	for rows.Next() {
		var e stint.Event
		var raw string
		if err := rows.Scan(&e.ID, t.d.ScanTime(&e.Time), &e.Actor, &e.Type, &e.Subject, &raw); err != nil {
			rows.Close()
			return 0, fmt.Errorf("list events outside the audit chain: %w", err)
		}
		data, err := stint.CanonicalRaw([]byte(raw))
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("event %s: stored data is not JSON: %w", e.ID, err)
		}
		legacy = append(legacy, pendingEvent{e: &e, data: data})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("list events outside the audit chain: %w", t.d.Translate(err))
	}
	if len(legacy) == 0 {
		return 0, nil
	}
	for _, pe := range legacy {
		seq := head.Seq + 1
		hash := stint.ChainHash(head.Hash, seq, pe.e, pe.data)
		if _, err := t.q.Exec(ctx, t.d.stmt().eventSeal, seq, head.Hash, hash, string(pe.data), pe.e.ID); err != nil {
			return 0, fmt.Errorf("seal event %s into the audit chain: %w", pe.e.ID, t.d.Translate(err))
		}
		head = stint.ChainHead{Seq: seq, Hash: hash}
	}
	if _, err := t.q.Exec(ctx, t.d.stmt().chainPut, head.Seq, head.Hash); err != nil {
		return 0, fmt.Errorf("move the audit chain's head: %w", t.d.Translate(err))
	}
	return len(legacy), nil
}

// ChainHead returns the newest link of the audit chain.
func (r Reader) ChainHead(ctx context.Context) (stint.ChainHead, error) {
	var head stint.ChainHead
	if err := r.q.QueryRow(ctx, "SELECT seq, hash FROM event_chain WHERE id = 1").Scan(&head.Seq, &head.Hash); err != nil {
		return head, fmt.Errorf("read the audit chain's head: %w", r.d.Translate(err))
	}
	return head, nil
}

// EventChain calls fn with every event in the chain from seq from on, in
// chain order, with its data as stored; then with the events outside the
// chain (Seq 0), if any. It stops at fn's first error.
func (r Reader) EventChain(ctx context.Context, from int64, fn func(e *stint.Event, data []byte) error) error {
	query := "SELECT id, time, actor, type, subject, " + r.d.textOf("data") + ", seq, prev_hash, hash FROM events" +
		" WHERE seq >= " + r.d.Placeholder(1) + " OR seq IS NULL ORDER BY seq IS NULL, seq, time, id"
	rows, err := r.q.Query(ctx, query, from)
	if err != nil {
		return fmt.Errorf("read the audit chain: %w", r.d.Translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var e stint.Event
		var raw string
		var seq sql.NullInt64
		if err := rows.Scan(&e.ID, r.d.ScanTime(&e.Time), &e.Actor, &e.Type, &e.Subject, &raw, &seq, &e.PrevHash, &e.Hash); err != nil {
			return fmt.Errorf("read the audit chain: %w", err)
		}
		e.Seq = seq.Int64
		if err := fn(&e, []byte(raw)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the audit chain: %w", r.d.Translate(err))
	}
	return nil
}

const checkpointCols = "seq, hash, time, key_id, signature"

func scanCheckpoint(d *Dialect, s Row) (*stint.Checkpoint, error) {
	var c stint.Checkpoint
	err := s.Scan(&c.Seq, &c.Hash, d.ScanTime(&c.Time), &c.KeyID, &c.Signature)
	return &c, err
}

// CheckpointList lists the checkpoints, oldest first.
func (r Reader) CheckpointList(ctx context.Context) ([]*stint.Checkpoint, error) {
	return list(ctx, r, "checkpoints", scanCheckpoint, "SELECT "+checkpointCols+" FROM checkpoints ORDER BY seq")
}

// CheckpointPut records a checkpoint; one for the same seq is replaced.
func (t writer) CheckpointPut(ctx context.Context, c *stint.Checkpoint) error {
	c.Time = Norm(c.Time)
	if _, err := t.q.Exec(ctx, t.d.stmt().checkpointPut, c.Seq, c.Hash, t.d.Time(c.Time), c.KeyID, c.Signature); err != nil {
		return fmt.Errorf("record checkpoint at %d: %w", c.Seq, t.d.Translate(err))
	}
	return nil
}
