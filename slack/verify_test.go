package slack

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/slackfake"
)

// The example of Slack's documentation on verifying requests.
func TestVerifySlacksExample(t *testing.T) {
	t.Parallel()
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", "1531420618")
	h.Set("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
	v := newVerifier(testSecret, func() time.Time { return time.Unix(1531420618, 0).Add(time.Minute) })
	require.NoError(t, v.verify(h, []byte(body)))
	require.Equal(t, h.Get("X-Slack-Signature"), slackfake.Sign(testSecret, 1531420618, body), "the fake signs as Slack does")
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_900_000_000, 0)
	body := "payload=%7B%7D"
	headers := func(ts int64, sig string) http.Header {
		h := http.Header{}
		if ts != 0 {
			h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
		}
		if sig != "" {
			h.Set("X-Slack-Signature", sig)
		}
		return h
	}
	good := func(ts int64) http.Header { return headers(ts, slackfake.Sign(testSecret, ts, body)) }
	tests := []struct {
		name string
		h    http.Header
		body string
		want string // "" means accepted
	}{
		{"signed now", good(now.Unix()), body, ""},
		{"signed 4 minutes ago", good(now.Add(-4 * time.Minute).Unix()), body, ""},
		{"signed 6 minutes ago", good(now.Add(-6 * time.Minute).Unix()), body, "more than 5m0s"},
		{"signed 6 minutes ahead", good(now.Add(6 * time.Minute).Unix()), body, "more than 5m0s"},
		{"other secret", headers(now.Unix()+1, slackfake.Sign("other", now.Unix()+1, body)), body, "bad request signature"},
		{"body changed", good(now.Unix() + 2), body + "x", "bad request signature"},
		{"timestamp changed", headers(now.Unix()+3, slackfake.Sign(testSecret, now.Unix()+4, body)), body, "bad request signature"},
		{"no v0 prefix", headers(now.Unix()+5, slackfake.Sign(testSecret, now.Unix()+5, body)[3:]), body, "bad request signature"},
		{"no signature", headers(now.Unix(), ""), body, "missing"},
		{"no timestamp", headers(0, "v0=00"), body, "missing"},
		{"timestamp not a number", http.Header{"X-Slack-Request-Timestamp": {"soon"}, "X-Slack-Signature": {"v0=00"}}, body, "not a Unix time"},
	}
	v := newVerifier(testSecret, func() time.Time { return now })
	for _, tt := range tests {
		err := v.verify(tt.h, []byte(tt.body))
		if tt.want == "" {
			require.NoError(t, err, tt.name)
			continue
		}
		require.Equal(t, stint.EUNAUTHORIZED, stint.ErrorCode(err), tt.name)
		require.Contains(t, err.Error(), tt.want, tt.name)
	}
	err := v.verify(good(now.Unix()), []byte(body))
	require.ErrorContains(t, err, "replays are refused", "the first request again")
}

// TestReplayMemoryIsBounded: signatures are forgotten once their timestamp
// leaves the window (and would be refused as old anyway).
func TestReplayMemoryIsBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_900_000_000, 0)
	clock := now
	v := newVerifier(testSecret, func() time.Time { return clock })
	v.pruneSize = 4
	for i := range 4 {
		ts := now.Unix() + int64(i)
		h := http.Header{"X-Slack-Request-Timestamp": {strconv.FormatInt(ts, 10)}, "X-Slack-Signature": {slackfake.Sign(testSecret, ts, "b")}}
		require.NoError(t, v.verify(h, []byte("b")))
	}
	clock = now.Add(10 * time.Minute)
	ts := clock.Unix()
	require.NoError(t, v.verify(http.Header{"X-Slack-Request-Timestamp": {strconv.FormatInt(ts, 10)}, "X-Slack-Signature": {slackfake.Sign(testSecret, ts, "b")}}, []byte("b")))
	require.Len(t, v.seen, 1, "the expired signatures were dropped")
}
