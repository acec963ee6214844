-- posted_messages records the chat messages stint posted about a request
-- (Slack approval messages), so that they are updated in place as the
-- request and its grants change.
CREATE TABLE posted_messages (
    service    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    channel    TEXT NOT NULL,
    message_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (service, request_id, channel)
) STRICT;

-- A button click names its message by channel and ts.
CREATE INDEX posted_messages_by_message ON posted_messages (service, channel, message_id);
