package sqlstore

import (
	"context"
	"strings"

	"github.com/stint-dev/stint"
)

const eventCols = "id, time, actor, type, subject, data"

func scanEvent(d *Dialect, s Row) (*stint.Event, error) {
	var e stint.Event
	err := s.Scan(&e.ID, d.ScanTime(&e.Time), &e.Actor, &e.Type, &e.Subject, d.ScanJSON(&e.Data))
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
	if p.Type != "" {
		w.add("type = " + w.arg(p.Type))
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
	if p.BeforeID != "" {
		w.add("(time, id) < (SELECT time, id FROM events WHERE id = " + w.arg(p.BeforeID) + ")")
	}
	if p.AfterID != "" {
		w.add("(time, id) > (SELECT time, id FROM events WHERE id = " + w.arg(p.AfterID) + ")")
	}
	if p.AfterID != "" || p.Oldest {
		query := "SELECT " + eventCols + " FROM events" + w.sql() + " ORDER BY time, id LIMIT " + w.arg(limit(p.Limit, 1000, 0))
		return list(ctx, r, "events", scanEvent, query, w.args...)
	}
	query := "SELECT " + eventCols + " FROM (SELECT " + eventCols + " FROM events" + w.sql() +
		" ORDER BY time DESC, id DESC LIMIT " + w.arg(limit(p.Limit, 1000, 0)) + ") newest ORDER BY time, id"
	return list(ctx, r, "events", scanEvent, query, w.args...)
}

// EventAppend stores e as given (the caller sets ID and Time). It returns
// ECONFLICT when the ID is taken.
func (t writer) EventAppend(ctx context.Context, e *stint.Event) error {
	e.Time = Norm(e.Time)
	data, err := jsonText("event data", e.Data)
	if err != nil {
		return err
	}
	return t.insert(ctx, eventsTable, e.ID, t.d.stmt().eventInsert,
		e.ID, t.d.Time(e.Time), e.Actor, e.Type, e.Subject, data)
}
