package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

func (a *app) externalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "external",
		Short: "Invite, list and disable third-party (external) users",
		Long: `External users are vendors' and customers' people who are not in the identity
store. An admin, or a sponsor of a flow for their organisation, invites them
by email; they open the single-use link in the portal, enrol an authenticator
app (TOTP) and get recovery codes; they may then request the resources of the
flows for their organisation (requesters: [external:ORG]), which their
sponsor approves, and fetch short-lived AWS credentials with ` + "`stint creds`" + `.
See docs/external.md.`,
		GroupID: "admin",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.externalInviteCmd(), a.externalListCmd(), a.externalDisableCmd())
	return cmd
}

func (a *app) externalInviteCmd() *cobra.Command {
	var in client.InviteInput
	var expires string
	cmd := &cobra.Command{
		Use:     "invite EMAIL --org ORG [--sponsor EMAIL] [--expires 30d]",
		Short:   "Invite a third party; print their single-use invite link",
		Example: "  stint external invite vera@acme.example --org Acme --sponsor bob@example.com --expires 30d",
		Args:    exactArgs(1),
	}
	cmd.Flags().StringVar(&in.Org, "org", "", "their organisation, as flows name it (requesters: [external:ORG]) (required)")
	cmd.Flags().StringVar(&in.Sponsor, "sponsor", "", "the internal user who vouches for them and approves their requests (default: you)")
	cmd.Flags().StringVar(&expires, "expires", "", "how long the external identity lasts, e.g. 30d (default 30d, at most 365d)")
	parse := func() (err error) {
		if strings.TrimSpace(in.Org) == "" {
			return stint.Errorf(stint.EINVALID, "say their organisation with --org, e.g. --org Acme")
		}
		if expires != "" {
			in.Expires, err = parseDurationFlag("expires", expires)
		}
		return err
	}
	return itemCmd(a, cmd, item[client.Invite]{checks: []check{parse},
		send: func(ctx context.Context, c *client.Client, args []string) (*client.Invite, error) {
			in.Email = args[0]
			return c.Invite(ctx, in)
		},
		details: func(w io.Writer, inv *client.Invite, now time.Time) error {
			x := inv.External
			d := newDetails(w)
			d.add("Invited", x.Email+" ("+x.Org+")")
			d.add("Sponsor", x.Sponsor)
			d.add("Until", stamp(x.ExpiresAt, now))
			d.add("Link", inv.URL)
			d.add("Link expires", stamp(x.InviteExpiresAt, now)+"; it works once")
			if err := d.flush(); err != nil {
				return err
			}
			_, err := fmt.Fprintln(w, "Send the link to "+x.Email+" yourself, over a channel you trust; stint keeps only its hash.")
			return err
		}})
}

func (a *app) externalListCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use:   "list [--org ORG]",
		Short: "List external users (all for admins, those you sponsor for sponsors)",
		Args:  noArgsCmd,
	}
	cmd.Flags().StringVar(&org, "org", "", "only this organisation's")
	return listCmd(a, cmd, listing[*stint.External]{
		fetch: func(ctx context.Context, c *client.Client, _ []string) ([]*stint.External, error) {
			return c.Externals(ctx, org)
		},
		empty:  hint("no external users; invite one with `stint external invite EMAIL --org ORG`"),
		header: []string{"EMAIL", "ORG", "STATE", "SPONSOR", "EXPIRES", "ENROLLED"},
		row: func(x *stint.External, now time.Time) []string {
			state := string(x.State)
			switch {
			case x.State != stint.ExternalDisabled && !now.Before(x.ExpiresAt):
				state = "expired"
			case x.LockedUntil != nil && now.Before(*x.LockedUntil):
				state += " (locked)"
			}
			enrolled := "-"
			if x.EnrolledAt != nil {
				enrolled = relative(*x.EnrolledAt, now)
			}
			return []string{x.Email, x.Org, state, x.Sponsor, relative(x.ExpiresAt, now), enrolled}
		},
	})
}

func (a *app) externalDisableCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "disable EMAIL",
		Short: "Disable an external user now: their grants are revoked, their requests cancelled",
		Args:  exactArgs(1),
	}
	return itemCmd(a, cmd, item[stint.External]{
		send: func(ctx context.Context, c *client.Client, args []string) (*stint.External, error) {
			return c.DisableExternal(ctx, args[0])
		},
		details: func(w io.Writer, x *stint.External, now time.Time) error {
			d := newDetails(w)
			d.add("Disabled", x.Email+" ("+x.Org+")")
			d.add("By", x.DisabledBy)
			return d.flush()
		}})
}

// processCredentials is the AWS CLI's credential_process format.
type processCredentials struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
}

// credsCacheMargin is how long before their expiry cached credentials are
// no longer handed out.
const credsCacheMargin = 5 * time.Minute

func (a *app) credsCmd() *cobra.Command {
	var in client.CredentialsInput
	var format string
	var noCache bool
	cmd := &cobra.Command{
		Use:   "creds {--resource ID | --grant ID} [--code CODE]",
		Short: "Print AWS credentials of your grant (external users), for credential_process",
		Long: `Print short-lived AWS credentials for one of your active grants, as an
external user, in the AWS CLI's credential_process format (--format process,
the default) or as shell exports (--format env). Each issuance needs a fresh
code from your authenticator app: --code, or asked on the terminal.

Credentials are cached (mode 0600, under your user cache folder) and handed
out again until 5 minutes before they expire, so that every aws command does
not ask for a code; --no-cache skips the cache.

In ~/.aws/config:

  [profile acme-exchange]
  credential_process = stint creds --resource aws-s3:111111111111/acme-exchange:read
  region = eu-west-1

with STINT_SERVER and STINT_TOKEN (your personal token, from the portal's CLI
page) in the environment.`,
		Example: `  stint creds --resource aws-s3:111111111111/acme-exchange:read --code 123456
  eval "$(stint creds --grant 01JG000000000000000000ACTIV --format env)"`,
		GroupID: "access",
		Args:    noArgsCmd,
	}
	cmd.Flags().StringVar(&in.Resource, "resource", "", "the resource ID of your active grant")
	cmd.Flags().StringVar(&in.GrantID, "grant", "", "the ID of your grant")
	cmd.Flags().StringVar(&in.Code, "code", "", "a fresh code from your authenticator app (default: asked on the terminal)")
	cmd.Flags().StringVar(&format, "format", "process", "output: process (credential_process JSON) or env (shell exports)")
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "ask the server even when cached credentials are still valid")
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if (in.Resource == "") == (in.GrantID == "") {
			return stint.Errorf(stint.EINVALID, "name your grant with --resource ID or --grant ID (one of them)")
		}
		if format != "process" && format != "env" {
			return stint.Errorf(stint.EINVALID, "unknown --format %q; use process or env", format)
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		path := a.credsCachePath(c.Server(), in)
		creds := (*stint.Credentials)(nil)
		if !noCache {
			creds = readCachedCreds(path, a.opts.Now())
		}
		if creds == nil {
			if strings.TrimSpace(in.Code) == "" {
				if in.Code, err = a.prompt("stint: code from your authenticator app for " + firstOf(in.Resource, in.GrantID) + ": "); err != nil {
					return err
				}
			}
			if creds, err = c.Credentials(cmd.Context(), in); err != nil {
				return err
			}
			if !noCache {
				writeCachedCreds(path, creds)
			}
		}
		return writeCreds(cmd.OutOrStdout(), creds, format)
	})
	return cmd
}

func writeCreds(w io.Writer, c *stint.Credentials, format string) error {
	if format == "env" {
		lines := []string{
			"export AWS_ACCESS_KEY_ID=" + c.AccessKeyID,
			"export AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey,
			"export AWS_SESSION_TOKEN=" + c.SessionToken,
			"export AWS_CREDENTIAL_EXPIRATION=" + c.Expiration.UTC().Format(time.RFC3339),
		}
		if c.Region != "" {
			lines = append(lines, "export AWS_REGION="+c.Region)
		}
		_, err := fmt.Fprintln(w, strings.Join(lines, "\n"))
		return err
	}
	return writeJSON(w, processCredentials{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expiration: c.Expiration.UTC().Format(time.RFC3339)})
}

// prompt asks for a code: Options.Prompt, or the terminal (/dev/tty, as
// the AWS CLI keeps stdout for the credentials).
func (a *app) prompt(msg string) (string, error) {
	if a.opts.Prompt != nil {
		return a.opts.Prompt(msg)
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", stint.Errorf(stint.EINVALID, "no terminal to ask for a code on; pass --code")
	}
	defer tty.Close()
	fmt.Fprint(tty, msg)
	var code string
	if _, err := fmt.Fscanln(tty, &code); err != nil {
		return "", stint.Errorf(stint.EINVALID, "no code read; pass --code")
	}
	return strings.TrimSpace(code), nil
}

// credsCachePath is the cache file of a server, token and grant: named by
// a hash, so that the file name tells nothing.
func (a *app) credsCachePath(server string, in client.CredentialsInput) string {
	dir := a.opts.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "stint", "creds")
	}
	token := a.token
	if token == "" {
		token = a.opts.Getenv("STINT_TOKEN")
	}
	sum := sha256.Sum256([]byte(server + "\x00" + stint.HashToken(token) + "\x00" + in.GrantID + "\x00" + in.Resource))
	return filepath.Join(dir, hex.EncodeToString(sum[:16])+".json")
}

func readCachedCreds(path string, now time.Time) *stint.Credentials {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var c stint.Credentials
	if json.Unmarshal(data, &c) != nil || c.AccessKeyID == "" || !now.Add(credsCacheMargin).Before(c.Expiration) {
		return nil
	}
	return &c
}

// writeCachedCreds keeps the credentials for the next call, readable only
// by the user; failing to is not an error (the next call asks again).
func writeCachedCreds(path string, c *stint.Credentials) {
	if path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	data, err := json.Marshal(c)
	if err != nil {
		return
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil && !errors.Is(err, fs.ErrExist) {
		return
	}
	_ = os.Rename(tmp, path)
}
