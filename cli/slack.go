package cli

import (
	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
)

func (a *app) slackCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "slack",
		Short:   "Set up the Slack app",
		GroupID: "admin",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	var url, name string
	manifest := &cobra.Command{
		Use:   "manifest --url https://stint.example.com",
		Short: "Print the Slack app manifest to paste at api.slack.com/apps",
		Long: `Print the Slack app manifest (JSON) for a stint that Slack reaches at --url:
the /stint command, the interactivity and options URLs under /slack/, and
the bot scopes commands, chat:write, im:write, users:read and users:read.email.
Create the app from it, install it, and give stint its bot token and signing
secret through the environment variables the config's slack section names.`,
		Args: noArgsCmd,
	}
	manifest.Flags().StringVar(&url, "url", "", "public https:// base URL of this stint server (required)")
	manifest.Flags().StringVar(&name, "name", "stint", "the app's name in Slack")
	manifest.RunE = run(func(cmd *cobra.Command, args []string) error {
		if a.opts.SlackManifest == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint has no Slack app")
		}
		if url == "" {
			return stint.Errorf(stint.EINVALID, "pass --url, the https:// address where Slack reaches stint, e.g. --url https://stint.example.com")
		}
		out, err := a.opts.SlackManifest(url, name)
		if err != nil {
			return err
		}
		_, err = cmd.OutOrStdout().Write(out)
		return err
	})
	cmd.AddCommand(manifest)
	return cmd
}
