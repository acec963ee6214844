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

// exitDenied is the exit code of `stint can` for a deny: the code of
// EFORBIDDEN, so that scripts read it as they read any refusal.
var exitDenied = exitCodes[stint.EFORBIDDEN]

func (a *app) canCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "can USER request {RESOURCE_ID | ACCOUNT PERMISSION_SET}",
		Short: "Explain whether a user may request a resource",
		Long: `Explain whether USER may request a resource (by ID, or PERMISSION_SET in
ACCOUNT, an ID or name):
the verdict, the flow that decides, the approvers needed per step, and for
a deny why each flow refused. USER "me" means you; admins may ask about
anyone, others about themselves.

Exit codes: 0 allowed, 4 denied, others as for every command.`,
		Example: `  stint can alice@example.com request prod-payments AdministratorAccess --for 2h
  stint can me request dev-sandbox ReadOnly -o json
  stint can bob@example.com request aws-s3:prod-payments/payments-logs:read`,
		GroupID: "flows",
		Args:    canArgs,
	}
	forFlag := cmd.Flags().String("for", "", "how long, e.g. 2h (default: the flow's default)")
	out := addOutput(cmd)
	var in client.CanInput
	parse := func() (err error) {
		if cmd.Flags().Changed("for") {
			in.Duration, err = parseDurationFlag("for", *forFlag)
		}
		return err
	}
	cmd.RunE = a.call(out, []check{parse}, func(cmd *cobra.Command, c *client.Client, args []string) error {
		r := resourceFromArgs(args[2:])
		in.User, in.Resource, in.Account, in.PermissionSet = args[0], r.ID, r.Account, r.PermissionSet
		if strings.EqualFold(in.User, "me") {
			in.User = ""
		}
		ex, err := c.Can(cmd.Context(), in)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.json() {
			err = writeJSON(w, ex)
		} else {
			err = explain(w, ex, in)
		}
		if err == nil && !ex.Allowed {
			return &printedError{code: exitDenied}
		}
		return err
	})
	return cmd
}

func canArgs(cmd *cobra.Command, args []string) error {
	if len(args) < 3 || len(args) > 4 {
		return stint.Errorf(stint.EINVALID, "%s takes 3 or 4 arguments, got %d; usage: %s", cmd.CommandPath(), len(args), cmd.UseLine())
	}
	if args[1] != "request" {
		return stint.Errorf(stint.EINVALID, "stint can asks about requests only: %q is not \"request\"; usage: %s", args[1], cmd.UseLine())
	}
	return resourceArgs(cmd, args[2:])
}

// explain prints an explanation: a verdict line, then the deciding flow and
// its approval, or each flow's reason for a deny.
func explain(w io.Writer, ex *client.Explanation, in client.CanInput) error {
	user := firstOf(ex.User, in.User, "you")
	what := firstOf(in.Resource, in.Account+"/"+in.PermissionSet)
	if in.Duration > 0 {
		what += " for " + stint.FormatDuration(in.Duration)
	}
	if !ex.Allowed {
		fmt.Fprintf(w, "DENY   %s may not request %s\n", user, what)
		d := newDetails(w)
		if ex.Resource != "" {
			d.add("Resource", ex.Resource)
		}
		reasons := make([]string, len(ex.Reasons))
		for i, r := range ex.Reasons {
			reasons[i] = r.Flow + ": " + r.Reason
		}
		if ex.Summary != "" {
			d.add("Why", ex.Summary)
		}
		if len(reasons) > 0 {
			d.add("Reasons", reasons...)
		} else if ex.Summary == "" {
			d.add("Why", "no flow covers it")
		}
		return d.flush()
	}
	fmt.Fprintf(w, "ALLOW  %s may request %s\n", user, what)
	d := newDetails(w)
	if ex.Resource != "" {
		d.add("Resource", ex.Resource)
	}
	d.add("Flow", ex.Flow)
	switch {
	case ex.AutoApprove:
		d.add("Approval", "none: auto-approved")
	case len(ex.Steps) == 0:
		d.add("Approval", "none")
	default:
		steps := make([]string, len(ex.Steps))
		for i, st := range ex.Steps {
			steps[i] = fmt.Sprintf("%d. %s: %d of %s", i+1, st.Name, max(st.Quorum, 1), strings.Join(st.Approvers, ", "))
		}
		d.add("Approval", steps...)
	}
	if ex.MaxDuration > 0 {
		d.add("Max", ex.MaxDuration.String())
	}
	if ex.BreakGlass {
		d.add("Break-glass", "available (--break-glass: no approval, audited loudly)")
	}
	return d.flush()
}

// firstOf returns the first of vals that is not "".
func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func (a *app) whoCanCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "who-can {RESOURCE_ID | ACCOUNT PERMISSION_SET}",
		Short: "List who may request a resource (admins)",
		Long: `List who may request a resource (by ID, or PERMISSION_SET in ACCOUNT, an ID
or name), through which flow, and who approves. Admins only.`,
		Example: "  stint who-can prod-payments AdministratorAccess\n  stint who-can aws-s3:prod-payments/payments-logs:read",
		GroupID: "flows",
		Args:    resourceArgs,
	}
	var target string
	return listCmd(a, cmd, listing[client.WhoCan]{
		fetch: func(ctx context.Context, c *client.Client, args []string) ([]client.WhoCan, error) {
			target = strings.Join(args, "/")
			return c.WhoCan(ctx, resourceFromArgs(args))
		},
		empty:  func() string { return "nobody may request " + target },
		header: []string{"USER", "FLOW", "AUTO", "BREAK-GLASS", "MAX", "APPROVERS"},
		row: func(wc client.WhoCan, _ time.Time) []string {
			approvers := "-"
			if !wc.AutoApprove && len(wc.Approvers) > 0 {
				approvers = strings.Join(wc.Approvers, ", ")
			}
			return []string{wc.User, wc.Flow, yesNo(wc.AutoApprove), yesNo(wc.BreakGlass), wc.MaxDuration.String(), approvers}
		},
	})
}

func (a *app) flowsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flows",
		Short: "List the access flows; test them with `stint flows test`",
		Long: `List the access flows of the server's config: who may request what, for
how long, and who approves.`,
		GroupID: "flows",
		Args:    noArgs,
	}
	listCmd(a, cmd, listing[stint.Flow]{
		fetch:  func(ctx context.Context, c *client.Client, _ []string) ([]stint.Flow, error) { return c.Flows(ctx) },
		empty:  hint("no flows; add some to the config's flows section"),
		header: []string{"NAME", "REQUESTERS", "RESOURCES", "MAX", "APPROVAL"},
		row: func(f stint.Flow, _ time.Time) []string {
			return []string{f.Name, flowRequesters(&f), flowResources(&f), f.MaxDuration.String(), flowApproval(&f)}
		},
	})
	cmd.AddCommand(a.flowsTestCmd())
	return cmd
}

// flowRequesters prints "group:Engineers, user:x@example.com except group:Contractors".
func flowRequesters(f *stint.Flow) string {
	s := strings.Join(f.Requesters, ", ")
	if len(f.RequesterAttributes) > 0 {
		s += " (with attributes)"
	}
	if len(f.Exclude) > 0 {
		s += " except " + strings.Join(f.Exclude, ", ")
	}
	return s
}

// flowResources prints "ou:Prod × AdministratorAccess,ReadOnly; bundle payments-ro".
func flowResources(f *stint.Flow) string {
	var parts []string
	for _, r := range f.Resources {
		if ic := r.IdentityCenter; ic != nil {
			parts = append(parts, strings.Join(ic.Accounts, ",")+" × "+strings.Join(ic.PermissionSets, ","))
		} else if sel := r.Selector(); sel != nil {
			parts = append(parts, sel.String())
		}
	}
	for _, b := range f.Bundles {
		parts = append(parts, "bundle "+b.Name)
	}
	return strings.Join(parts, "; ")
}

// flowApproval prints "auto", or the steps in order
// ("security 2 of group:Security → managers 1 of group:Approvers"), with
// conditional auto-approval and break-glass noted.
func flowApproval(f *stint.Flow) string {
	if f.AutoApprove {
		return "auto"
	}
	var parts []string
	if len(f.Approvers) > 0 {
		parts = append(parts, "1 of "+strings.Join(f.Approvers, ","))
	}
	for i, st := range f.ApprovalSteps {
		p := fmt.Sprintf("%s %d of %s", firstOf(st.Name, fmt.Sprintf("step %d", i+1)), max(st.Quorum, 1), strings.Join(st.Approvers, ","))
		if len(st.PermissionSets) > 0 || len(st.RequesterGroups) > 0 {
			p += " (scoped)" // applies to some requests only
		}
		parts = append(parts, p)
	}
	s := strings.Join(parts, " → ")
	if len(f.AutoApproveWhen) > 0 {
		s = "auto when its conditions hold, else " + s
	}
	if f.BreakGlass != nil {
		s += "; break-glass " + f.BreakGlass.MaxDuration.String()
	}
	return s
}
