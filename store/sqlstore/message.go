package sqlstore

import (
	"context"
	"fmt"

	"github.com/stint-dev/stint"
)

const postedMessageCols = "service, request_id, channel, message_id, created_at"

func scanPostedMessage(d *Dialect, s Row) (*stint.PostedMessage, error) {
	var m stint.PostedMessage
	err := s.Scan(&m.Service, &m.RequestID, &m.Channel, &m.MessageID, d.ScanTime(&m.CreatedAt))
	return &m, err
}

// PostedMessageList lists the messages of a service by request or by
// message, in (channel, message) order. It returns EINVALID without a
// service.
func (r Reader) PostedMessageList(ctx context.Context, p *stint.PostedMessageListParams) ([]*stint.PostedMessage, error) {
	if p == nil || p.Service == "" {
		return nil, stint.Errorf(stint.EINVALID, "list posted messages of which service? set Service")
	}
	w := where{d: r.d}
	w.add("service = " + w.arg(p.Service))
	for _, f := range [...]struct{ col, v string }{{"request_id", p.RequestID}, {"channel", p.Channel}, {"message_id", p.MessageID}} {
		if f.v != "" {
			w.add(f.col + " = " + w.arg(f.v))
		}
	}
	return list(ctx, r, "posted messages", scanPostedMessage,
		"SELECT "+postedMessageCols+" FROM posted_messages"+w.sql()+" ORDER BY channel, message_id", w.args...)
}

// PostedMessagePut records m; a message already recorded for its service,
// request and channel takes m's MessageID. It returns EINVALID when a key
// field is empty.
func (t writer) PostedMessagePut(ctx context.Context, m *stint.PostedMessage) error {
	if m.Service == "" || m.RequestID == "" || m.Channel == "" || m.MessageID == "" {
		return stint.Errorf(stint.EINVALID, "a posted message needs a service, request, channel and message ID")
	}
	m.CreatedAt = Norm(m.CreatedAt)
	if _, err := t.q.Exec(ctx, t.d.stmt().postedMessagePut, m.Service, m.RequestID, m.Channel, m.MessageID, t.d.Time(m.CreatedAt)); err != nil {
		return fmt.Errorf("record %s message %s in %s: %w", m.Service, m.MessageID, m.Channel, t.d.Translate(err))
	}
	return nil
}
