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
		fetch: func(ctx context.Context, c *client.Client, _ []string) ([]stint.Eligible, error) {
			return c.Resources(ctx)
		},
		empty:  hint("no flow lets you request anything; ask a stint admin"),
		header: []string{"FLOW", "ACCOUNT", "ACCESS", "RESOURCE ID", "MAX", "AUTO"},
		row: func(e stint.Eligible, _ time.Time) []string {
			return []string{e.Flow, firstOf(e.AccountName, e.AccountID, "-"), firstOf(e.Label, e.PermissionSet), e.ResourceID, e.MaxDuration.String(), yesNo(e.AutoApprove)}
		},
	})
}

func (a *app) requestCmd() *cobra.Command {
	var forFlag, reason, start string
	var in client.SubmitInput
	cmd := &cobra.Command{
		Use:   "request {RESOURCE_ID | ACCOUNT PERMISSION_SET | --bundle NAME | --extend GRANT_ID}",
		Short: "Request access to a resource, a permission set in an account, or a bundle",
		Long: `Request access to a resource by its ID (as ` + "`stint resources`" + ` lists them:
aws-s3:ACCOUNT/BUCKET:LEVEL, aws-ec2:ACCOUNT/INSTANCE, aws-eks:ACCOUNT/CLUSTER:LEVEL,
aws-rds:ACCOUNT/DB:USER, aws-iam-role:ACCOUNT/ROLE, aws-iam-group:ACCOUNT/GROUP,
aws-sso:ACCOUNT/PERMISSION_SET; ACCOUNT may be a name), to a permission set
in an account (by account ID or name), or to a bundle of a flow (a named set
of resources granted together) with --bundle NAME and no arguments.

The request is approved at once when its flow auto-approves; otherwise it
waits for its approval steps. The access starts on approval, or at --start.
Some flows ask for a ticket reference (--ticket).

--break-glass asks for emergency access without approval, where a flow
allows it to you: it needs a reason, is capped at the flow's break-glass
maximum, and is loudly flagged in the audit trail and notifications.

--extend GRANT_ID asks for more time (--for) on one of your grants, through
its flow's approval steps, for flows whose extensions need re-approval.`,
		Example: `  stint request prod-payments AdministratorAccess --for 1h --reason "deploy" --ticket CHG-1042
  stint request aws-s3:prod-payments/payments-logs:read --for 2h --reason "INC-4211 logs"
  stint request 111111111111 ReadOnly --for 7d --reason "audit prep" --start 2025-07-01T09:00:00Z
  stint request --bundle payments-ro --for 1h --reason "reconcile Q2"
  stint request prod-payments AdministratorAccess --for 30m --reason "payments down" --ticket INC-4211 --break-glass
  stint request --extend 01JB3Q6P4Z0000000000000000 --for 30m --reason "migration still running"`,
		GroupID: "access",
		Args:    requestArgs(&in.Bundle, &in.ExtendsGrant),
	}
	cmd.Flags().StringVar(&forFlag, "for", "", "how long the access lasts, e.g. 30m, 4h, 1d (default: the flow's default)")
	cmd.Flags().StringVar(&reason, "reason", "", "why you need the access")
	cmd.Flags().StringVar(&in.Ticket, "ticket", "", "change or incident reference, e.g. INC-4211 (some flows require one)")
	cmd.Flags().StringVar(&in.Bundle, "bundle", "", "request this bundle of a flow instead of ACCOUNT PERMISSION_SET")
	cmd.Flags().StringVar(&in.ExtendsGrant, "extend", "", "ask for more time (--for) on this grant of yours, through its flow's approval")
	cmd.Flags().BoolVar(&in.BreakGlass, "break-glass", false, "emergency access without approval, where a flow allows it (needs --reason; audited loudly)")
	cmd.Flags().StringVar(&start, "start", "", "scheduled start, RFC 3339 (default: on approval)")
	parse := func() (err error) {
		if cmd.Flags().Changed("for") {
			if in.Duration, err = parseDurationFlag("for", forFlag); err != nil {
				return err
			}
		}
		if in.BreakGlass && strings.TrimSpace(reason) == "" {
			return stint.Errorf(stint.EINVALID, "--break-glass needs a reason; pass --reason TEXT")
		}
		in.StartsAt, err = parseStart(start)
		return err
	}
	return itemCmd(a, cmd, item[stint.Request]{
		checks: []check{parse},
		send: func(ctx context.Context, c *client.Client, args []string) (*stint.Request, error) {
			switch len(args) {
			case 1:
				in.Resources = []client.Resource{{ID: args[0]}}
			case 2:
				in.Resources = []client.Resource{{Account: args[0], PermissionSet: args[1]}}
			}
			in.Reason = reason
			return c.Submit(ctx, in)
		},
		details: requestDetails,
	})
}

// requestArgs checks request's arguments: RESOURCE_ID, ACCOUNT
// PERMISSION_SET, or none with --bundle or --extend.
func requestArgs(bundle, extend *string) cobra.PositionalArgs {
	two := resourceArgs
	return func(cmd *cobra.Command, args []string) error {
		flag := ""
		switch {
		case strings.TrimSpace(*bundle) != "" && strings.TrimSpace(*extend) != "":
			return stint.Errorf(stint.EINVALID, "--bundle and --extend do not go together")
		case strings.TrimSpace(*bundle) != "":
			flag = "--bundle"
		case strings.TrimSpace(*extend) != "":
			flag = "--extend"
		default:
			return two(cmd, args)
		}
		if len(args) > 0 {
			return stint.Errorf(stint.EINVALID, "%s names its own resources; drop %q (usage: %s)", flag, strings.Join(args, " "), cmd.UseLine())
		}
		return nil
	}
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
		fetch: func(ctx context.Context, c *client.Client, _ []string) ([]*stint.Request, error) {
			return c.Requests(ctx, client.RequestsParams{Pending: *pending, Limit: *limit})
		},
		empty:  hint("no requests"),
		header: []string{"ID", "STATE", "REQUESTER", "RESOURCES", "DURATION", "CREATED", "REASON"},
		row: func(r *stint.Request, now time.Time) []string {
			return []string{r.ID, requestState(r), r.RequesterEmail, resourceNames(r), r.Duration.String(),
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
	state := requestState(r)
	if r.AutoApproved && !r.BreakGlass {
		state += " (auto-approved)"
	}
	d.add("State", state)
	if r.BreakGlass {
		d.add("BREAK-GLASS", "emergency access without approval; flagged in the audit trail")
	}
	d.add("Flow", r.Flow)
	d.add("Requester", r.RequesterEmail)
	if r.Bundle != "" {
		d.add("Bundle", r.Bundle)
	}
	res := make([]string, len(r.Resources))
	for i, x := range r.Resources {
		res[i] = accountWithID(x.AccountName, x.AccountID) + " " + x.Label()
	}
	if r.ExtendsGrant != "" {
		d.add("Extends", fmt.Sprintf("grant %s by %s", r.ExtendsGrant, r.ExtendBy))
	} else {
		d.add("Resources", res...)
		d.add("Duration", r.Duration.String())
		if r.StartsAt != nil {
			d.add("Starts", stamp(*r.StartsAt, now))
		} else {
			d.add("Starts", "on approval")
		}
	}
	d.add("Reason", orDash(r.Reason))
	if r.Ticket != "" {
		d.add("Ticket", r.Ticket)
	}
	switch {
	case r.BreakGlass:
		d.add("Approvals", "bypassed by break-glass")
	case len(r.Steps) > 0:
		d.add("Approvals", stepLines(r)...)
	}
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

// requestState is the request's state, flagged loudly for break-glass.
func requestState(r *stint.Request) string {
	if r.BreakGlass {
		return string(r.State) + " BREAK-GLASS"
	}
	return string(r.State)
}

// stepLines prints a request's approval steps, one a line:
// "security 1/2: carol@example.com; needs 1 more of group:Security".
func stepLines(r *stint.Request) []string {
	out := make([]string, len(r.Steps))
	for i, st := range r.Steps {
		quorum := max(st.Quorum, 1)
		line := fmt.Sprintf("%s %d/%d", st.Name, len(st.Approvals), quorum)
		var parts []string
		if len(st.Approvals) > 0 {
			parts = append(parts, strings.Join(st.Approvals, ", "))
		}
		if missing := quorum - len(st.Approvals); missing > 0 && r.State == stint.RequestPending {
			more := ""
			if len(st.Approvals) > 0 {
				more = " more"
			}
			parts = append(parts, fmt.Sprintf("needs %d%s of %s", missing, more, strings.Join(st.Approvers, ", ")))
		}
		if len(parts) > 0 {
			line += ": " + strings.Join(parts, "; ")
		}
		out[i] = line
	}
	return out
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

// resourceArgs accepts RESOURCE_ID, or ACCOUNT PERMISSION_SET.
func resourceArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 1 && !strings.Contains(args[0], ":") {
		return stint.Errorf(stint.EINVALID, "%q is not a resource ID (TYPE:ACCOUNT/NAME, as `stint resources` lists them); or give ACCOUNT PERMISSION_SET; usage: %s",
			args[0], cmd.UseLine())
	}
	if len(args) == 1 {
		return exactArgs(1)(cmd, args)
	}
	return exactArgs(2)(cmd, args)
}

// resourceFromArgs turns RESOURCE_ID or ACCOUNT PERMISSION_SET into a
// client resource.
func resourceFromArgs(args []string) client.Resource {
	if len(args) == 1 {
		return client.Resource{ID: args[0]}
	}
	return client.Resource{Account: args[0], PermissionSet: args[1]}
}
