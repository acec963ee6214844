package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/stint-dev/stint"
)

// notifyTimeout bounds one webhook delivery.
const notifyTimeout = 10 * time.Second

// notifyWorker delivers one event to one webhook; a failure (or a non-2xx
// answer) is retried by River with backoff.
type notifyWorker struct {
	river.WorkerDefaults[stint.NotifyArgs]
	client *http.Client
	getenv func(string) string
}

// Payload is the JSON body of a webhook delivery.
type Payload struct {
	stint.Event
	// Text is a one-line summary for chat tools.
	Text string `json:"text"`
	// BreakGlass marks events of emergency access that bypassed approval.
	BreakGlass bool `json:"break_glass,omitempty"`
}

func (w *notifyWorker) Work(ctx context.Context, job *river.Job[stint.NotifyArgs]) error {
	a := job.Args
	body, err := json.Marshal(payload(a.Event))
	if err != nil {
		return river.JobCancel(fmt.Errorf("encode event %s: %w", a.Event.ID, err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL, bytes.NewReader(body))
	if err != nil {
		return river.JobCancel(fmt.Errorf("webhook %s: %w", a.URL, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "stint-webhook")
	req.Header.Set("X-Stint-Event", a.Event.Type)
	req.Header.Set("X-Stint-Delivery", strconv.FormatInt(job.ID, 10))
	if a.SecretEnv != "" {
		secret := w.getenv(a.SecretEnv)
		if secret == "" {
			return fmt.Errorf("webhook %s: environment variable %s (its signing secret) is not set", a.URL, a.SecretEnv)
		}
		req.Header.Set("X-Stint-Signature", stint.SignPayload(secret, body))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", a.URL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s answered %s; retrying", a.URL, resp.Status)
	}
	return nil
}

func payload(e stint.Event) Payload {
	p := Payload{Event: e, Text: fmt.Sprintf("%s %s by %s", e.Type, e.Subject, e.Actor)}
	if bg, _ := e.Data["break_glass"].(bool); bg || e.Type == stint.EventBreakGlass {
		p.BreakGlass = true
		p.Text = fmt.Sprintf("BREAK-GLASS: %s took access without approval (request %s)", e.Actor, e.Subject)
		if r, ok := e.Data["reason"].(string); ok && r != "" {
			p.Text += ": " + r
		}
		if res, ok := e.Data["resources"].([]any); ok {
			parts := make([]string, 0, len(res))
			for _, x := range res {
				parts = append(parts, fmt.Sprint(x))
			}
			p.Text += " [" + strings.Join(parts, ", ") + "]"
		}
	}
	return p
}

func newNotifyWorker() *notifyWorker {
	return &notifyWorker{client: &http.Client{Timeout: notifyTimeout}, getenv: os.Getenv}
}
