package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

func (a *app) auditCmd() *cobra.Command {
	var (
		since, subject string
		limit          int
	)
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
	cmd.Flags().StringVar(&since, "since", "", "only events after this RFC 3339 time, or this long ago (1h, 7d)")
	cmd.Flags().StringVar(&subject, "subject", "", "only events about this request or grant ID")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many, the newest (default: the server's, 1000)")
	out := addOutput(cmd)
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		if err := checkSince(since); err != nil {
			return err
		}
		if err := checkLimit(limit); err != nil {
			return err
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		list, err := c.Events(cmd.Context(), client.EventsParams{Since: since, Subject: subject, Limit: limit})
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.json() {
			return writeJSON(w, nonNil(list))
		}
		if len(list) == 0 {
			fmt.Fprintln(cmd.ErrOrStderr(), "no events")
			return nil
		}
		t := newTable(w, "TIME", "ACTOR", "TYPE", "SUBJECT", "DETAILS")
		for _, e := range list {
			t.row(e.Time.UTC().Format(time.RFC3339), e.Actor, e.Type, e.Subject, truncate(eventData(e.Data), 120))
		}
		return t.flush()
	})
	return cmd
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
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
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
