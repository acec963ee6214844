package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit trail, newest last",
		Long: `Show audit events, oldest first so the newest are last.

Admins see every event; others pass --subject with one of their request or
grant IDs.`,
		Example: `  stint audit --since 1h
  stint audit --subject 01JB3Q6P4Z0000000000000000 -o json`,
		GroupID: "review",
		Args:    noArgsCmd,
	}
	since := cmd.Flags().String("since", "", "only events after this RFC 3339 time, or this long ago (1h, 7d)")
	subject := cmd.Flags().String("subject", "", "only events about this request or grant ID")
	limit, limitCheck := addLimit(cmd, "at most this many, the newest (default: the server's, 1000)")
	return listCmd(a, cmd, listing[*stint.Event]{
		checks: []check{func() error { return checkSince(*since) }, limitCheck},
		fetch: func(ctx context.Context, c *client.Client, _ []string) ([]*stint.Event, error) {
			return c.Events(ctx, client.EventsParams{Since: *since, Subject: *subject, Limit: *limit})
		},
		empty:  hint("no events"),
		header: []string{"TIME", "ACTOR", "TYPE", "SUBJECT", "DETAILS"},
		row: func(e *stint.Event, _ time.Time) []string {
			return []string{e.Time.UTC().Format(time.RFC3339), e.Actor, e.Type, e.Subject, truncate(eventData(e.Data), 120)}
		},
	})
}

func checkSince(v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, v); err == nil {
		return nil
	}
	if _, err := stint.ParseDuration(v); err == nil {
		return nil
	}
	return stint.Errorf(stint.EINVALID, "--since %q is neither an RFC 3339 time nor a duration such as 1h or 7d", v)
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
