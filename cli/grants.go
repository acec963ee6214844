package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

func (a *app) grantsCmd() *cobra.Command {
	var (
		all   bool
		limit int
	)
	cmd := &cobra.Command{
		Use:     "grants",
		Short:   "List your grants (every user's for admins)",
		GroupID: "access",
		Args:    noArgsCmd,
	}
	cmd.Flags().BoolVar(&all, "all", false, "include ended grants")
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
		list, err := c.Grants(cmd.Context(), client.GrantsParams{All: all, Limit: limit})
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.json() {
			return writeJSON(w, nonNil(list))
		}
		if len(list) == 0 {
			hint := "no live grants; see ended ones with --all"
			if all {
				hint = "no grants"
			}
			fmt.Fprintln(cmd.ErrOrStderr(), hint)
			return nil
		}
		now := a.opts.Now()
		t := newTable(w, "ID", "USER", "ACCOUNT", "PERMISSION SET", "STATE", "STARTS", "ENDS")
		for _, g := range list {
			t.row(g.ID, g.UserEmail, accountLabel(g.AccountName, g.AccountID), g.PermissionSet, string(g.State),
				grantStarts(g, now), grantEnds(g, now))
		}
		return t.flush()
	})
	return cmd
}

func (a *app) revokeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:               "revoke ID",
		Short:             "End a grant now",
		GroupID:           "access",
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeLiveGrants,
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
		g, err := c.Revoke(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		return a.printGrant(cmd, out, g)
	})
	return cmd
}

func (a *app) extendCmd() *cobra.Command {
	var forFlag string
	cmd := &cobra.Command{
		Use:               "extend ID --for DURATION",
		Short:             "Move a grant's end later",
		Example:           "  stint extend 01JB3Q6P4Z0000000000000000 --for 30m",
		GroupID:           "access",
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeLiveGrants,
	}
	cmd.Flags().StringVar(&forFlag, "for", "", "how much longer, e.g. 30m or 2h (required)")
	out := addOutput(cmd)
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		if !cmd.Flags().Changed("for") {
			return stint.Errorf(stint.EINVALID, "say how much longer with --for, e.g. --for 30m")
		}
		d, err := parseDurationFlag("for", forFlag)
		if err != nil {
			return err
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		g, err := c.Extend(cmd.Context(), args[0], d)
		if err != nil {
			return err
		}
		return a.printGrant(cmd, out, g)
	})
	return cmd
}

// printGrant prints one grant as JSON or as details.
func (a *app) printGrant(cmd *cobra.Command, out *output, g *stint.Grant) error {
	w := cmd.OutOrStdout()
	if out.json() {
		return writeJSON(w, g)
	}
	return grantDetails(w, g, a.opts.Now())
}

func grantDetails(w io.Writer, g *stint.Grant, now time.Time) error {
	d := newDetails(w)
	d.add("ID", g.ID)
	state := string(g.State)
	if g.EndReason != "" {
		state += " (" + g.EndReason + ")"
	}
	d.add("State", state)
	d.add("User", g.UserEmail)
	d.add("Account", accountWithID(g.AccountName, g.AccountID))
	d.add("Permission set", g.PermissionSet)
	d.add("Starts", stamp(g.StartsAt, now))
	d.add("Ends", stamp(g.EndsAt, now))
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

// completeLiveGrants completes grant IDs with the caller's live grants.
func (a *app) completeLiveGrants(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := a.client(cmd)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
	}
	list, err := c.Grants(cmd.Context(), client.GrantsParams{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
	}
	out := make([]cobra.Completion, 0, len(list))
	for _, g := range list {
		out = append(out, cobra.CompletionWithDesc(g.ID, fmt.Sprintf("%s %s/%s %s", g.UserEmail,
			accountLabel(g.AccountName, g.AccountID), g.PermissionSet, g.State)))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
