package stint

import "time"

// PostedMessage records a message stint posted about a request in a chat
// tool (a Slack approval message in a channel or an approver's DM), so
// that stint can update it in place as the request and its grants move on.
type PostedMessage struct {
	// Service names the chat tool: "slack".
	Service   string `json:"service"`
	RequestID string `json:"request_id"`
	// Channel is where the message is (a channel or DM ID).
	Channel string `json:"channel"`
	// MessageID identifies the message in the channel (Slack's ts).
	MessageID string    `json:"message_id"`
	CreatedAt time.Time `json:"created_at"`
}

// PostedMessageListParams filters PostedMessageList. Set RequestID, or
// Channel and MessageID. Results are in (channel, message) order.
type PostedMessageListParams struct {
	Service   string // required
	RequestID string // "" means any
	Channel   string // "" means any
	MessageID string // "" means any
}
