package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

// A check tests flag values. Checks run before the client is built, so bad
// input fails before anything is sent.
type check func() error

// call returns the RunE of a command that talks to the server: it checks -o,
// then each check in order, then builds the client and calls fn.
func (a *app) call(out *output, checks []check, fn func(cmd *cobra.Command, c *client.Client, args []string) error) func(*cobra.Command, []string) error {
	return run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(); err != nil {
			return err
		}
		for _, check := range checks {
			if err := check(); err != nil {
				return err
			}
		}
		c, err := a.client(cmd)
		if err != nil {
			return err
		}
		return fn(cmd, c, args)
	})
}

// listing is a command that prints a list: as JSON, or as a table, or, when
// the list is empty, as a hint on stderr.
type listing[T any] struct {
	checks []check
	// fetch gets the list; args are the command's arguments.
	fetch  func(ctx context.Context, c *client.Client, args []string) ([]T, error)
	empty  func() string // the hint for an empty list
	header []string
	row    func(item T, now time.Time) []string
}

// listCmd adds -o to cmd and makes it run l.
func listCmd[T any](a *app, cmd *cobra.Command, l listing[T]) *cobra.Command {
	out := addOutput(cmd)
	cmd.RunE = a.call(out, l.checks, func(cmd *cobra.Command, c *client.Client, args []string) error {
		items, err := l.fetch(cmd.Context(), c, args)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.json() {
			return writeJSON(w, nonNil(items))
		}
		if len(items) == 0 {
			fmt.Fprintln(cmd.ErrOrStderr(), l.empty())
			return nil
		}
		now := a.opts.Now()
		t := newTable(w, l.header...)
		for _, item := range items {
			t.row(l.row(item, now)...)
		}
		return t.flush()
	})
	return cmd
}

// hint is the empty-list hint that is always msg.
func hint(msg string) func() string { return func() string { return msg } }

// item is a command that sends one call and prints its answer: as JSON, or
// as details.
type item[T any] struct {
	checks  []check
	send    func(ctx context.Context, c *client.Client, args []string) (*T, error)
	details func(w io.Writer, v *T, now time.Time) error
}

// itemCmd adds -o to cmd and makes it run it.
func itemCmd[T any](a *app, cmd *cobra.Command, it item[T]) *cobra.Command {
	out := addOutput(cmd)
	cmd.RunE = a.call(out, it.checks, func(cmd *cobra.Command, c *client.Client, args []string) error {
		v, err := it.send(cmd.Context(), c, args)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.json() {
			return writeJSON(w, v)
		}
		return it.details(w, v, a.opts.Now())
	})
	return cmd
}

// action is a call on the request or grant with the ID id.
type action[T any] func(ctx context.Context, c *client.Client, id string) (*T, error)

// onID adapts an action to item.send: the ID is the command's one argument.
func onID[T any](do action[T]) func(context.Context, *client.Client, []string) (*T, error) {
	return func(ctx context.Context, c *client.Client, args []string) (*T, error) {
		return do(ctx, c, args[0])
	}
}

// addLimit adds --limit and returns it with its check.
func addLimit(cmd *cobra.Command, usage string) (*int, check) {
	var n int
	cmd.Flags().IntVar(&n, "limit", 0, usage)
	return &n, func() error { return checkLimit(n) }
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

// completeIDs completes a command's one argument with the IDs of what list
// returns, described by complete.
func completeIDs[T any](a *app, list func(ctx context.Context, c *client.Client) ([]T, error),
	complete func(T) cobra.Completion) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := a.client(cmd)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		items, err := list(cmd.Context(), c)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		out := make([]cobra.Completion, 0, len(items))
		for _, it := range items {
			out = append(out, complete(it))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
