package cli

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
)

// PlanRequest is what `stint plan` asks of Options.Plan.
type PlanRequest struct {
	ConfigPath string
	File       string // identity file or folder
	Prune      bool
}

// ApplyRequest is what `stint apply` asks of Options.Apply: plan, write the
// plan to Out (in colour when Color), ask Confirm unless Yes, and apply,
// calling Progress as actions complete.
type ApplyRequest struct {
	PlanRequest
	Yes      bool
	Out      io.Writer
	Color    bool
	Confirm  func(p *identityconfig.Plan) bool
	Progress func(done, total int, action string)
}

// Exit codes of `stint plan` (as terraform plan -detailed-exitcode).
const (
	ExitPlanClean   = 0
	ExitPlanError   = 1
	ExitPlanChanges = 2
)

// isTerminal reports whether v is a character device (a terminal).
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// failPrinted prints err, every line of it (identity file problems come one
// a line, FILE:LINE:COL), and returns it as exit code 1: plan and apply use
// 2 for "changes", so every error is 1.
func failPrinted(cmd *cobra.Command, err error) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "stint: %s\n", strings.TrimRight(err.Error(), "\n"))
	return &printedError{code: ExitPlanError}
}

// identityFlags are the flags plan and apply share.
type identityFlags struct {
	file, config string
	prune        bool
	noColor      bool
}

func (a *app) addIdentityFlags(cmd *cobra.Command) *identityFlags {
	f := &identityFlags{}
	cmd.Flags().StringVarP(&f.file, "file", "f", "", "identity file, or a folder of *.yaml files (required)")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
	cmd.Flags().StringVar(&f.config, "config", DefaultConfig, "stint config: AWS settings and the store (env STINT_CONFIG)")
	_ = cmd.MarkFlagFilename("config", "yaml", "yml")
	cmd.Flags().BoolVar(&f.prune, "prune", false, "also delete what the file does not declare (never what active grants hold)")
	cmd.Flags().BoolVar(&f.noColor, "no-color", false, "never colour the plan")
	// Flag errors exit 1 too, so that 2 only ever means "changes".
	cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return failPrinted(cmd, fmt.Errorf("%s; see `%s --help`", err, cmd.CommandPath()))
	})
	return f
}

func (f *identityFlags) request(a *app, cmd *cobra.Command) (PlanRequest, error) {
	if strings.TrimSpace(f.file) == "" {
		return PlanRequest{}, stint.Errorf(stint.EINVALID, "say which identity file to use with -f FILE")
	}
	return PlanRequest{ConfigPath: a.configPath(cmd, f.config), File: f.file, Prune: f.prune}, nil
}

// color reports whether to colour output written to w.
func (f *identityFlags) color(a *app, w io.Writer) bool {
	return !f.noColor && a.opts.Getenv("NO_COLOR") == "" && a.opts.IsTerminal(w)
}

func (a *app) planCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "plan -f FILE",
		Short:   "Show what applying an Identity Center file would change",
		GroupID: "identity",
		Long: `Compare an Identity Center file (users, groups, permission sets and
assignments) with the live set-up and print the changes that
` + "`stint apply`" + ` would make. Assignments that active grants hold are never
changed nor counted.

Exit codes, as terraform plan -detailed-exitcode: 0 no changes, 1 error,
2 changes.`,
		Args: noArgsCmd,
	}
	f := a.addIdentityFlags(cmd)
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		p, err := a.plan(cmd, f, out)
		if err != nil {
			return failPrinted(cmd, err)
		}
		if code := identityconfig.ExitCode(p); code != ExitPlanClean {
			return &printedError{code: code}
		}
		return nil
	}
	return cmd
}

func (a *app) plan(cmd *cobra.Command, f *identityFlags, out *output) (*identityconfig.Plan, error) {
	if err := out.check(); err != nil {
		return nil, err
	}
	req, err := f.request(a, cmd)
	if err != nil {
		return nil, err
	}
	if a.opts.Plan == nil {
		return nil, stint.Errorf(stint.EINTERNAL, "this build of stint cannot plan Identity Center files")
	}
	p, err := a.opts.Plan(cmd.Context(), req)
	if err != nil {
		return nil, err
	}
	w := cmd.OutOrStdout()
	if out.json() {
		return p, identityconfig.RenderJSON(w, p)
	}
	return p, identityconfig.RenderText(w, p, identityconfig.RenderOptions{Color: f.color(a, w)})
}

func (a *app) applyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "apply -f FILE",
		Short:   "Make Identity Center match a file",
		GroupID: "identity",
		Long: `Show the plan for an Identity Center file, ask to go on (or --yes), and
apply it within Identity Center's rate limits, with a summary at the end.
It is safe to interrupt and run again. Without a terminal to ask on,
apply needs --yes.

Exit codes: 0 applied (or nothing to do), 1 anything failed or cancelled.`,
		Args: noArgsCmd,
	}
	f := a.addIdentityFlags(cmd)
	var yes bool
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "apply without asking")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := a.apply(cmd, f, yes); err != nil {
			return failPrinted(cmd, err)
		}
		return nil
	}
	return cmd
}

// errPrinted stops apply after it printed why.
var errPrinted = &printedError{code: ExitPlanError}

func (a *app) apply(cmd *cobra.Command, f *identityFlags, yes bool) error {
	plan, err := f.request(a, cmd)
	if err != nil {
		return err
	}
	if a.opts.Apply == nil {
		return stint.Errorf(stint.EINTERNAL, "this build of stint cannot apply Identity Center files")
	}
	w, in := cmd.OutOrStdout(), cmd.InOrStdin()
	tty := a.opts.IsTerminal(w)
	var refused, declined bool
	req := ApplyRequest{PlanRequest: plan, Yes: yes, Out: w, Color: f.color(a, w),
		Confirm: func(p *identityconfig.Plan) bool {
			if !a.opts.IsTerminal(in) {
				refused = true
				return false
			}
			fmt.Fprintf(w, "\nApply %d %s? [y/N] ", len(p.Actions), plural(len(p.Actions), "change"))
			line, _ := bufio.NewReader(in).ReadString('\n')
			answer := strings.ToLower(strings.TrimSpace(line))
			declined = answer != "y" && answer != "yes"
			return !declined
		},
		Progress: newProgress(w, tty).update,
	}
	start := a.opts.Now()
	res, err := a.opts.Apply(cmd.Context(), req)
	switch {
	case refused:
		fmt.Fprintln(cmd.ErrOrStderr(), "stint: stdin is not a terminal, so apply cannot ask for confirmation; nothing was changed. Review the plan and run again with --yes to apply it.")
		return errPrinted
	case declined:
		fmt.Fprintln(w, "Apply cancelled; nothing was changed.")
		return errPrinted
	case err != nil:
		return err
	case res == nil:
		return nil // no changes: the plan said so
	}
	writeSummary(w, res, a.opts.Now().Sub(start))
	if res.Failed > 0 {
		return errPrinted
	}
	return nil
}

// progress shows apply's progress: a bar redrawn in place on a terminal,
// else a line per 10%.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	verb    string // of the lines without a terminal; default "Applied"
	lastTen int    // last tenth reported, without a terminal
	drawn   bool
}

func newProgress(w io.Writer, tty bool) *progress { return &progress{w: w, tty: tty, lastTen: -1} }

func (p *progress) update(done, total int, action string) {
	if total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pct := done * 100 / total
	if p.tty {
		const width = 30
		n := done * width / total
		fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d %s", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total, truncate(action, 60))
		p.drawn = true
		if done == total {
			fmt.Fprintln(p.w)
			p.drawn = false
		}
		return
	}
	if ten := pct / 10; ten > p.lastTen {
		p.lastTen = ten
		fmt.Fprintf(p.w, "%s %d/%d (%d%%)\n", cmp.Or(p.verb, "Applied"), done, total, pct)
	}
}

// writeSummary prints what apply did: counts, failures with their reasons,
// calls by operation and the time taken.
func writeSummary(w io.Writer, res *identityconfig.ApplyResult, took time.Duration) {
	d := res.Duration
	if d == 0 {
		d = took
	}
	calls := 0
	for _, n := range res.Calls {
		calls += n
	}
	fmt.Fprintf(w, "\nApply complete: %d applied, %d failed, %d API %s in %s.\n", res.Applied, res.Failed, calls, plural(calls, "call"), d.Round(time.Millisecond))
	if len(res.Errors) > 0 {
		fmt.Fprintln(w, "Failures:")
		for _, e := range res.Errors {
			fmt.Fprintf(w, "  - %s\n", e)
		}
		fmt.Fprintln(w, "Run apply again to retry what failed; what succeeded is not repeated.")
	}
	if len(res.Calls) > 0 {
		ops := slices.Sorted(maps.Keys(res.Calls))
		parts := make([]string, len(ops))
		for i, op := range ops {
			parts[i] = fmt.Sprintf("%s %d", op, res.Calls[op])
		}
		fmt.Fprintf(w, "Calls: %s\n", strings.Join(parts, ", "))
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

func (a *app) exportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "export",
		Short:   "Write the live Identity Center set-up as a file",
		GroupID: "identity",
		Long: `Write the live Identity Center set-up (permission sets and assignments,
and with --identities users, groups and memberships) as an identity file
that ` + "`stint plan -f FILE`" + ` reports as no changes: the way to start managing
an existing organisation as code. Assignments that active grants hold are
left out.`,
		Args: noArgsCmd,
	}
	path := addConfig(cmd)
	var identities bool
	var file string
	cmd.Flags().BoolVar(&identities, "identities", false, "also export users, groups and memberships (when Identity Center's own directory is the identity source)")
	cmd.Flags().StringVarP(&file, "output", "o", "", "write to FILE instead of stdout")
	_ = cmd.MarkFlagFilename("output", "yaml", "yml")
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if a.opts.Export == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot export Identity Center")
		}
		b, err := a.opts.Export(cmd.Context(), a.configPath(cmd, *path), identities)
		if err != nil {
			return err
		}
		if file == "" || file == "-" {
			_, err = cmd.OutOrStdout().Write(b)
			return err
		}
		if err := os.WriteFile(file, b, 0o644); err != nil {
			return stint.Errorf(stint.EINVALID, "write %s: %v", file, err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "Wrote %s; `stint plan -f %s` should report no changes.\n", file, file)
		return nil
	})
	return cmd
}
