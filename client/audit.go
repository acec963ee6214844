package client

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/stint-dev/stint"
)

// ExportParams selects an export: the events EventsParams matches (Limit
// aside), in Format: "csv", "jsonl" or "ocsf" ("" is jsonl).
type ExportParams struct {
	EventsParams
	Format string
}

// ExportEvents streams the events p matches, oldest first, to w, without
// the client's timeout (ctx bounds it) and without holding them in memory.
// A server that aborts the export midway makes it an error.
func (c *Client) ExportEvents(ctx context.Context, p ExportParams, w io.Writer) error {
	q := p.EventsParams.query()
	q.Del("limit")
	if p.Format != "" {
		q.Set("format", p.Format)
	}
	return c.stream(ctx, "/api/v1/events/export", q, w)
}

// WindowParams is a time window: On (a date, that UTC day), or From and
// To (RFC 3339 times, dates, or durations back from now).
type WindowParams struct {
	On, From, To string
}

func (p WindowParams) query(extra map[string]string) url.Values {
	q := query(map[string]string{"on": p.On, "from": p.From, "to": p.To})
	for k, v := range extra {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// WhoHad asks who had access to the resource in the window, with the
// requests, approvals and reasons behind each grant. Admins only.
func (c *Client) WhoHad(ctx context.Context, resource string, w WindowParams) (*stint.AccessReport, error) {
	var rep stint.AccessReport
	err := c.do(ctx, http.MethodGet, "/api/v1/audit/who-had", w.query(map[string]string{"resource": resource}), nil, &rep)
	return &rep, err
}

// Reach asks what the user (an email) could reach in the window. Admins
// only.
func (c *Client) Reach(ctx context.Context, user string, w WindowParams) (*stint.AccessReport, error) {
	var rep stint.AccessReport
	err := c.do(ctx, http.MethodGet, "/api/v1/audit/reach", w.query(map[string]string{"user": user}), nil, &rep)
	return &rep, err
}

// ReportParams selects a report's period: Week (a date: its week, Monday
// to Monday UTC), or From and To; all empty means the last whole week.
type ReportParams struct {
	Week, From, To string
}

func (p ReportParams) query() url.Values {
	return query(map[string]string{"week": p.Week, "from": p.From, "to": p.To})
}

// Report returns the audit report of the period. Admins only.
func (c *Client) Report(ctx context.Context, p ReportParams) (*stint.Summary, error) {
	var s stint.Summary
	if err := c.do(ctx, http.MethodGet, "/api/v1/audit/report", p.query(), nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ReportCSV writes the audit report of the period as CSV to w.
func (c *Client) ReportCSV(ctx context.Context, p ReportParams, w io.Writer) error {
	q := p.query()
	q.Set("format", "csv")
	return c.stream(ctx, "/api/v1/audit/report", q, w)
}

// ForwardStatus is how far one forwarding destination has the trail.
type ForwardStatus struct {
	stint.ForwardCursor
	Behind int64 `json:"behind"` // events it lacks
}

// Forwarding lists the forwarding cursors. Admins only.
func (c *Client) Forwarding(ctx context.Context) ([]ForwardStatus, error) {
	return list[ForwardStatus](ctx, c, "/api/v1/audit/forwarding", nil)
}

// stream GETs path and copies a 2xx body to w; other answers are errors
// as for every call.
func (c *Client) stream(ctx context.Context, path string, q url.Values, w io.Writer) error {
	if err := CheckServer(c.server); err != nil {
		return err
	}
	u := c.server + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return stint.Errorf(stint.EINVALID, "bad request URL %s: %v", u, err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	h := *c.http
	h.Timeout = 0 // an export takes as long as it takes; ctx bounds it
	resp, err := h.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return stint.Errorf(stint.EUNAVAILABLE, "cannot reach stint at %s: %s; is `stint serve` running? set --server or STINT_SERVER",
			c.server, transportReason(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return apiError(resp, data)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return stint.Errorf(stint.EUNAVAILABLE, "the export from %s stopped before its end: %s; run it again", c.server, transportReason(err))
	}
	return nil
}
