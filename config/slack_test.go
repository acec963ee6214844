package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

const slackFlows = valid + `flows:
  - name: prod-admin
    requesters: [group:E]
    approvers: [group:S]
    max_duration: 1h
    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]
`

func TestSlackSection(t *testing.T) {
	t.Parallel()
	c, err := config.LoadBytes("stint.yaml", []byte(slackFlows+`slack:
  approvals_channel: C0APPROVALS
  flow_channels: {prod-admin: C0PRODADMIN}
  dm_approvers: true
`), env(nil))
	require.NoError(t, err)
	s := c.Slack
	require.NotNil(t, s)
	require.Equal(t, config.DefaultSlackBotTokenEnv, s.BotTokenEnv)
	require.Equal(t, config.DefaultSlackSigningSecretEnv, s.SigningSecretEnv)
	require.Equal(t, stint.Duration(10*time.Minute), s.ExpiryWarning)
	require.Equal(t, "https://slack.com/api/", s.APIURL)
	require.True(t, s.DMApprovers)
	require.Equal(t, "C0PRODADMIN", s.Channel("prod-admin"))
	require.Equal(t, "C0APPROVALS", s.Channel("other"))

	c, err = config.LoadBytes("stint.yaml", []byte(valid), env(nil))
	require.NoError(t, err)
	require.Nil(t, c.Slack, "no section: Slack is off")

	c, err = config.LoadBytes("stint.yaml", []byte(valid), env(map[string]string{"STINT_SLACK_APPROVALS_CHANNEL": "C0FROMENV"}))
	require.NoError(t, err)
	require.Equal(t, "C0FROMENV", c.Slack.Channel("any"), "the variable turns Slack on")
	require.Equal(t, config.DefaultSlackBotTokenEnv, c.Slack.BotTokenEnv)
}

func TestSlackErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		env  map[string]string
		want []string
	}{
		{
			name: "token pasted instead of a variable name",
			src:  slackFlows + "slack:\n  approvals_channel: C0APPROVALS\n  bot_token_env: xoxb-1234-5678-abcdef\n",
			want: []string{`stint.yaml:10:18: slack.bot_token_env "xoxb…" must name an environment variable (letters, digits, _) that holds the secret, not the secret itself`},
		},
		{
			name: "channel name instead of ID",
			src:  slackFlows + "slack:\n  approvals_channel: '#approvals'\n",
			want: []string{`stint.yaml:9:22: slack.approvals_channel "#approvals" is not a channel ID; copy it from the channel's details in Slack (C0123ABCD)`},
		},
		{
			name: "unknown flow",
			src:  slackFlows + "slack:\n  flow_channels:\n    prod-admni: C0PRODADMIN\n",
			want: []string{`stint.yaml:10:5: slack.flow_channels names flow "prod-admni", which is not configured`},
		},
		{
			name: "nowhere to post",
			src:  slackFlows + "slack:\n  expiry_warning: 5m\n",
			want: []string{`stint.yaml:9:3: slack: set approvals_channel, flow_channels or dm_approvers: true, or approvers never see requests in Slack`},
		},
		{
			name: "unknown key",
			src:  slackFlows + "slack:\n  dm_approver: true\n",
			want: []string{
				`stint.yaml:9:3: unknown key "dm_approver" in slack (did you mean dm_approvers?); known keys: bot_token_env, signing_secret_env, approvals_channel, flow_channels, dm_approvers, expiry_warning, api_url`,
			},
		},
		{
			name: "bad channel from the environment",
			src:  slackFlows,
			env:  map[string]string{"STINT_SLACK_APPROVALS_CHANNEL": "approvals"},
			want: []string{`STINT_SLACK_APPROVALS_CHANNEL: slack.approvals_channel "approvals" is not a channel ID; copy it from the channel's details in Slack (C0123ABCD)`},
		},
		{
			name: "bad API URL",
			src:  slackFlows + "slack:\n  dm_approvers: true\n  api_url: slack.com\n",
			want: []string{`stint.yaml:10:12: slack.api_url "slack.com/" must be an http(s) URL such as https://slack.com/api/`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadBytes("stint.yaml", []byte(tt.src), env(tt.env))
			require.Error(t, err)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.Equal(t, strings.Join(tt.want, "\n"), err.Error())
		})
	}
}
