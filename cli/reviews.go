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

func (a *app) reviewCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "review",
		Short:   "Access review campaigns: certify who holds what",
		GroupID: "review",
		Args:    noArgs,
		Long: `An access review campaign asks reviewers to certify each access in its
scope: standing access from the latest ` + "`stint discover`" + ` scan, grants live
or held in a window, or both, narrowed by accounts, permission sets and
resource types. Each item goes to its reviewers (the resource's owners as
a flow names them, the holder's manager, a group) who keep it, revoke it,
or convert it to just-in-time access, with a comment. Revocations run in
the background through stint's providers and land in the audit trail.
At the deadline the campaign closes; undecided items are revoked with
--auto-revoke. The report (HTML to print, CSV) is for auditors.`,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.reviewCreateCmd(), a.reviewListCmd(), a.reviewShowCmd(), a.reviewItemsCmd(), a.reviewDecideCmd(),
		a.reviewCloseCmd(), a.reviewReportCmd())
	return cmd
}

// parseDeadline reads --deadline: a duration from now ("14d") or an RFC
// 3339 time.
func parseDeadline(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, stint.Errorf(stint.EINVALID, "say when the campaign ends with --deadline, e.g. --deadline 14d or --deadline 2030-01-31T17:00:00Z")
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := stint.ParseDuration(v)
	if err != nil {
		return time.Time{}, stint.Errorf(stint.EINVALID, "--deadline %q is neither a duration (14d) nor an RFC 3339 time (2030-01-31T17:00:00Z)", v)
	}
	return now.Add(d), nil
}

func (a *app) reviewCreateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create NAME --deadline WHEN (--standing | --jit)",
		Short: "Create a campaign (admins)",
		Example: `  stint review create "Q1 prod admin" --standing --jit --accounts ou:Prod \
      --reviewers owner,manager,group:Security --deadline 14d --remind 72h,24h --auto-revoke`,
		Args: exactArgs(1),
	}
	var in client.CampaignInput
	var deadline string
	f := cmd.Flags()
	f.StringVar(&in.Description, "description", "", "what the campaign is for")
	f.BoolVar(&in.Standing, "standing", false, "review standing access from a discovery scan")
	f.StringVar(&in.Scan, "scan", "", "the scan to take standing access from (default: the latest)")
	f.BoolVar(&in.JIT, "jit", false, "review grants live now or held during --window")
	f.StringVar(&in.Window, "window", "", "how far back --jit looks (default 30d)")
	f.StringSliceVar(&in.Accounts, "accounts", nil, "account selectors: ID, name:NAME, ou:PATH (default: all)")
	f.StringSliceVar(&in.PermissionSets, "permission-sets", nil, "permission set names (default: all)")
	f.StringSliceVar(&in.Types, "types", nil, "resource types, e.g. aws-sso,aws-iam-group (default: all)")
	f.StringSliceVar(&in.Reviewers, "reviewers", nil, "reviewer rules tried in order: owner, manager, group:NAME, user:EMAIL (default owner,manager)")
	f.StringVar(&deadline, "deadline", "", "when the campaign closes: a duration from now (14d) or an RFC 3339 time (required)")
	f.StringSliceVar(&in.Reminders, "remind", nil, "remind reviewers this long before the deadline (default 24h)")
	f.BoolVar(&in.AutoRevoke, "auto-revoke", false, "revoke what is still undecided at the deadline")
	f.BoolVar(&in.AllowSelfReview, "allow-self-review", false, "let reviewers decide on their own access")
	parse := func() (err error) {
		in.Deadline, err = parseDeadline(deadline, a.opts.Now())
		return err
	}
	return itemCmd(a, cmd, item[client.CampaignView]{checks: []check{parse},
		send: func(ctx context.Context, c *client.Client, args []string) (*client.CampaignView, error) {
			in.Name = args[0]
			return c.CreateCampaign(ctx, in)
		},
		details: campaignDetails})
}

func (a *app) reviewListCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List campaigns (yours to review, or all for admins)", Args: noArgsCmd}
	open := cmd.Flags().Bool("open", false, "only open campaigns")
	return listCmd(a, cmd, listing[*stint.Campaign]{
		fetch: func(ctx context.Context, c *client.Client, _ []string) ([]*stint.Campaign, error) {
			if *open {
				return c.Campaigns(ctx, stint.CampaignOpen)
			}
			return c.Campaigns(ctx)
		},
		empty:  hint("no review campaigns; an admin creates one with `stint review create`"),
		header: []string{"ID", "NAME", "STATE", "DEADLINE", "ITEMS", "PENDING", "KEPT", "REVOKED", "CONVERTED"},
		row: func(c *stint.Campaign, now time.Time) []string {
			n := c.Counts
			if n == nil {
				n = &stint.CampaignCounts{}
			}
			return []string{c.ID, c.Name, string(c.State), deadlineText(c.Deadline, now), fmt.Sprint(n.Items), fmt.Sprint(n.Pending),
				fmt.Sprint(n.Kept), fmt.Sprint(n.Revoked), fmt.Sprint(n.Converted)}
		},
	})
}

func deadlineText(t, now time.Time) string {
	s := t.UTC().Format("2006-01-02 15:04Z")
	if t.After(now) {
		return s + " (in " + stint.FormatDuration(t.Sub(now).Round(time.Minute)) + ")"
	}
	return s
}

func (a *app) reviewShowCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "show ID", Short: "Show a campaign and its items (yours to review, or all for admins)", Args: exactArgs(1)}
	return itemCmd(a, cmd, item[client.CampaignView]{
		send: onID(func(ctx context.Context, c *client.Client, id string) (*client.CampaignView, error) {
			return c.Campaign(ctx, id)
		}),
		details: func(w io.Writer, v *client.CampaignView, now time.Time) error {
			if err := campaignDetails(w, v, now); err != nil {
				return err
			}
			fmt.Fprintln(w)
			return itemsTable(w, v.Items)
		},
	})
}

func campaignDetails(w io.Writer, v *client.CampaignView, now time.Time) error {
	c := &v.Campaign
	fmt.Fprintf(w, "Campaign %s: %s (%s)\n", c.ID, c.Name, c.State)
	fmt.Fprintf(w, "Deadline:  %s%s\n", deadlineText(c.Deadline, now), map[bool]string{true: ", undecided items auto-revoked"}[c.AutoRevoke])
	fmt.Fprintf(w, "Reviewers: %s%s\n", strings.Join(c.Reviewers, ", "), map[bool]string{true: " (self-review allowed)"}[c.AllowSelfReview])
	if n := c.Counts; n != nil {
		fmt.Fprintf(w, "Items:     %d: %d pending, %d kept, %d revoked, %d converted, %d undecided, %d in progress\n",
			n.Items, n.Pending, n.Kept, n.Revoked, n.Converted, n.Undecided, n.InProgress)
	}
	return nil
}

func itemsTable(w io.Writer, items []*stint.ReviewItem) error {
	if len(items) == 0 {
		fmt.Fprintln(w, "no items for you")
		return nil
	}
	t := newTable(w, "ITEM", "WHO", "ACCESS", "SOURCE", "REVIEWERS", "STATE", "DECISION", "OUTCOME")
	for _, it := range items {
		t.row(it.ID, it.Principal, itemAccess(it), string(it.Source), strings.Join(it.Reviewers, ","), string(it.State),
			decisionText(it), truncate(it.Outcome+map[bool]string{true: " (error: " + it.Error + ")"}[it.Error != ""], 80))
	}
	return t.flush()
}

func itemAccess(it *stint.ReviewItem) string {
	what := it.PermissionSet
	if what == "" {
		what = it.Name
	}
	return what + " in " + accountLabel(it.AccountName, it.AccountID)
}

func decisionText(it *stint.ReviewItem) string {
	if it.Decision == "" {
		return "-"
	}
	s := string(it.Decision) + " by " + it.DecidedBy
	if it.Auto {
		s += " (auto)"
	}
	return s
}

func (a *app) reviewItemsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "items", Short: "List the items you review (pending ones by default)", Args: noArgsCmd}
	campaign := cmd.Flags().String("campaign", "", "one campaign's items")
	all := cmd.Flags().Bool("all", false, "decided items too")
	return listCmd(a, cmd, listing[*stint.ReviewItem]{
		fetch: func(ctx context.Context, c *client.Client, _ []string) ([]*stint.ReviewItem, error) {
			p := client.ReviewItemsParams{Campaign: *campaign}
			if !*all {
				p.States = []stint.ItemState{stint.ItemPending}
			}
			return c.ReviewItems(ctx, p)
		},
		empty:  hint("nothing to review"),
		header: []string{"ITEM", "CAMPAIGN", "WHO", "ACCESS", "SOURCE", "STATE", "DECISION"},
		row: func(it *stint.ReviewItem, _ time.Time) []string {
			return []string{it.ID, it.CampaignID, it.Principal, itemAccess(it), string(it.Source), string(it.State), decisionText(it)}
		},
	})
}

func (a *app) reviewDecideCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "decide ITEM keep|revoke|convert --comment TEXT",
		Short:   "Decide on an item you review",
		Example: `  stint review decide 01JB3Q6P4Z0000000000000000 revoke --comment "left the payments team"`,
		Args:    exactArgs(2),
	}
	comment := cmd.Flags().String("comment", "", "why (required: auditors read it)")
	return itemCmd(a, cmd, item[stint.ReviewItem]{
		send: func(ctx context.Context, c *client.Client, args []string) (*stint.ReviewItem, error) {
			return c.Decide(ctx, args[0], stint.Decision(args[1]), *comment)
		},
		details: func(w io.Writer, it *stint.ReviewItem, _ time.Time) error {
			fmt.Fprintf(w, "Item %s: %s %s (%s)\n", it.ID, it.Decision, it.Label(), it.State)
			if it.State == stint.ItemRevoking {
				fmt.Fprintln(w, "The revocation runs in the background; `stint review show "+it.CampaignID+"` shows its outcome.")
			}
			return nil
		},
	})
}

func (a *app) reviewCloseCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "close ID", Short: "Close a campaign before its deadline (admins)", Args: exactArgs(1)}
	return itemCmd(a, cmd, item[stint.Campaign]{
		send: onID(func(ctx context.Context, c *client.Client, id string) (*stint.Campaign, error) {
			return c.CloseCampaign(ctx, id)
		}),
		details: func(w io.Writer, c *stint.Campaign, now time.Time) error {
			return campaignDetails(w, &client.CampaignView{Campaign: *c}, now)
		},
	})
}

func (a *app) reviewReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "report ID [-o html|csv|json]",
		Short:   "Print a campaign's report for auditors (admins)",
		Example: "  stint review report 01JB3Q6P4Z0000000000000000 -o html > review.html",
		Args:    exactArgs(1),
	}
	var format string
	cmd.Flags().StringVarP(&format, "output", "o", "html", "html (to print), csv or json")
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if format != "html" && format != "csv" && format != "json" {
			return stint.Errorf(stint.EINVALID, "unknown output format %q; use html, csv or json", format)
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		v, text, err := c.CampaignReport(cmd.Context(), args[0], format)
		if err != nil {
			return err
		}
		if v != nil {
			return writeJSON(cmd.OutOrStdout(), v)
		}
		_, err = cmd.OutOrStdout().Write(text)
		return err
	})
	return cmd
}
