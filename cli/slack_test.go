package cli_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/cli"
	"github.com/stint-dev/stint/slack"
)

func TestSlackManifest(t *testing.T) {
	t.Parallel()
	opts := cli.Options{SlackManifest: slack.Manifest}
	res := runCLI(t, opts, nil, "slack", "manifest", "--url", "https://stint.example.com")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, `"url": "https://stint.example.com/slack/commands"`)
	require.Contains(t, res.stdout, `"request_url": "https://stint.example.com/slack/interactions"`)
	require.Contains(t, res.stdout, `"users:read.email"`)

	res = runCLI(t, opts, nil, "slack", "manifest")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "pass --url")
	res = runCLI(t, opts, nil, "slack", "manifest", "--url", "http://stint.example.com")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "Slack calls only https")
}
