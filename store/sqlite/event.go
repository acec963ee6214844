package sqlite

import (
	"context"

	"github.com/stint-dev/stint"
)

const eventCols = "id, time, actor, type, subject, data"

func scanEvent(s scanner) (*stint.Event, error) {
	var e stint.Event
	err := s.Scan(&e.ID, timeCol{&e.Time}, &e.Actor, &e.Type, &e.Subject, jsonCol{&e.Data})
	return &e, err
}

// EventList returns the newest p.Limit events matching p, oldest first.
// Since is inclusive.
func (r reader) EventList(ctx context.Context, p *stint.EventListParams) ([]*stint.Event, error) {
	if p == nil {
		p = &stint.EventListParams{}
	}
	var w where
	if !p.Since.IsZero() {
		w.add("time >= ?", timeText(p.Since))
	}
	if p.Subject != "" {
		w.add("subject = ?", p.Subject)
	}
	query := "SELECT " + eventCols + " FROM (SELECT " + eventCols + " FROM events" + w.sql() +
		" ORDER BY time DESC, id DESC LIMIT ?) ORDER BY time, id"
	return list(ctx, r.q, "events", scanEvent, query, append(w.args, limit(p.Limit, 1000, 0))...)
}

// EventAppend stores e as given (the caller sets ID and Time). It returns
// ECONFLICT when the ID is taken.
func (t *tx) EventAppend(ctx context.Context, e *stint.Event) error {
	e.Time = norm(e.Time)
	data, err := jsonText("event data", e.Data)
	if err != nil {
		return err
	}
	return t.insert(ctx, eventsTable, e.ID, insertSQL("events", eventCols),
		e.ID, timeText(e.Time), e.Actor, e.Type, e.Subject, data)
}
