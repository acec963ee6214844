package slack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/stint-dev/stint"
)

// identities maps Slack users to emails and back, and Slack users to their
// DM channel with the app, remembering answers for a TTL: Slack's user
// methods are rate limited (tier 4, about 100 calls a minute), and every
// type-ahead keystroke needs the caller.
type identities struct {
	api *slackapi.Client
	ttl time.Duration
	now func() time.Time

	mu     sync.Mutex
	emails map[string]cached // Slack user ID -> email
	users  map[string]cached // lower-case email -> Slack user ID ("" when Slack has none)
	dms    map[string]cached // Slack user ID -> DM channel ID
}

type cached struct {
	v     string
	until time.Time
}

// maxCached bounds each map; past it, expired entries are dropped, then
// everything.
const maxCached = 10000

func newIdentities(api *slackapi.Client, ttl time.Duration, now func() time.Time) *identities {
	return &identities{api: api, ttl: ttl, now: now,
		emails: map[string]cached{}, users: map[string]cached{}, dms: map[string]cached{}}
}

func (c *identities) get(m map[string]cached, k string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := m[k]
	if !ok || !c.now().Before(e.until) {
		return "", false
	}
	return e.v, true
}

func (c *identities) put(m map[string]cached, k, v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(m) >= maxCached {
		for k, e := range m {
			if !now.Before(e.until) {
				delete(m, k)
			}
		}
		if len(m) >= maxCached {
			clear(m)
		}
	}
	m[k] = cached{v: v, until: now.Add(c.ttl)}
}

// email returns the email of a Slack user (users.info; needs the
// users:read.email scope). It returns EUNAUTHORIZED, with a message for the
// user, for bots and users whose email the app cannot read.
func (c *identities) email(ctx context.Context, slackUserID string) (string, error) {
	if slackUserID == "" {
		return "", stint.Errorf(stint.EUNAUTHORIZED, "the request names no Slack user")
	}
	if e, ok := c.get(c.emails, slackUserID); ok {
		return e, nil
	}
	u, err := c.api.GetUserInfoContext(ctx, slackUserID)
	if err != nil {
		if slackCode(err) == "user_not_found" {
			return "", stint.Errorf(stint.EUNAUTHORIZED, "Slack does not know user %s", slackUserID)
		}
		return "", stint.Errorf(stint.EUNAVAILABLE, "look up your Slack profile: %v", err)
	}
	email := strings.TrimSpace(u.Profile.Email)
	if u.IsBot || email == "" {
		return "", stint.Errorf(stint.EUNAUTHORIZED, "stint cannot read an email address on your Slack profile, so it cannot tell who you are in AWS; ask a stint admin (the app needs the users:read.email scope, and guests may have no email)")
	}
	c.put(c.emails, slackUserID, email)
	c.put(c.users, strings.ToLower(email), slackUserID)
	return email, nil
}

// userID returns the Slack user with the email (users.lookupByEmail). It
// returns ENOTFOUND when the workspace has none.
func (c *identities) userID(ctx context.Context, email string) (string, error) {
	key := strings.ToLower(strings.TrimSpace(email))
	if id, ok := c.get(c.users, key); ok {
		if id == "" {
			return "", stint.Errorf(stint.ENOTFOUND, "no Slack user has the email %s", email)
		}
		return id, nil
	}
	u, err := c.api.GetUserByEmailContext(ctx, key)
	if slackCode(err) == "users_not_found" {
		c.put(c.users, key, "")
		return "", stint.Errorf(stint.ENOTFOUND, "no Slack user has the email %s", email)
	}
	if err != nil {
		return "", err
	}
	c.put(c.users, key, u.ID)
	return u.ID, nil
}

// dm returns the channel of the app's direct messages with a Slack user
// (conversations.open; needs im:write).
func (c *identities) dm(ctx context.Context, slackUserID string) (string, error) {
	if ch, ok := c.get(c.dms, slackUserID); ok {
		return ch, nil
	}
	ch, _, _, err := c.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{slackUserID}})
	if err != nil {
		return "", err
	}
	c.put(c.dms, slackUserID, ch.ID)
	return ch.ID, nil
}

// slackCode returns the error code of a Slack API error ("channel_not_found"),
// or "".
func slackCode(err error) string {
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}
