package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

func (a *app) resourcesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "resources",
		Short:   "List what you may request",
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
		list, err := c.Resources(cmd.Context())
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.json() {
			return writeJSON(w, nonNil(list))
		}
		if len(list) == 0 {
			fmt.Fprintln(cmd.ErrOrStderr(), "no flow lets you request anything; ask a stint admin")
			return nil
		}
		t := newTable(w, "FLOW", "ACCOUNT", "NAME", "PERMISSION SET", "MAX", "AUTO")
		for _, e := range list {
			t.row(e.Flow, e.AccountID, e.AccountName, e.PermissionSet, e.MaxDuration.String(), yesNo(e.AutoApprove))
		}
		return t.flush()
	})
	return cmd
}

func (a *app) requestCmd() *cobra.Command {
	var forFlag, reason, start string
	cmd := &cobra.Command{
		Use:   "request ACCOUNT PERMISSION_SET",
		Short: "Request access to a permission set in an account",
		Long: `Request access to a permission set in an account (by account ID or name).

The request is approved at once when its flow auto-approves; otherwise it
waits for an approver. The access starts on approval, or at --start.`,
		Example: `  stint request prod-payments AdministratorAccess --for 1h --reason INC-4211
  stint request 111111111111 ReadOnly --for 7d --reason "audit prep" --start 2025-07-01T09:00:00Z`,
		GroupID: "access",
		Args:    exactArgs(2),
	}
	cmd.Flags().StringVar(&forFlag, "for", "", "how long the access lasts, e.g. 30m, 4h, 1d (default: the flow's default)")
	cmd.Flags().StringVar(&reason, "reason", "", "why you need the access, e.g. a ticket")
	cmd.Flags().StringVar(&start, "start", "", "scheduled start, RFC 3339 (default: on approval)")
	out := addOutput(cmd)
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		in := client.SubmitInput{
			Resources: []client.Resource{{Account: args[0], PermissionSet: args[1]}},
			Reason:    reason,
		}
		if cmd.Flags().Changed("for") {
			d, err := parseDurationFlag("for", forFlag)
			if err != nil {
				return err
			}
			in.Duration = d
		}
		if start != "" {
			t, err := time.Parse(time.RFC3339, start)
			if err != nil {
				return stint.Errorf(stint.EINVALID, "--start %q is not an RFC 3339 time such as 2025-07-01T09:00:00Z", start)
			}
			in.StartsAt = &t
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		r, err := c.Submit(cmd.Context(), in)
		if err != nil {
			return err
		}
		return a.printRequest(cmd, out, r)
	})
	return cmd
}

func (a *app) requestsCmd() *cobra.Command {
	var (
		pending bool
		limit   int
	)
	cmd := &cobra.Command{
		Use:     "requests",
		Short:   "List requests: yours, those you may review, all for admins",
		GroupID: "access",
		Args:    noArgsCmd,
	}
	cmd.Flags().BoolVar(&pending, "pending", false, "only pending requests: yours and those you may review")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (default: the server's, 100)")
	out := addOutput(cmd)
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		if err := checkLimit(limit); err != nil {
			return err
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		list, err := c.Requests(cmd.Context(), client.RequestsParams{Pending: pending, Limit: limit})
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.json() {
			return writeJSON(w, nonNil(list))
		}
		if len(list) == 0 {
			fmt.Fprintln(cmd.ErrOrStderr(), "no requests")
			return nil
		}
		now := a.opts.Now()
		t := newTable(w, "ID", "STATE", "REQUESTER", "RESOURCES", "DURATION", "CREATED", "REASON")
		for _, r := range list {
			names := make([]string, len(r.Resources))
			for i, res := range r.Resources {
				names[i] = resourceName(res)
			}
			t.row(r.ID, string(r.State), r.RequesterEmail, strings.Join(names, ","), r.Duration.String(),
				relative(r.CreatedAt, now), truncate(r.Reason, 40))
		}
		return t.flush()
	})
	return cmd
}

func (a *app) approveCmd() *cobra.Command {
	var comment string
	cmd := &cobra.Command{
		Use:               "approve ID",
		Short:             "Approve a pending request",
		GroupID:           "review",
		Args:              exactArgs(1),
		ValidArgsFunction: a.completePendingRequests,
	}
	cmd.Flags().StringVar(&comment, "comment", "", "a note for the requester and the audit trail")
	out := addOutput(cmd)
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		r, err := c.Approve(cmd.Context(), args[0], comment)
		if err != nil {
			return err
		}
		return a.printRequest(cmd, out, r)
	})
	return cmd
}

func (a *app) denyCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:               "deny ID --reason TEXT",
		Short:             "Deny a pending request",
		GroupID:           "review",
		Args:              exactArgs(1),
		ValidArgsFunction: a.completePendingRequests,
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the request is denied (required)")
	out := addOutput(cmd)
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		if strings.TrimSpace(reason) == "" {
			return stint.Errorf(stint.EINVALID, "a denial needs a reason; pass --reason TEXT")
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		r, err := c.Deny(cmd.Context(), args[0], reason)
		if err != nil {
			return err
		}
		return a.printRequest(cmd, out, r)
	})
	return cmd
}

func (a *app) cancelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:               "cancel ID",
		Short:             "Withdraw your pending request",
		GroupID:           "review",
		Args:              exactArgs(1),
		ValidArgsFunction: a.completePendingRequests,
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
		r, err := c.Cancel(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		return a.printRequest(cmd, out, r)
	})
	return cmd
}

// printRequest prints one request as JSON or as details.
func (a *app) printRequest(cmd *cobra.Command, out *output, r *stint.Request) error {
	w := cmd.OutOrStdout()
	if out.json() {
		return writeJSON(w, r)
	}
	return requestDetails(w, r, a.opts.Now())
}

func requestDetails(w io.Writer, r *stint.Request, now time.Time) error {
	d := newDetails(w)
	d.add("ID", r.ID)
	state := string(r.State)
	if r.AutoApproved {
		state += " (auto-approved)"
	}
	d.add("State", state)
	d.add("Flow", r.Flow)
	d.add("Requester", r.RequesterEmail)
	res := make([]string, len(r.Resources))
	for i, x := range r.Resources {
		res[i] = accountWithID(x.AccountName, x.AccountID) + " " + x.PermissionSet
	}
	d.add("Resources", res...)
	d.add("Duration", r.Duration.String())
	if r.StartsAt != nil {
		d.add("Starts", stamp(*r.StartsAt, now))
	} else {
		d.add("Starts", "on approval")
	}
	d.add("Reason", orDash(r.Reason))
	if r.State == stint.RequestPending {
		d.add("Review by", stamp(r.ReviewBy, now))
	}
	if len(r.Reviews) > 0 {
		rv := make([]string, len(r.Reviews))
		for i, x := range r.Reviews {
			verb := "approved"
			if x.Decision == "deny" {
				verb = "denied"
			}
			rv[i] = fmt.Sprintf("%s by %s %s", verb, x.ReviewerEmail, relative(x.At, now))
			if x.Comment != "" {
				rv[i] += fmt.Sprintf(": %q", x.Comment)
			}
		}
		d.add("Reviews", rv...)
	}
	d.add("Created", stamp(r.CreatedAt, now))
	return d.flush()
}

// parseDurationFlag reads a duration flag in stint.ParseDuration syntax.
func parseDurationFlag(name, v string) (time.Duration, error) {
	d, err := stint.ParseDuration(v)
	if err != nil {
		return 0, stint.Errorf(stint.EINVALID, "--%s: %s", name, stint.ErrorMessage(err))
	}
	return d, nil
}

func checkLimit(n int) error {
	if n < 0 || n > 1000 {
		return stint.Errorf(stint.EINVALID, "--limit %d must be from 1 to 1000 (0 means the server's default)", n)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// completePendingRequests completes request IDs with the pending requests.
func (a *app) completePendingRequests(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := a.client(cmd)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
	}
	list, err := c.Requests(cmd.Context(), client.RequestsParams{Pending: true})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
	}
	out := make([]cobra.Completion, 0, len(list))
	for _, r := range list {
		names := make([]string, len(r.Resources))
		for i, res := range r.Resources {
			names[i] = resourceName(res)
		}
		out = append(out, cobra.CompletionWithDesc(r.ID, r.RequesterEmail+" "+strings.Join(names, ",")))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
