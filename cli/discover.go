package cli

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/discovery"
)

// DiscoverRequest is what `stint discover` asks of Options.Discover.
type DiscoverRequest struct {
	ConfigPath string
	Thresholds discovery.Thresholds
	Parallel   int
	// Propose is the folder to write a proposal into; "" for none.
	Propose        string
	Approvers      []string
	PermissionSets []string
	Progress       func(done, total int, step string)
}

// DiscoverResult is what Options.Discover answers.
type DiscoverResult struct {
	Scan     *stint.Scan         `json:"scan"`
	Diff     *stint.ScanDiff     `json:"diff,omitempty"`
	Proposal *discovery.Proposal `json:"proposal,omitempty"`
}

// outputCSV is the third format of the discover commands.
const outputCSV = "csv"

// discoverOutput is -o of the discover commands: table, json or csv.
type discoverOutput struct{ format string }

func addDiscoverOutput(cmd *cobra.Command, csv bool) *discoverOutput {
	o := &discoverOutput{}
	formats := []string{outputTable, outputJSON}
	if csv {
		formats = append(formats, outputCSV)
	}
	cmd.Flags().StringVarP(&o.format, "output", "o", outputTable, "output format: "+strings.Join(formats, ", "))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
	return o
}

func (o *discoverOutput) check(csv bool) error {
	switch o.format {
	case outputTable, outputJSON:
		return nil
	case outputCSV:
		if csv {
			return nil
		}
	}
	if csv {
		return stint.Errorf(stint.EINVALID, "unknown output format %q; use table, json or csv", o.format)
	}
	return stint.Errorf(stint.EINVALID, "unknown output format %q; use table or json", o.format)
}

func (a *app) discoverCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "discover",
		Short:   "Find standing access and turn it into on-demand access",
		GroupID: "identity",
		Long: `Scan every account of the organisation for standing access: Identity
Center assignments (groups expanded to people) and what their permission
sets allow, and each account's IAM users, keys, MFA, policies and roles
that other accounts may assume. The scan is stored; its findings are
printed with a risk score and a reason, highest first. Access stint holds
for grants is never reported as standing.

With --propose DIR, it also writes flows that give the same people the
same access on demand, and an identity file whose plan removes the
standing assignments those flows replace (with an export of the current
set-up first, to undo). Nothing changes in AWS until you apply it with
` + "`stint apply -f DIR/identity.yaml --prune`" + `.

Reads AWS with the credentials and config of ` + "`stint plan`" + ` (the aws section
and the member role); see docs/discovery.md for the permissions.`,
		Example: `  stint discover
  stint discover -o csv > findings.csv
  stint discover --propose proposal/ --approvers group:Security
  stint discover diff
  stint discover findings --kind standing_admin --min-score 60`,
		Args: noArgsCmd,
	}
	path := addConfig(cmd)
	out := addDiscoverOutput(cmd, true)
	var (
		propose, unused, keyAge string
		approvers, permSets     []string
		wide, parallel          int
		inventory               bool
	)
	cmd.Flags().StringVar(&propose, "propose", "", "write flows and a removal plan into this folder")
	_ = cmd.MarkFlagDirname("propose")
	cmd.Flags().StringSliceVar(&approvers, "approvers", nil, "who approves admin-equivalent access in proposed flows (group:NAME or user:EMAIL); default a placeholder to fill in")
	cmd.Flags().StringSliceVar(&permSets, "permission-set", nil, "propose only for these permission sets (repeat or comma-separate)")
	cmd.Flags().StringVar(&unused, "unused", "90d", "access unused this long is reported (e.g. 90d)")
	cmd.Flags().StringVar(&keyAge, "key-age", "90d", "active access keys older than this are reported")
	cmd.Flags().IntVar(&wide, "wide", discovery.DefaultWidePeople, "this many people holding the same access in an account is reported")
	cmd.Flags().IntVar(&parallel, "parallel", discovery.DefaultParallel, "accounts read at once")
	cmd.Flags().BoolVar(&inventory, "inventory", false, "with -o json, include the full inventory")
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(true); err != nil {
			return err
		}
		th, err := thresholds(unused, keyAge, wide)
		if err != nil {
			return err
		}
		if parallel < 1 {
			return stint.Errorf(stint.EINVALID, "--parallel must be at least 1")
		}
		for _, ap := range approvers {
			if err := stint.ValidatePrincipalRef(ap); err != nil {
				return stint.Errorf(stint.EINVALID, "--approvers: %s", stint.ErrorMessage(err))
			}
		}
		if a.opts.Discover == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot discover")
		}
		errw := cmd.ErrOrStderr()
		prog := newProgress(errw, a.opts.IsTerminal(errw))
		prog.verb = "Scanned"
		req := DiscoverRequest{ConfigPath: a.configPath(cmd, *path), Thresholds: th, Parallel: parallel, Propose: propose,
			Approvers: approvers, PermissionSets: permSets, Progress: prog.update}
		res, err := a.opts.Discover(cmd.Context(), req)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		switch out.format {
		case outputJSON:
			if !inventory {
				res.Scan.Inventory = nil
			}
			return writeJSON(w, res)
		case outputCSV:
			return stint.WriteFindingsCSV(w, res.Scan.ID, res.Scan.Findings)
		}
		writeScan(w, res.Scan, a.opts.Now())
		if res.Diff != nil {
			fmt.Fprintf(w, "\nSince scan %s: %d new, %d resolved, %d rescored (`stint discover diff` for the list).\n",
				res.Diff.From.ID, len(res.Diff.New), len(res.Diff.Resolved), len(res.Diff.Changed))
		}
		if res.Proposal != nil {
			writeProposal(w, res.Proposal, propose)
		}
		return nil
	})
	cmd.AddCommand(a.discoverScansCmd(), a.discoverFindingsCmd(), a.discoverDiffCmd())
	return cmd
}

// thresholds reads the threshold flags.
func thresholds(unused, keyAge string, wide int) (discovery.Thresholds, error) {
	days := func(flag, v string) (int, error) {
		d, err := stint.ParseDuration(v)
		if err != nil || d < 24*time.Hour {
			return 0, stint.Errorf(stint.EINVALID, "--%s %q must be a duration of a day or more, e.g. 90d", flag, v)
		}
		return int(d / (24 * time.Hour)), nil
	}
	u, err := days("unused", unused)
	if err != nil {
		return discovery.Thresholds{}, err
	}
	k, err := days("key-age", keyAge)
	if err != nil {
		return discovery.Thresholds{}, err
	}
	if wide < 2 {
		return discovery.Thresholds{}, stint.Errorf(stint.EINVALID, "--wide must be 2 or more people")
	}
	return discovery.Thresholds{UnusedDays: u, KeyAgeDays: k, WidePeople: wide}, nil
}

// writeScan prints a scan's summary, unscanned accounts, notes and
// findings.
func writeScan(w io.Writer, s *stint.Scan, now time.Time) {
	sum := s.Summary
	calls := 0
	var bySvc []string
	for _, svc := range slices.Sorted(maps.Keys(sum.Calls)) {
		calls += sum.Calls[svc]
		bySvc = append(bySvc, fmt.Sprintf("%s %d", svc, sum.Calls[svc]))
	}
	fmt.Fprintf(w, "Scan %s (%s): %d of %d accounts scanned in %s", s.ID, relative(s.StartedAt, now), sum.AccountsScanned, sum.Accounts,
		(time.Duration(sum.DurationMS) * time.Millisecond).Round(100*time.Millisecond))
	if calls > 0 {
		fmt.Fprintf(w, ", %d API calls (%s)", calls, strings.Join(bySvc, ", "))
	}
	fmt.Fprintln(w, ".")
	for _, a := range s.Accounts {
		if !a.Scanned {
			fmt.Fprintf(w, "Not scanned: %s (%s): %s\n", a.Name, a.ID, a.Error)
		}
	}
	fmt.Fprintf(w, "Standing: %d Identity Center %s reaching %d %s; %d IAM %s; %d %s that other accounts may assume.\n",
		sum.StandingAssignments, plural(sum.StandingAssignments, "assignment"), sum.StandingPeople, people(sum.StandingPeople),
		sum.IAMUsers, plural(sum.IAMUsers, "user"), sum.IAMRoles, plural(sum.IAMRoles, "role"))
	fmt.Fprintf(w, "Held by stint for grants (not standing): %d %s. Permission sets: %d, %d admin-equivalent.\n",
		sum.HeldByStint, plural(sum.HeldByStint, "assignment"), sum.PermissionSets, sum.AdminPermissionSets)
	for _, n := range s.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	writeFindings(w, s)
}

func people(n int) string {
	if n == 1 {
		return "person"
	}
	return "people"
}

// writeFindings prints the severity counts and the findings table.
func writeFindings(w io.Writer, s *stint.Scan) {
	var sev []string
	for _, name := range stint.Severities {
		if n := s.Summary.BySeverity[name]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, name))
		}
	}
	if len(s.Findings) == 0 {
		fmt.Fprintln(w, "\nNo findings.")
		return
	}
	fmt.Fprintf(w, "\n%d %s (%s), highest risk first:\n", len(s.Findings), plural(len(s.Findings), "finding"), strings.Join(sev, ", "))
	t := newTable(w, "SCORE", "SEVERITY", "KIND", "ACCOUNT", "PRINCIPAL", "REASON")
	for _, f := range s.Findings {
		t.row(strconv.Itoa(f.Score), f.Severity, string(f.Kind), cmp.Or(f.AccountName, f.AccountID), cmp.Or(f.Principal, "-"), f.Reason)
	}
	_ = t.flush()
}

func writeProposal(w io.Writer, p *discovery.Proposal, dir string) {
	fmt.Fprintf(w, "\nProposal written to %s: %d flows replacing %d standing assignments (%d pairs checked with the policy engine).\n",
		dir, len(p.Flows), len(p.Removals), p.Checked)
	if ph := p.Placeholders(); len(ph) > 0 {
		fmt.Fprintf(w, "Fill in the approvers of %d %s (CHANGE-ME in flows.yaml): %s.\n", len(ph), plural(len(ph), "flow"), strings.Join(ph, ", "))
	}
	for _, prob := range p.Problems {
		if !strings.Contains(prob, "CHANGE-ME") {
			fmt.Fprintf(w, "Problem: %s\n", prob)
		}
	}
	for _, x := range p.Extra {
		fmt.Fprintf(w, "The plan would also: %s\n", x)
	}
	fmt.Fprintf(w, "Next: add %s/flows.yaml to stint.yaml, then `stint plan -f %s/identity.yaml --prune` and `stint apply -f %s/identity.yaml --prune` (undo: `stint apply -f %s/current.yaml`). See %s/README.md.\n",
		dir, dir, dir, dir, dir)
}

func (a *app) discoverScansCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "scans", Short: "List stored scans, newest first", Args: noArgsCmd}
	path := addConfig(cmd)
	out := addDiscoverOutput(cmd, false)
	var limit int
	cmd.Flags().IntVar(&limit, "limit", 20, "how many scans")
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(false); err != nil {
			return err
		}
		if a.opts.DiscoverScans == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot read scans")
		}
		scans, err := a.opts.DiscoverScans(cmd.Context(), a.configPath(cmd, *path), limit)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.format == outputJSON {
			return writeJSON(w, nonNil(scans))
		}
		if len(scans) == 0 {
			fmt.Fprintln(cmd.ErrOrStderr(), "No scans yet; run `stint discover`.")
			return nil
		}
		now := a.opts.Now()
		t := newTable(w, "SCAN", "STARTED", "ACCOUNTS", "STANDING", "FINDINGS", "CRITICAL", "HIGH", "TOTAL SCORE")
		for _, s := range scans {
			sum := s.Summary
			t.row(s.ID, relative(s.StartedAt, now), fmt.Sprintf("%d/%d", sum.AccountsScanned, sum.Accounts), strconv.Itoa(sum.StandingAssignments),
				strconv.Itoa(sum.Findings), strconv.Itoa(sum.BySeverity[stint.SeverityCritical]), strconv.Itoa(sum.BySeverity[stint.SeverityHigh]),
				strconv.Itoa(sum.TotalScore))
		}
		return t.flush()
	})
	return cmd
}

func (a *app) discoverFindingsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "findings [SCAN]", Short: "Show a stored scan's findings (default: the latest)",
		Long: "SCAN is a scan ID, latest (the default) or previous.", Args: cobra.MaximumNArgs(1)}
	path := addConfig(cmd)
	out := addDiscoverOutput(cmd, true)
	var (
		kinds              []string
		minScore           int
		account, principal string
	)
	cmd.Flags().StringSliceVar(&kinds, "kind", nil, "only these kinds: "+kindList())
	cmd.Flags().IntVar(&minScore, "min-score", 0, "only findings scoring at least this")
	cmd.Flags().StringVar(&account, "account", "", "only findings in this account (ID or name)")
	cmd.Flags().StringVar(&principal, "principal", "", "only findings whose principal contains this")
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(true); err != nil {
			return err
		}
		p := stint.FindingListParams{MinScore: minScore, Account: account, Principal: principal}
		for _, k := range kinds {
			if !stint.FindingKind(k).Known() {
				return stint.Errorf(stint.EINVALID, "--kind %q is not a finding kind; use one of %s", k, kindList())
			}
			p.Kinds = append(p.Kinds, stint.FindingKind(k))
		}
		if minScore < 0 || minScore > 100 {
			return stint.Errorf(stint.EINVALID, "--min-score must be from 0 to 100")
		}
		if a.opts.DiscoverFindings == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot read scans")
		}
		ref := "latest"
		if len(args) == 1 {
			ref = args[0]
		}
		scan, err := a.opts.DiscoverFindings(cmd.Context(), a.configPath(cmd, *path), ref, p)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		switch out.format {
		case outputJSON:
			return writeJSON(w, nonNil(scan.Findings))
		case outputCSV:
			return stint.WriteFindingsCSV(w, scan.ID, scan.Findings)
		}
		fmt.Fprintf(w, "Scan %s (%s).\n", scan.ID, stamp(scan.StartedAt, a.opts.Now()))
		scan.Summary.Summarize(scan.Findings)
		writeFindings(w, scan)
		return nil
	})
	return cmd
}

func kindList() string {
	names := make([]string, len(stint.FindingKinds))
	for i, k := range stint.FindingKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func (a *app) discoverDiffCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "diff [FROM [TO]]", Short: "Compare two stored scans (default: previous and latest)",
		Long: "FROM and TO are scan IDs, latest or previous; by default previous and latest.", Args: cobra.MaximumNArgs(2)}
	path := addConfig(cmd)
	out := addDiscoverOutput(cmd, false)
	cmd.RunE = run(func(cmd *cobra.Command, args []string) error {
		if err := out.check(false); err != nil {
			return err
		}
		if a.opts.DiscoverDiff == nil {
			return stint.Errorf(stint.EINTERNAL, "this build of stint cannot read scans")
		}
		from, to := "previous", "latest"
		if len(args) > 0 {
			from = args[0]
		}
		if len(args) > 1 {
			to = args[1]
		}
		d, err := a.opts.DiscoverDiff(cmd.Context(), a.configPath(cmd, *path), from, to)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if out.format == outputJSON {
			return writeJSON(w, d)
		}
		writeDiff(w, d, a.opts.Now())
		return nil
	})
	return cmd
}

func writeDiff(w io.Writer, d *stint.ScanDiff, now time.Time) {
	fmt.Fprintf(w, "From scan %s (%s) to %s (%s): findings %d -> %d, total score %d -> %d.\n", d.From.ID, relative(d.From.StartedAt, now),
		d.To.ID, relative(d.To.StartedAt, now), d.From.Findings, d.To.Findings, d.From.TotalScore, d.To.TotalScore)
	var kinds []string
	for _, k := range stint.FindingKinds {
		if c, ok := d.ByKind[k]; ok && c.From != c.To {
			kinds = append(kinds, fmt.Sprintf("%s %d -> %d", k, c.From, c.To))
		}
	}
	if len(kinds) > 0 {
		fmt.Fprintf(w, "By kind: %s.\n", strings.Join(kinds, ", "))
	}
	fmt.Fprintf(w, "Standing assignments: %d added, %d removed.\n", len(d.AssignmentsAdded), len(d.AssignmentsRemoved))
	section := func(title string, fs []stint.Finding, old map[string]int) {
		if len(fs) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (%d):\n", title, len(fs))
		t := newTable(w, "SCORE", "KIND", "ACCOUNT", "PRINCIPAL", "REASON")
		for _, f := range fs {
			score := strconv.Itoa(f.Score)
			if o, ok := old[f.Key]; ok {
				score = fmt.Sprintf("%d (was %d)", f.Score, o)
			}
			t.row(score, string(f.Kind), cmp.Or(f.AccountName, f.AccountID), cmp.Or(f.Principal, "-"), f.Reason)
		}
		_ = t.flush()
	}
	section("New", d.New, nil)
	section("Resolved", d.Resolved, nil)
	changed, old := make([]stint.Finding, len(d.Changed)), map[string]int{}
	for i, c := range d.Changed {
		changed[i], old[c.Key] = c.Finding, c.OldScore
	}
	section("Rescored", changed, old)
	if len(d.New)+len(d.Resolved)+len(d.Changed) == 0 {
		fmt.Fprintln(w, "No finding changed.")
	}
}
