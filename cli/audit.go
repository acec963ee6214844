package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show and query the audit trail, newest last",
		Long: `Show audit events, oldest first so the newest are last, filtered by time,
actor, subject, resource, account, flow and type.

Admins see every event; others pass --subject with one of their request or
grant IDs. Subcommands export the trail (CSV, JSON lines, OCSF), answer who
had a resource and what a user could reach, make the weekly report, show
the forwarding cursors, and verify the hash chain.`,
		Example: `  stint audit --since 1h
  stint audit --subject 01JB3Q6P4Z0000000000000000 -o json
  stint audit --resource aws-sso:prod-payments/AdministratorAccess --since 2026-11-01 --until 2026-12-01
  stint audit --type 'grant.*' --account prod-payments --flow prod-admin`,
		GroupID: "review",
		Args:    noArgsCmd,
	}
	filters := addEventFilters(cmd)
	limit, limitCheck := addLimit(cmd, "at most this many, the newest (default: the server's, 1000)")
	cmd.AddCommand(a.auditVerifyCmd(), a.auditKeygenCmd(), a.auditExportCmd(), a.auditWhoHadCmd(), a.auditReachCmd(),
		a.auditReportCmd(), a.auditForwardingCmd())
	return listCmd(a, cmd, listing[*stint.Event]{
		checks: []check{filters.check, limitCheck},
		fetch: func(ctx context.Context, c *client.Client, _ []string) ([]*stint.Event, error) {
			p := filters.params()
			p.Limit = *limit
			return c.Events(ctx, p)
		},
		empty:  hint("no events"),
		header: []string{"TIME", "ACTOR", "TYPE", "SUBJECT", "DETAILS"},
		row: func(e *stint.Event, _ time.Time) []string {
			return []string{e.Time.UTC().Format(time.RFC3339), e.Actor, e.Type, e.Subject, truncate(eventData(e.Data), 120)}
		},
	})
}

// checkWhen checks a time flag: RFC 3339, a date, a date and time in UTC,
// or a duration back from now; "" is unset.
func checkWhen(flag, v string) error {
	if v == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01-02T15:04"} {
		if _, err := time.Parse(layout, v); err == nil {
			return nil
		}
	}
	if _, err := stint.ParseDuration(v); err == nil {
		return nil
	}
	return stint.Errorf(stint.EINVALID, "--%s %q is not a time: give RFC 3339 (2026-11-30T09:00:00Z), a date (2026-11-30) or a duration back from now (1h, 7d)", flag, v)
}

func (a *app) whoamiCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "whoami",
		Short:   "Show who the token belongs to",
		GroupID: "access",
		Args:    noArgsCmd,
	}
	out := addOutput(cmd)
	cmd.RunE = a.call(out, nil, func(cmd *cobra.Command, c *client.Client, _ []string) error {
		p, err := c.Me(cmd.Context())
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.json() {
			return writeJSON(w, p)
		}
		d := newDetails(w)
		d.add("User", p.User)
		d.add("Email", p.Email)
		if p.DisplayName != "" {
			d.add("Name", p.DisplayName)
		}
		d.add("Groups", orDash(strings.Join(p.Groups, ", ")))
		d.add("Admin", yesNo(p.Admin))
		d.add("Server", c.Server())
		return d.flush()
	})
	return cmd
}

// ExitBroken is the exit code of `stint audit verify` for a broken trail.
const ExitBroken = 8

func (a *app) auditVerifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that the audit trail is intact: the hash chain and the signed checkpoints",
		Long: `Check the whole audit trail in the config's store: every event's place in the
hash chain, its link to the event before it and its hash, the chain's head,
and every signed checkpoint (with the config's audit keys and --key).
When retention removed old events, the check starts at the oldest kept one,
whose place a signed anchor vouches for. Reports the first broken link.

Works on the store directly, also while the server runs. Exit codes: 0
intact, 8 broken, others as for every command.`,
		Example: `  stint audit verify --config /etc/stint/stint.yaml
  stint audit verify --key MCowBQYDK2VwAyEA... -o json`,
		Args: noArgsCmd,
	}
	path := addConfig(cmd)
	keys := cmd.Flags().StringArray("key", nil, "also accept checkpoints signed with this base64 ed25519 public key (repeatable)")
	out := addOutput(cmd)
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		if a.opts.VerifyAudit == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot verify the audit trail")
		}
		rep, err := a.opts.VerifyAudit(cmd.Context(), a.configPath(cmd, *path), *keys)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.json() {
			err = writeJSON(w, rep)
		} else if rep.OK() {
			_, err = fmt.Fprintf(w, "ok: %d events, chain head %d (%s), %d checkpoints verified\n", rep.Events, rep.Head.Seq, short(rep.Head.Hash), rep.Checkpoints)
			if a := rep.Anchor; a != nil && err == nil {
				_, err = fmt.Fprintf(w, "(retention removed events 1 to %d on %s; a signed anchor vouches for the kept ones from %d)\n",
					a.Seq, a.Time.UTC().Format("2006-01-02"), a.Seq+1)
			}
		} else {
			_, err = fmt.Fprintf(w, "BROKEN %s\n(%d events read before it; %d checkpoints verified)\n", rep.Broken, rep.Events, rep.Checkpoints)
		}
		if err == nil && !rep.OK() {
			return &printedError{code: ExitBroken}
		}
		return err
	})
	return cmd
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

func (a *app) auditKeygenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make an ed25519 key pair for signing audit checkpoints",
		Long: `Print a new key pair for audit checkpoints: put the private key in the
environment variable that audit.checkpoint_key_env names (never in the
config file), and the public key in audit.public_keys of every config that
verifies the trail.`,
		Args: noArgsCmd,
	}
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if a.opts.AuditKeygen == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot make keys")
		}
		priv, pub, err := a.opts.AuditKeygen()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "private key (keep secret; set it in audit.checkpoint_key_env's variable): %s\npublic key (audit.public_keys, stint audit verify --key): %s\n", priv, pub)
		return err
	})
	return cmd
}
