package app

import (
	"os"
	"strings"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/slack"
)

// newSlack builds the Slack app when the config has a slack section: its
// secrets come from the environment variables the section names, its
// notifications ride on the service's audit events. It returns EINVALID
// naming the variable that is not set.
func (m *Main) newSlack(cfg *config.Config) error {
	if cfg.Slack == nil {
		return nil
	}
	getenv := m.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	secret := func(name, key string) (string, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return "", stint.Errorf(stint.EINVALID, "slack: environment variable %s (slack.%s) is not set; set it to the Slack app's %s, or remove the slack section",
				name, key, strings.ReplaceAll(strings.TrimSuffix(key, "_env"), "_", " "))
		}
		return v, nil
	}
	token, err := secret(cfg.Slack.BotTokenEnv, "bot_token_env")
	if err != nil {
		return err
	}
	signing, err := secret(cfg.Slack.SigningSecretEnv, "signing_secret_env")
	if err != nil {
		return err
	}
	m.Slack, err = slack.New(slack.Config{
		Service: m.Service, BotToken: token, SigningSecret: signing, APIURL: cfg.Slack.APIURL,
		Settings: func() *config.SlackConfig { return m.cfg.Load().Slack },
		Logger:   m.Logger,
	})
	if err != nil {
		return err
	}
	m.Service.EventJobs = m.Slack.EventJobs
	m.log().Info("Slack app on", "approvals_channel", cfg.Slack.ApprovalsChannel, "dm_approvers", cfg.Slack.DMApprovers)
	return nil
}
