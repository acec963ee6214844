package cli

import (
	"context"
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
	return listCmd(a, cmd, listing[stint.Eligible]{
		fetch:  func(ctx context.Context, c *client.Client) ([]stint.Eligible, error) { return c.Resources(ctx) },
		empty:  hint("no flow lets you request anything; ask a stint admin"),
		header: []string{"FLOW", "ACCOUNT", "NAME", "PERMISSION SET", "MAX", "AUTO"},
		row: func(e stint.Eligible, _ time.Time) []string {
			return []string{e.Flow, e.AccountID, e.AccountName, e.PermissionSet, e.MaxDuration.String(), yesNo(e.AutoApprove)}
		},
	})
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
	var in client.SubmitInput
	parse := func() (err error) {
		if cmd.Flags().Changed("for") {
			if in.Duration, err = parseDurationFlag("for", forFlag); err != nil {
				return err
			}
		}
		in.StartsAt, err = parseStart(start)
		return err
	}
	return itemCmd(a, cmd, item[stint.Request]{
		checks: []check{parse},
		send: func(ctx context.Context, c *client.Client, args []string) (*stint.Request, error) {
			in.Resources = []client.Resource{{Account: args[0], PermissionSet: args[1]}}
			in.Reason = reason
			return c.Submit(ctx, in)
		},
		details: requestDetails,
	})
}

// parseStart reads --start, an RFC 3339 time; "" means on approval.
func parseStart(v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "--start %q is not an RFC 3339 time such as 2025-07-01T09:00:00Z", v)
	}
	return &t, nil
}

func (a *app) requestsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "requests",
		Short:   "List requests: yours, those you may review, all for admins",
		GroupID: "access",
		Args:    noArgsCmd,
	}
	pending := cmd.Flags().Bool("pending", false, "only pending requests: yours and those you may review")
	limit, limitCheck := addLimit(cmd, "at most this many (default: the server's, 100)")
	return listCmd(a, cmd, listing[*stint.Request]{
		checks: []check{limitCheck},
		fetch: func(ctx context.Context, c *client.Client) ([]*stint.Request, error) {
			return c.Requests(ctx, client.RequestsParams{Pending: *pending, Limit: *limit})
		},
		empty:  hint("no requests"),
		header: []string{"ID", "STATE", "REQUESTER", "RESOURCES", "DURATION", "CREATED", "REASON"},
		row: func(r *stint.Request, now time.Time) []string {
			return []string{r.ID, string(r.State), r.RequesterEmail, resourceNames(r), r.Duration.String(),
				relative(r.CreatedAt, now), truncate(r.Reason, 40)}
		},
	})
}

// requestAction finishes cmd as approve, deny or cancel: an action on the
// pending request named by its one argument.
func (a *app) requestAction(cmd *cobra.Command, checks []check, do action[stint.Request]) *cobra.Command {
	cmd.GroupID = "review"
	cmd.Args = exactArgs(1)
	cmd.ValidArgsFunction = a.completePendingRequests()
	return itemCmd(a, cmd, item[stint.Request]{checks: checks, send: onID(do), details: requestDetails})
}

func (a *app) approveCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "approve ID", Short: "Approve a pending request"}
	comment := cmd.Flags().String("comment", "", "a note for the requester and the audit trail")
	return a.requestAction(cmd, nil, func(ctx context.Context, c *client.Client, id string) (*stint.Request, error) {
		return c.Approve(ctx, id, *comment)
	})
}

func (a *app) denyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "deny ID --reason TEXT", Short: "Deny a pending request"}
	reason := cmd.Flags().String("reason", "", "why the request is denied (required)")
	needReason := func() error {
		if strings.TrimSpace(*reason) == "" {
			return stint.Errorf(stint.EINVALID, "a denial needs a reason; pass --reason TEXT")
		}
		return nil
	}
	return a.requestAction(cmd, []check{needReason}, func(ctx context.Context, c *client.Client, id string) (*stint.Request, error) {
		return c.Deny(ctx, id, *reason)
	})
}

func (a *app) cancelCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "cancel ID", Short: "Withdraw your pending request"}
	return a.requestAction(cmd, nil, func(ctx context.Context, c *client.Client, id string) (*stint.Request, error) {
		return c.Cancel(ctx, id)
	})
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

// resourceNames prints a request's resources as "prod-payments/ReadOnly,...".
func resourceNames(r *stint.Request) string {
	names := make([]string, len(r.Resources))
	for i, res := range r.Resources {
		names[i] = resourceName(res)
	}
	return strings.Join(names, ",")
}

// completePendingRequests completes request IDs with the pending requests.
func (a *app) completePendingRequests() cobra.CompletionFunc {
	pending := func(ctx context.Context, c *client.Client) ([]*stint.Request, error) {
		return c.Requests(ctx, client.RequestsParams{Pending: true})
	}
	return completeIDs(a, pending, func(r *stint.Request) cobra.Completion {
		return cobra.CompletionWithDesc(r.ID, r.RequesterEmail+" "+resourceNames(r))
	})
}
