package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

func (a *app) grantsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "grants",
		Short:   "List your grants (every user's for admins)",
		GroupID: "access",
		Args:    noArgsCmd,
	}
	all := cmd.Flags().Bool("all", false, "include ended grants")
	limit, limitCheck := addLimit(cmd, "at most this many (default: the server's, 100)")
	return listCmd(a, cmd, listing[*stint.Grant]{
		checks: []check{limitCheck},
		fetch: func(ctx context.Context, c *client.Client, _ []string) ([]*stint.Grant, error) {
			return c.Grants(ctx, client.GrantsParams{All: *all, Limit: *limit})
		},
		empty: func() string {
			if *all {
				return "no grants"
			}
			return "no live grants; see ended ones with --all"
		},
		header: []string{"ID", "USER", "ACCOUNT", "ACCESS", "STATE", "STARTS", "ENDS"},
		row: func(g *stint.Grant, now time.Time) []string {
			return []string{g.ID, g.UserEmail, accountLabel(g.AccountName, g.AccountID), g.Label(), grantState(g),
				grantStarts(g, now), grantEnds(g, now)}
		},
	})
}

// grantAction finishes cmd as revoke or extend: an action on the grant
// named by its one argument.
func (a *app) grantAction(cmd *cobra.Command, checks []check, do action[stint.Grant]) *cobra.Command {
	cmd.GroupID = "access"
	cmd.Args = exactArgs(1)
	cmd.ValidArgsFunction = a.completeLiveGrants()
	return itemCmd(a, cmd, item[stint.Grant]{checks: checks, send: onID(do), details: grantDetails})
}

func (a *app) revokeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "revoke ID", Short: "End a grant now"}
	return a.grantAction(cmd, nil, func(ctx context.Context, c *client.Client, id string) (*stint.Grant, error) {
		return c.Revoke(ctx, id)
	})
}

func (a *app) extendCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "extend ID --for DURATION",
		Short:   "Move a grant's end later",
		Example: "  stint extend 01JB3Q6P4Z0000000000000000 --for 30m",
	}
	forFlag := cmd.Flags().String("for", "", "how much longer, e.g. 30m or 2h (required)")
	var by time.Duration
	parse := func() (err error) {
		if !cmd.Flags().Changed("for") {
			return stint.Errorf(stint.EINVALID, "say how much longer with --for, e.g. --for 30m")
		}
		by, err = parseDurationFlag("for", *forFlag)
		return err
	}
	return a.grantAction(cmd, []check{parse}, func(ctx context.Context, c *client.Client, id string) (*stint.Grant, error) {
		return c.Extend(ctx, id, by)
	})
}

func (a *app) activateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "activate ID",
		Short: "Switch on a ready grant (flows with an activation window)",
		Long: `Switch on one of your ready grants. Flows with an activation window leave
approved access ready until you activate it; it then lasts its duration.
A ready grant not activated by its "activate by" time ends unused.`,
		Example: "  stint activate 01JB3Q6P4Z0000000000000000",
	}
	a.grantAction(cmd, nil, func(ctx context.Context, c *client.Client, id string) (*stint.Grant, error) {
		return c.Activate(ctx, id)
	})
	cmd.ValidArgsFunction = a.completeReadyGrants()
	return cmd
}

// grantState is the grant's state, flagged loudly for break-glass.
func grantState(g *stint.Grant) string {
	if g.BreakGlass {
		return string(g.State) + " BREAK-GLASS"
	}
	return string(g.State)
}

func grantDetails(w io.Writer, g *stint.Grant, now time.Time) error {
	d := newDetails(w)
	d.add("ID", g.ID)
	state := grantState(g)
	if g.EndReason != "" {
		state += " (" + g.EndReason + ")"
	}
	d.add("State", state)
	if g.BreakGlass {
		d.add("BREAK-GLASS", "emergency access without approval; flagged in the audit trail")
	}
	d.add("User", g.UserEmail)
	d.add("Account", accountWithID(g.AccountName, g.AccountID))
	if g.Type.Or() == stint.ResourceSSO {
		d.add("Permission set", g.PermissionSet)
	} else {
		d.add("Access", g.Label())
		d.add("Resource", g.ResourceID)
	}
	if g.State == stint.GrantReady {
		d.add("Activate by", stamp(g.EndsAt, now)+"; run `stint activate "+g.ID+"`")
		d.add("Lasts", g.Duration.String()+" once activated")
	} else {
		d.add("Starts", stamp(g.StartsAt, now))
		d.add("Ends", stamp(g.EndsAt, now))
	}
	if g.EndedAt != nil {
		d.add("Ended", stamp(*g.EndedAt, now))
	}
	if g.RevokedBy != "" {
		d.add("Revoked by", g.RevokedBy)
	}
	if g.Extensions > 0 {
		d.add("Extensions", fmt.Sprint(g.Extensions))
	}
	if g.LastError != "" {
		d.add("Last error", g.LastError)
	}
	d.add("Request", g.RequestID)
	d.add("Flow", g.Flow)
	return d.flush()
}

// completeReadyGrants completes grant IDs with the caller's ready grants.
func (a *app) completeReadyGrants() cobra.CompletionFunc {
	ready := func(ctx context.Context, c *client.Client) ([]*stint.Grant, error) {
		live, err := c.Grants(ctx, client.GrantsParams{})
		return slices.DeleteFunc(live, func(g *stint.Grant) bool { return g.State != stint.GrantReady }), err
	}
	return completeIDs(a, ready, func(g *stint.Grant) cobra.Completion {
		return cobra.CompletionWithDesc(g.ID, fmt.Sprintf("%s/%s activate by %s",
			accountLabel(g.AccountName, g.AccountID), g.Label(), g.EndsAt.UTC().Format(time.RFC3339)))
	})
}

// completeLiveGrants completes grant IDs with the caller's live grants.
func (a *app) completeLiveGrants() cobra.CompletionFunc {
	live := func(ctx context.Context, c *client.Client) ([]*stint.Grant, error) {
		return c.Grants(ctx, client.GrantsParams{})
	}
	return completeIDs(a, live, func(g *stint.Grant) cobra.Completion {
		return cobra.CompletionWithDesc(g.ID, fmt.Sprintf("%s %s/%s %s", g.UserEmail,
			accountLabel(g.AccountName, g.AccountID), g.Label(), g.State))
	})
}
