package audit

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/stint-dev/stint"
)

// Defaults of Forwarder.
const (
	DefaultForwardBatch      = 500
	DefaultForwardMaxBatches = 100
)

// Destination receives the audit trail in batches, in chain order.
type Destination interface {
	// Name names the destination's cursor in the store. Renaming a
	// destination starts it over from the oldest event kept.
	Name() string
	// Send delivers events: contiguous places of the chain, in order. It
	// returns nil once the destination holds every one of them. After an
	// error the forwarder sends from the first again (the destination may
	// have some already): delivery is at least once, and receivers drop
	// what they have by seq.
	Send(ctx context.Context, events []*stint.Event) error
}

// Forwarder sends the audit trail to its destinations, each in chain
// order from where its cursor stands; the cursor (the last seq the
// destination acknowledged) is kept in the store, so forwarding resumes
// where it stopped after a failure or a restart. Run it on the leader.
type Forwarder struct {
	Store        stint.Store
	Destinations []Destination
	// Batch bounds the events of one Send; MaxBatches the sends to one
	// destination in one Run. Defaults: 500 and 100.
	Batch, MaxBatches int
	Now               func() time.Time // default time.Now
	Logger            *slog.Logger     // default slog.Default()
}

// Run forwards to every destination what it lacks, up to MaxBatches
// batches each. A destination that fails keeps its cursor (and the error,
// for `stint audit forwarding`) and is tried again on the next Run; Run
// returns the failures joined, with code EUNAVAILABLE.
func (f *Forwarder) Run(ctx context.Context) error {
	cursors, err := f.Store.ForwardCursorList(ctx)
	if err != nil {
		return err
	}
	byName := map[string]*stint.ForwardCursor{}
	for _, c := range cursors {
		byName[c.Name] = c
	}
	var errs []error
	for _, d := range f.Destinations {
		c := byName[d.Name()]
		if c == nil {
			c = &stint.ForwardCursor{Name: d.Name()}
		}
		if err := f.forward(ctx, d, c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (f *Forwarder) now() time.Time {
	if f.Now != nil {
		return f.Now().UTC()
	}
	return time.Now().UTC()
}

func (f *Forwarder) log() *slog.Logger { return cmp.Or(f.Logger, slog.Default()) }

// forward sends to d from c until it is caught up, fails, or has had
// MaxBatches batches.
func (f *Forwarder) forward(ctx context.Context, d Destination, c *stint.ForwardCursor) error {
	for range cmp.Or(f.MaxBatches, DefaultForwardMaxBatches) {
		batch, err := f.next(ctx, c.Seq)
		if err != nil {
			return fmt.Errorf("forward the audit trail to %s: %w", d.Name(), err)
		}
		if len(batch) == 0 {
			return nil
		}
		sendErr := d.Send(ctx, batch)
		now := f.now()
		c.AttemptedAt = now
		if sendErr != nil {
			c.LastError = stint.ErrorMessage(sendErr)
			if err := f.save(ctx, c); err != nil && !stint.IsCode(err, stint.ECONFLICT) {
				f.log().Warn("cannot record a forwarding failure", "destination", d.Name(), "err", err)
			}
			return stint.Errorf(stint.EUNAVAILABLE, "forward events %d to %d to %s: %s; retrying from %d on the next run",
				batch[0].Seq, batch[len(batch)-1].Seq, d.Name(), stint.ErrorMessage(sendErr), batch[0].Seq)
		}
		c.Seq, c.ForwardedAt, c.LastError = batch[len(batch)-1].Seq, now, ""
		if err := f.save(ctx, c); err != nil {
			if stint.IsCode(err, stint.ECONFLICT) {
				// Another leader moved the cursor meanwhile: it forwards.
				f.log().Warn("another process forwards the audit trail too", "destination", d.Name())
				return nil
			}
			return fmt.Errorf("move the forwarding cursor of %s to %d: %w", d.Name(), c.Seq, err)
		}
	}
	return nil
}

func (f *Forwarder) save(ctx context.Context, c *stint.ForwardCursor) error {
	return f.Store.Tx(ctx, func(tx stint.Tx) error { return tx.ForwardCursorPut(ctx, c) })
}

// next returns the events after seq, contiguous, at most Batch. The first
// is seq+1, or the oldest kept one when retention removed seq+1 already
// (a destination added after retention starts there).
func (f *Forwarder) next(ctx context.Context, seq int64) ([]*stint.Event, error) {
	evs, err := f.Store.EventList(ctx, &stint.EventListParams{ChainOrder: true, AfterSeq: seq, Limit: cmp.Or(f.Batch, DefaultForwardBatch)})
	if err != nil || len(evs) == 0 {
		return evs, err
	}
	if first := evs[0].Seq; first != seq+1 {
		anchors, err := f.Store.AnchorList(ctx)
		if err != nil {
			return nil, err
		}
		if len(anchors) == 0 || anchors[len(anchors)-1].Seq < first-1 {
			return nil, stint.Errorf(stint.EINTERNAL, "event %d is missing from the audit chain (the next one is %d); forwarding stops here: run `stint audit verify`", seq+1, first)
		}
		f.log().Warn("retention removed events before this destination had them; forwarding from the oldest kept", "from", first, "after", seq)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq != evs[i-1].Seq+1 {
			return evs[:i], nil // the gap is reported when forwarding reaches it
		}
	}
	return evs, nil
}

// Encode writes the events as JSON lines in the format (jsonl or ocsf),
// for a destination's batch.
func Encode(ctx context.Context, f Format, subjects *Subjects, events []*stint.Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := NewEncoder(&buf, f, subjects)
	for _, e := range events {
		if err := enc.Encode(ctx, e); err != nil {
			return nil, fmt.Errorf("encode event %d: %w", e.Seq, err)
		}
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// webhookTimeout bounds one batch delivery to a webhook.
const webhookTimeout = 30 * time.Second

// Webhook is a Destination that POSTs each batch to a URL as JSON lines
// (Content-Type application/x-ndjson), one stint event, or OCSF event,
// per line. Headers: X-Stint-Destination, X-Stint-First-Seq and
// X-Stint-Last-Seq (the batch's places), Idempotency-Key (destination,
// first and last seq) and, with a secret, X-Stint-Signature (sha256=HMAC
// of the body, as the notification webhooks sign). Any 2xx answer
// acknowledges the batch.
type Webhook struct {
	DestName string
	URL      string
	Format   Format // jsonl (default) or ocsf
	Secret   string // "" sends no signature
	// Authorization, when set, is sent as the Authorization header (a
	// SIEM collector's token, e.g. "Splunk 1234-...").
	Authorization string
	Subjects      *Subjects
	Client        *http.Client // default: one with a 30s timeout
}

var _ Destination = (*Webhook)(nil)

// Name implements Destination.
func (w *Webhook) Name() string { return w.DestName }

// Send implements Destination.
func (w *Webhook) Send(ctx context.Context, events []*stint.Event) error {
	body, err := Encode(ctx, cmp.Or(w.Format, FormatJSONL), w.Subjects, events)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return stint.Errorf(stint.EINVALID, "webhook %s: %v", w.URL, err)
	}
	first, last := strconv.FormatInt(events[0].Seq, 10), strconv.FormatInt(events[len(events)-1].Seq, 10)
	h := req.Header
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("User-Agent", "stint-audit-forward")
	h.Set("X-Stint-Destination", w.DestName)
	h.Set("X-Stint-First-Seq", first)
	h.Set("X-Stint-Last-Seq", last)
	h.Set("Idempotency-Key", w.DestName+":"+first+"-"+last)
	if w.Secret != "" {
		h.Set("X-Stint-Signature", stint.SignPayload(w.Secret, body))
	}
	if w.Authorization != "" {
		h.Set("Authorization", w.Authorization)
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: webhookTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return stint.Errorf(stint.EUNAVAILABLE, "webhook %s: %v", w.URL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return stint.Errorf(stint.EUNAVAILABLE, "webhook %s answered %s", w.URL, resp.Status)
	}
	return nil
}
