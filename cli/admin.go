package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
)

// addConfig adds --config, defaulting to STINT_CONFIG or stint.yaml.
func addConfig(cmd *cobra.Command) *string {
	var path string
	cmd.Flags().StringVar(&path, "config", DefaultConfig, "config file (env STINT_CONFIG)")
	_ = cmd.MarkFlagFilename("config", "yaml", "yml")
	return &path
}

func (a *app) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Run the stint server: API, portal and workers",
		GroupID: "admin",
		Args:    noArgsCmd,
	}
	path := addConfig(cmd)
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if a.opts.Serve == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot serve")
		}
		return a.opts.Serve(cmd.Context(), a.configPath(cmd, *path))
	})
	return cmd
}

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "config",
		Short:   "Work with the config file",
		GroupID: "admin",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	validate := &cobra.Command{
		Use:   "validate",
		Short: "Check the config file; print ok or its errors",
		Args:  noArgsCmd,
	}
	path := addConfig(validate)
	validate.RunE = run(func(cmd *cobra.Command, args []string) error {
		if a.opts.ValidateConfig == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot validate configs")
		}
		if err := a.opts.ValidateConfig(a.configPath(cmd, *path)); err != nil {
			// The errors may span lines (one per problem, file:line:column): print them as they are.
			msg := strings.TrimRight(err.Error(), "\n")
			fmt.Fprintln(cmd.ErrOrStderr(), msg)
			return &printedError{code: ExitUsage}
		}
		fmt.Fprintln(cmd.OutOrStdout(), "ok")
		return nil
	})
	cmd.AddCommand(validate)
	return cmd
}

func (a *app) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "token",
		Short:   "Manage API tokens",
		GroupID: "admin",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	var user, name, expires string
	create := &cobra.Command{
		Use:   "create --user EMAIL",
		Short: "Create an API token for a user; print only the token",
		Long: `Create an API token for a user of the identity store. The token goes to
stdout alone, so that this works:

  export STINT_TOKEN=$(stint token create --user alice@example.com)

It is shown only once; stint keeps only its hash.`,
		Args: noArgsCmd,
	}
	path := addConfig(create)
	create.Flags().StringVar(&user, "user", "", "email of the token's user (required)")
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by")
	create.Flags().StringVar(&expires, "expires", "90d", `lifetime, e.g. 90d or 12h, or "never"`)
	create.RunE = run(func(cmd *cobra.Command, args []string) error {
		user = strings.TrimSpace(user)
		if user == "" {
			return stint.Errorf(stint.EINVALID, "say whose token it is with --user EMAIL")
		}
		if !strings.Contains(user, "@") {
			return stint.Errorf(stint.EINVALID, "--user %q is not an email", user)
		}
		var ttl time.Duration
		if expires != "never" {
			d, err := parseDurationFlag("expires", expires)
			if err != nil {
				return err
			}
			ttl = d
		}
		if a.opts.CreateToken == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot create tokens")
		}
		token, err := a.opts.CreateToken(cmd.Context(), a.configPath(cmd, *path), user, name, ttl)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), token)
		life := "never expires"
		if ttl > 0 {
			life = "expires " + a.opts.Now().Add(ttl).UTC().Format(time.RFC3339) + " (in " + stint.FormatDuration(ttl) + ")"
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "Created an API token for %s; it %s and is shown only once.\n"+
			"Use it with: export STINT_TOKEN=<token>\n", user, life)
		return nil
	})
	cmd.AddCommand(create)
	return cmd
}
