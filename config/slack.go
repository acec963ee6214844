package config

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Defaults of the slack section.
const (
	DefaultSlackBotTokenEnv      = "STINT_SLACK_BOT_TOKEN"
	DefaultSlackSigningSecretEnv = "STINT_SLACK_SIGNING_SECRET"
	DefaultSlackExpiryWarning    = 10 * time.Minute
	DefaultSlackAPIURL           = "https://slack.com/api/"
)

// SlackConfig configures the Slack app: the /stint command, approval
// messages with buttons and DMs to requesters (docs/slack.md). The bot
// token and signing secret are read from environment variables; they never
// go in the file.
type SlackConfig struct {
	// BotTokenEnv names the environment variable holding the bot token
	// (xoxb-...). Default: STINT_SLACK_BOT_TOKEN.
	BotTokenEnv string `json:"bot_token_env,omitempty" yaml:"bot_token_env"`
	// SigningSecretEnv names the environment variable holding the app's
	// signing secret, which every request from Slack is checked against.
	// Default: STINT_SLACK_SIGNING_SECRET.
	SigningSecretEnv string `json:"signing_secret_env,omitempty" yaml:"signing_secret_env"`
	// ApprovalsChannel is the ID of the channel (C0123ABCD) where approval
	// messages are posted; invite the app to it. Default: none.
	ApprovalsChannel string `json:"approvals_channel,omitempty" yaml:"approvals_channel"`
	// FlowChannels posts a flow's approval messages to its own channel
	// instead: flow name -> channel ID. Default: none.
	FlowChannels map[string]string `json:"flow_channels,omitempty" yaml:"flow_channels"`
	// DMApprovers also sends each pending request to the approvers of its
	// current step by direct message. Default: false.
	DMApprovers bool `json:"dm_approvers,omitempty" yaml:"dm_approvers"`
	// ExpiryWarning is how long before a grant ends its user is told, with
	// an Extend button where the flow allows (half the grant's duration
	// for shorter grants). Default: 10m.
	ExpiryWarning stint.Duration `json:"expiry_warning,omitempty" yaml:"expiry_warning"`
	// APIURL is the base URL of Slack's Web API. Default:
	// https://slack.com/api/ (change it for GovSlack, or a test double).
	APIURL string `json:"api_url,omitempty" yaml:"api_url"`
}

// Channel returns the channel for a flow's approval messages: its own, or
// the approvals channel ("" when neither is set).
func (s *SlackConfig) Channel(flow string) string {
	if ch, ok := s.FlowChannels[flow]; ok && ch != "" {
		return ch
	}
	return s.ApprovalsChannel
}

func (s *SlackConfig) setDefaults() {
	s.BotTokenEnv = cmp.Or(strings.TrimSpace(s.BotTokenEnv), DefaultSlackBotTokenEnv)
	s.SigningSecretEnv = cmp.Or(strings.TrimSpace(s.SigningSecretEnv), DefaultSlackSigningSecretEnv)
	s.ExpiryWarning = cmp.Or(s.ExpiryWarning, stint.Duration(DefaultSlackExpiryWarning))
	s.APIURL = cmp.Or(strings.TrimSpace(s.APIURL), DefaultSlackAPIURL)
	if !strings.HasSuffix(s.APIURL, "/") {
		s.APIURL += "/"
	}
}

// channelID matches Slack conversation IDs: public (C), private (G) and
// group DM or shared (C/G) channels.
var channelID = regexp.MustCompile(`^[CG][A-Z0-9]{6,}$`)

func (ch *checker) slack() {
	s := ch.c.Slack
	if s == nil {
		return
	}
	for _, e := range []struct{ path, key, v string }{
		{"$.slack.bot_token_env", "bot_token_env", s.BotTokenEnv},
		{"$.slack.signing_secret_env", "signing_secret_env", s.SigningSecretEnv},
	} {
		if !envName.MatchString(e.v) {
			ch.at(e.path, "slack.%s %q must name an environment variable (letters, digits, _) that holds the secret, not the secret itself", e.key, redact(e.v))
		}
	}
	if s.ApprovalsChannel != "" && !channelID.MatchString(s.ApprovalsChannel) {
		ch.at("$.slack.approvals_channel", "slack.approvals_channel %q is not a channel ID; copy it from the channel's details in Slack (C0123ABCD)", s.ApprovalsChannel)
	}
	flows := map[string]bool{}
	for _, f := range ch.c.Flows {
		flows[f.Name] = true
	}
	names := make([]string, 0, len(s.FlowChannels))
	for name := range s.FlowChannels {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := "$.slack.flow_channels." + name
		if !flows[name] {
			ch.at(path, "slack.flow_channels names flow %q, which is not configured", name)
		}
		if v := s.FlowChannels[name]; !channelID.MatchString(v) {
			ch.at(path, "slack.flow_channels.%s %q is not a channel ID (C0123ABCD)", name, v)
		}
	}
	if s.ApprovalsChannel == "" && len(s.FlowChannels) == 0 && !s.DMApprovers {
		ch.at("$.slack", "slack: set approvals_channel, flow_channels or dm_approvers: true, or approvers never see requests in Slack")
	}
	if s.ExpiryWarning < 0 {
		ch.at("$.slack.expiry_warning", "slack.expiry_warning must be positive, e.g. 10m")
	}
	if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		ch.at("$.slack.api_url", "slack.api_url %q must be an http(s) URL such as %s", s.APIURL, DefaultSlackAPIURL)
	}
}

// redact shortens what looks like a pasted token so that the error does not
// repeat it.
func redact(v string) string {
	if strings.HasPrefix(v, "xox") || len(v) > 24 {
		return fmt.Sprintf("%.4s…", v)
	}
	return v
}
