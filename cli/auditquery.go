package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

// eventFilters are the flags that filter audit events.
type eventFilters struct {
	since, until, subject, actor, typ, resource, account, flow string
}

func addEventFilters(cmd *cobra.Command) *eventFilters {
	f := &eventFilters{}
	fl := cmd.Flags()
	fl.StringVar(&f.since, "since", "", "only events at or after this time: RFC 3339, a date (2026-11-30, UTC) or how long ago (1h, 7d)")
	fl.StringVar(&f.until, "until", "", "only events before this time (same forms as --since)")
	fl.StringVar(&f.subject, "subject", "", "only events about this request or grant ID")
	fl.StringVar(&f.actor, "actor", "", "only events of this actor: an email, system or reconciler (admins)")
	fl.StringVar(&f.typ, "type", "", "only events of this type (grant.active) or prefix ('grant.*')")
	fl.StringVar(&f.resource, "resource", "", "only events about requests and grants of this resource ID; the account may be a name (admins)")
	fl.StringVar(&f.account, "account", "", "only events about requests and grants in this account, ID or name (admins)")
	fl.StringVar(&f.flow, "flow", "", "only events about requests and grants of this flow (admins)")
	return f
}

func (f *eventFilters) check() error {
	if err := checkWhen("since", f.since); err != nil {
		return err
	}
	return checkWhen("until", f.until)
}

func (f *eventFilters) params() client.EventsParams {
	return client.EventsParams{Since: f.since, Until: f.until, Subject: f.subject, Actor: f.actor, Type: f.typ,
		Resource: f.resource, Account: f.account, Flow: f.flow}
}

func (a *app) auditExportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export audit events as CSV, JSON lines or OCSF, streamed",
		Long: `Write the events the filters match, oldest first, to stdout or --out:
csv (a header row, then time, id, actor, type, subject, data, seq, hash),
jsonl (one stint event per line) or ocsf (one OCSF 1.3.0 event per line,
for SIEMs; docs/audit.md has the mapping). The export streams: any size
works. A cut connection is an error, never a short file passed as whole.`,
		Example: `  stint audit export --format ocsf --since 2026-11-01 --until 2026-12-01 --out november.ocsf.jsonl
  stint audit export --format csv --resource aws-sso:prod-payments/AdministratorAccess > admin.csv`,
		Args: noArgsCmd,
	}
	filters := addEventFilters(cmd)
	format := cmd.Flags().String("format", "jsonl", "csv, jsonl or ocsf")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"csv", "jsonl", "ocsf"}, cobra.ShellCompDirectiveNoFileComp))
	out := cmd.Flags().String("out", "", "write to this file instead of stdout")
	checkFormat := func() error {
		switch *format {
		case "csv", "jsonl", "ocsf":
			return nil
		}
		return stint.Errorf(stint.EINVALID, "--format %q: use csv, jsonl or ocsf", *format)
	}
	cmd.RunE = a.call(&output{format: outputTable}, []check{filters.check, checkFormat}, func(cmd *cobra.Command, c *client.Client, _ []string) error {
		var w io.Writer = cmd.OutOrStdout()
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				return stint.Errorf(stint.EINVALID, "cannot write --out %s: %v", *out, err)
			}
			defer f.Close()
			w = f
			if err := c.ExportEvents(cmd.Context(), client.ExportParams{EventsParams: filters.params(), Format: *format}, w); err != nil {
				_ = os.Remove(*out) // no partial file left behind
				return err
			}
			return f.Close()
		}
		return c.ExportEvents(cmd.Context(), client.ExportParams{EventsParams: filters.params(), Format: *format}, w)
	})
	return cmd
}

// windowFlags are --on, or --from and --to.
type windowFlags struct{ on, from, to string }

func addWindow(cmd *cobra.Command) *windowFlags {
	w := &windowFlags{}
	fl := cmd.Flags()
	fl.StringVar(&w.on, "on", "", "a day (2026-11-30): that UTC day")
	fl.StringVar(&w.from, "from", "", "start of the window: RFC 3339, a date (UTC) or how long ago (7d)")
	fl.StringVar(&w.to, "to", "", "end of the window, exclusive (same forms as --from)")
	return w
}

func (w *windowFlags) check() error {
	switch {
	case w.on != "" && (w.from != "" || w.to != ""):
		return stint.Errorf(stint.EINVALID, "give --on, or --from and --to, not both")
	case w.on != "":
		if _, err := time.Parse("2006-01-02", w.on); err != nil {
			return stint.Errorf(stint.EINVALID, "--on %q is not a date such as 2026-11-30", w.on)
		}
		return nil
	case w.from == "" || w.to == "":
		return stint.Errorf(stint.EINVALID, "give the window: --on DATE, or --from and --to")
	}
	if err := checkWhen("from", w.from); err != nil {
		return err
	}
	return checkWhen("to", w.to)
}

func (w *windowFlags) params() client.WindowParams {
	return client.WindowParams{On: w.on, From: w.from, To: w.to}
}

func (a *app) auditWhoHadCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "who-had RESOURCE_ID",
		Short: "Who had access to a resource in a time window, and why",
		Long: `List every grant of the resource whose access overlapped the window, from
the ledger: when it really started and ended (an extended grant until its
extended end, a revoked one until it was revoked), who asked, why, who
approved, and its extensions. Admins only.`,
		Example: `  stint audit who-had aws-sso:prod-payments/AdministratorAccess --from 2026-11-30T09:00:00Z --to 2026-11-30T12:00:00Z
  stint audit who-had aws-s3:111111111111/payments-logs:read --on 2026-11-30 -o json`,
		Args: exactArgs(1),
	}
	return a.accessCmd(cmd, true, func(ctx context.Context, c *client.Client, arg string, w client.WindowParams) (*stint.AccessReport, error) {
		return c.WhoHad(ctx, arg, w)
	})
}

func (a *app) auditReachCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reach USER",
		Short: "What a user could reach on a day or in a window, and why",
		Long: `List every grant of the user (an email) whose access overlapped the day or
window, from the ledger, with the requests, approvals and reasons behind
them. Admins only.`,
		Example: `  stint audit reach alice@example.com --on 2026-11-30
  stint audit reach alice@example.com --from 7d --to 0s -o json`,
		Args: exactArgs(1),
	}
	return a.accessCmd(cmd, false, func(ctx context.Context, c *client.Client, arg string, w client.WindowParams) (*stint.AccessReport, error) {
		return c.Reach(ctx, arg, w)
	})
}

func (a *app) accessCmd(cmd *cobra.Command, byResource bool,
	ask func(ctx context.Context, c *client.Client, arg string, w client.WindowParams) (*stint.AccessReport, error)) *cobra.Command {
	win := addWindow(cmd)
	return itemCmd(a, cmd, item[stint.AccessReport]{
		checks: []check{win.check},
		send: func(ctx context.Context, c *client.Client, args []string) (*stint.AccessReport, error) {
			return ask(ctx, c, args[0], win.params())
		},
		details: func(w io.Writer, rep *stint.AccessReport, _ time.Time) error {
			return writeAccessReport(w, rep, byResource)
		},
	})
}

// writeAccessReport prints an answer as a table: one row per grant, and
// its extensions under it.
func writeAccessReport(w io.Writer, rep *stint.AccessReport, byResource bool) error {
	what := rep.User
	if byResource {
		what = rep.Resource
	}
	if len(rep.Records) == 0 {
		_, err := fmt.Fprintf(w, "no access to %s between %s and %s\n", what, rep.From.Format(time.RFC3339), rep.Until.Format(time.RFC3339))
		return err
	}
	fmt.Fprintf(w, "%s, %s to %s: %d grant(s)\n", what, rep.From.Format(time.RFC3339), rep.Until.Format(time.RFC3339), len(rep.Records))
	first := "RESOURCE"
	if byResource {
		first = "USER"
	}
	t := newTable(w, first, "FROM", "UNTIL", "FLOW", "GRANT", "REASON", "APPROVED BY", "ENDED")
	for _, r := range rep.Records {
		g := r.Grant
		col := g.ResourceID
		if byResource {
			col = g.UserEmail
		}
		until := r.Until.UTC().Format(time.RFC3339)
		if r.Open {
			until += " (open)"
		}
		t.row(col, r.From.UTC().Format(time.RFC3339), until, g.Flow, g.ID, requestReason(r.Request), approvedBy(r.Request, g), ended(g))
		for _, x := range r.Extensions {
			why := x.Reason
			if by := reviewers(x.Reviews); by != "" {
				why += ", approved by " + by
			}
			t.row("", "", "  +"+x.By+" to "+x.EndsAt.UTC().Format(time.RFC3339), "", "", "extended by "+x.Actor, strings.TrimPrefix(why, ", "), "")
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	if rep.Truncated {
		_, err := fmt.Fprintln(w, "(more grants matched; narrow the window)")
		return err
	}
	return nil
}

func requestReason(r *stint.Request) string {
	if r == nil {
		return "-"
	}
	reason := truncate(r.Reason, 40)
	if r.Ticket != "" {
		reason += " [" + r.Ticket + "]"
	}
	return reason
}

func approvedBy(r *stint.Request, g *stint.Grant) string {
	switch {
	case g.BreakGlass:
		return "BREAK-GLASS"
	case r == nil:
		return "-"
	case r.AutoApproved:
		return "auto"
	}
	return orDash(reviewers(r.Reviews))
}

func reviewers(rs []stint.Review) string {
	var out []string
	for _, rv := range rs {
		if rv.Decision == "approve" && !slices.Contains(out, rv.ReviewerEmail) {
			out = append(out, rv.ReviewerEmail)
		}
	}
	return strings.Join(out, ", ")
}

func ended(g *stint.Grant) string {
	switch {
	case g.State != stint.GrantEnded:
		return string(g.State)
	case g.RevokedBy != "":
		return "revoked by " + g.RevokedBy
	}
	return orDash(g.EndReason)
}

func (a *app) auditReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "The weekly audit report: grants by flow, break-glass, denials, top requesters, longest grants",
		Long: `Show the audit report of a week (Monday to Monday, UTC; by default the
last whole week) or of --from to --to: request counts, grants by flow,
break-glass uses, denied requests, top requesters and the longest grants.
-o json and -o csv give it whole for other tools. Admins only.`,
		Example: `  stint audit report
  stint audit report --week 2026-11-30 -o csv > week-48.csv`,
		Args: noArgsCmd,
	}
	week := cmd.Flags().String("week", "", "a day of the week to report (2026-11-30)")
	from := cmd.Flags().String("from", "", "start of the period instead of a week")
	to := cmd.Flags().String("to", "", "end of the period (exclusive)")
	format := cmd.Flags().StringP("output", "o", outputTable, "output format: table, json or csv")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputTable, outputJSON, "csv"}, cobra.ShellCompDirectiveNoFileComp))
	checks := []check{
		func() error {
			switch *format {
			case outputTable, outputJSON, "csv":
				return nil
			}
			return stint.Errorf(stint.EINVALID, "unknown output format %q; use table, json or csv", *format)
		},
		func() error {
			switch {
			case *week != "" && (*from != "" || *to != ""):
				return stint.Errorf(stint.EINVALID, "give --week, or --from and --to, not both")
			case *week != "":
				if _, err := time.Parse("2006-01-02", *week); err != nil {
					return stint.Errorf(stint.EINVALID, "--week %q is not a date such as 2026-11-30", *week)
				}
			case (*from == "") != (*to == ""):
				return stint.Errorf(stint.EINVALID, "give both --from and --to")
			}
			if err := checkWhen("from", *from); err != nil {
				return err
			}
			return checkWhen("to", *to)
		},
	}
	cmd.RunE = a.call(&output{format: outputTable}, checks, func(cmd *cobra.Command, c *client.Client, _ []string) error {
		p := client.ReportParams{Week: *week, From: *from, To: *to}
		w := cmd.OutOrStdout()
		if *format == "csv" {
			return c.ReportCSV(cmd.Context(), p, w)
		}
		s, err := c.Report(cmd.Context(), p)
		if err != nil {
			return err
		}
		if *format == outputJSON {
			return writeJSON(w, s)
		}
		return writeReport(w, s)
	})
	return cmd
}

// writeReport prints the report as text: counts, then a table per list.
func writeReport(w io.Writer, s *stint.Summary) error {
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	rc := s.Requests
	fmt.Fprintf(w, "Audit report %s to %s (generated %s)\n\n", day(s.From), day(s.Until), s.GeneratedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "Requests: %d submitted, %d approved, %d denied, %d expired, %d cancelled, %d break-glass\n",
		rc.Submitted, rc.Approved, rc.Denied, rc.Expired, rc.Cancelled, rc.BreakGlass)
	section := func(title string, n int, header []string, rows func(t *table)) error {
		fmt.Fprintf(w, "\n%s (%d)\n", title, n)
		if n == 0 {
			_, err := fmt.Fprintln(w, "  none")
			return err
		}
		t := newTable(w, header...)
		rows(t)
		return t.flush()
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
	return errorsOf(
		section("Grants by flow", len(s.GrantsByFlow), []string{"FLOW", "GRANTS", "STARTED", "USERS", "BREAK-GLASS"}, func(t *table) {
			for _, f := range s.GrantsByFlow {
				t.row(f.Flow, fmt.Sprint(f.Grants), fmt.Sprint(f.Started), fmt.Sprint(f.Users), fmt.Sprint(f.BreakGlass))
			}
		}),
		section("Break-glass uses", len(s.BreakGlass), []string{"AT", "USER", "FLOW", "RESOURCES", "REASON", "REQUEST"}, func(t *table) {
			for _, b := range s.BreakGlass {
				t.row(ts(b.At), b.User, b.Flow, strings.Join(b.Resources, ", "), truncate(b.Reason, 40), b.RequestID)
			}
		}),
		section("Denied requests", len(s.Denied), []string{"AT", "REQUESTER", "FLOW", "DENIED BY", "REASON", "REQUEST"}, func(t *table) {
			for _, d := range s.Denied {
				t.row(ts(d.At), d.Requester, d.Flow, d.DeniedBy, truncate(d.Reason, 40), d.RequestID)
			}
		}),
		section("Top requesters", len(s.TopRequesters), []string{"USER", "REQUESTS", "GRANTS"}, func(t *table) {
			for _, r := range s.TopRequesters {
				t.row(r.User, fmt.Sprint(r.Requests), fmt.Sprint(r.Grants))
			}
		}),
		section("Longest grants", len(s.LongestGrants), []string{"USER", "RESOURCE", "FLOW", "FROM", "UNTIL", "LASTED", "EXTENSIONS"}, func(t *table) {
			for _, g := range s.LongestGrants {
				lasted := g.Duration.String()
				if g.Open {
					lasted += " (open)"
				}
				t.row(g.User, g.Resource, g.Flow, ts(g.From), ts(g.Until), lasted, fmt.Sprint(g.Extensions))
			}
		}),
	)
}

// errorsOf returns the first error of a sequence of writes.
func errorsOf(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *app) auditForwardingCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "forwarding",
		Short: "How far each forwarding destination has the audit trail",
		Long: `List the forwarding destinations (audit.forward in the config) with their
cursor: the last place of the chain delivered, how many events they lack,
when they last got some, and the last error. Admins only.`,
		Args: noArgsCmd,
	}
	return listCmd(a, cmd, listing[client.ForwardStatus]{
		fetch: func(ctx context.Context, c *client.Client, _ []string) ([]client.ForwardStatus, error) {
			return c.Forwarding(ctx)
		},
		empty:  hint("no forwarding yet: add destinations under audit.forward in the config"),
		header: []string{"DESTINATION", "SEQ", "BEHIND", "FORWARDED", "LAST ERROR"},
		row: func(f client.ForwardStatus, now time.Time) []string {
			at := "never"
			if f.Seq > 0 {
				at = stamp(f.ForwardedAt, now)
			}
			return []string{f.Name, fmt.Sprint(f.Seq), fmt.Sprint(f.Behind), at, orDash(truncate(f.LastError, 60))}
		},
	})
}
