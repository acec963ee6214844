package slack

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/stint-dev/stint"
)

// Scopes are the bot scopes the app needs: the slash command, posting and
// updating messages, opening DMs, and reading users and their emails to map
// them to identity store users.
var Scopes = []string{"commands", "chat:write", "im:write", "users:read", "users:read.email"}

// Manifest returns the Slack app manifest (JSON) for a stint reachable at
// baseURL, named name (default "stint"): the /stint command, the
// interactivity and options URLs, and Scopes. It uses no events. It
// returns EINVALID unless baseURL is an https URL, as Slack requires.
func Manifest(baseURL, name string) ([]byte, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, stint.Errorf(stint.EINVALID, "--url %q must be the https:// URL where Slack reaches stint, e.g. https://stint.example.com (Slack calls only https)", baseURL)
	}
	base := strings.TrimRight(u.String(), "/")
	name = cmpOr(strings.TrimSpace(name), "stint")
	m := map[string]any{
		"_metadata": map[string]any{"major_version": 1, "minor_version": 1},
		"display_information": map[string]any{
			"name":        name,
			"description": "Just-in-time AWS access: request, approve and extend without leaving Slack",
		},
		"features": map[string]any{
			"bot_user": map[string]any{"display_name": name, "always_online": true},
			"slash_commands": []any{map[string]any{
				"command":       "/stint",
				"url":           base + "/slack/commands",
				"description":   "Request, approve and extend AWS access",
				"usage_hint":    "[request RESOURCE DURATION REASON | list | help]",
				"should_escape": false,
			}},
		},
		"oauth_config": map[string]any{"scopes": map[string]any{"bot": Scopes}},
		"settings": map[string]any{
			"interactivity": map[string]any{
				"is_enabled":               true,
				"request_url":              base + "/slack/interactions",
				"message_menu_options_url": base + "/slack/options",
			},
			"org_deploy_enabled":     false,
			"socket_mode_enabled":    false,
			"token_rotation_enabled": false,
		},
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
