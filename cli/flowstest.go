package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/client"
)

// flowCase is one case of a `stint flows test` file.
type flowCase struct {
	Name    string `yaml:"name"` // optional; printed instead of the request
	User    string `yaml:"user"`
	Request struct {
		Account       string `yaml:"account"`
		PermissionSet string `yaml:"permission_set"`
		Duration      string `yaml:"duration"`
	} `yaml:"request"`
	Expect string `yaml:"expect"` // allow or deny
	// Flow, AutoApprove and Approvers, when set, are checked on an allow.
	Flow        string   `yaml:"flow"`
	AutoApprove *bool    `yaml:"auto_approve"`
	Approvers   []string `yaml:"approvers"` // every step's approvers, in any order

	pos      string // file:line
	duration time.Duration
}

func (a *app) flowsTestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "test FILE",
		Short: "Check the server's flows against a YAML file of cases (for CI)",
		Long: `Check each case of FILE (a YAML list; "-" reads stdin) against the server's
flows, as ` + "`stint can`" + ` would, and print PASS or FAIL with the difference per case,
then a summary. Exit codes: 0 when every case passes, 1 when one fails.

A case:

  - name: on-call admin needs two approvals   # optional
    user: alice@example.com
    request: {account: prod-payments, permission_set: AdministratorAccess, duration: 2h}
    expect: allow                              # or deny
    flow: prod-admin                           # optional, for allow
    auto_approve: false                        # optional, for allow
    approvers: [group:Security, group:Managers] # optional, for allow: every step's, any order

Asking about other users needs an admin's token.`,
		Example: "  stint flows test flows_test.yaml",
		Args:    exactArgs(1),
	}
	cmd.RunE = a.call(&output{format: outputTable}, nil, func(cmd *cobra.Command, c *client.Client, args []string) error {
		cases, err := readFlowCases(cmd.InOrStdin(), args[0])
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		failed := 0
		for _, fc := range cases {
			diffs, err := runFlowCase(cmd, c, fc)
			if err != nil {
				return fmt.Errorf("%s: %w", fc.pos, err)
			}
			verdict := "PASS"
			if len(diffs) > 0 {
				verdict = "FAIL"
				failed++
			}
			line := fmt.Sprintf("%s  %s  %s: ", verdict, fc.pos, fc.label())
			if len(diffs) > 0 {
				line += strings.Join(diffs, "; ")
			} else {
				line += fc.Expect
			}
			fmt.Fprintln(w, line)
		}
		fmt.Fprintf(w, "%d passed, %d failed, %d cases\n", len(cases)-failed, failed, len(cases))
		if failed > 0 {
			return &printedError{code: ExitError}
		}
		return nil
	})
	return cmd
}

// runFlowCase asks the server about one case and returns how its answer
// differs from the expectation. An unknown account or permission set, or
// a rejected input, is a difference; other errors end the run.
func runFlowCase(cmd *cobra.Command, c *client.Client, fc *flowCase) ([]string, error) {
	ex, err := c.Can(cmd.Context(), client.CanInput{
		User: fc.User, Account: fc.Request.Account, PermissionSet: fc.Request.PermissionSet, Duration: fc.duration,
	})
	if stint.IsCode(err, stint.ENOTFOUND) || stint.IsCode(err, stint.EINVALID) {
		return []string{"error: " + stint.ErrorMessage(err)}, nil
	}
	if err != nil {
		return nil, err
	}
	got := "deny"
	if ex.Allowed {
		got = "allow"
	}
	if got != fc.Expect {
		diff := fmt.Sprintf("expected %s, got %s", fc.Expect, got)
		if ex.Allowed {
			diff += " through " + ex.Flow
		} else if len(ex.Reasons) > 0 {
			reasons := make([]string, len(ex.Reasons))
			for i, r := range ex.Reasons {
				reasons[i] = r.Flow + ": " + r.Reason
			}
			diff += " (" + strings.Join(reasons, "; ") + ")"
		}
		return []string{diff}, nil
	}
	if !ex.Allowed {
		return nil, nil
	}
	var diffs []string
	if fc.Flow != "" && fc.Flow != ex.Flow {
		diffs = append(diffs, fmt.Sprintf("expected flow %s, got %s", fc.Flow, ex.Flow))
	}
	if fc.AutoApprove != nil && *fc.AutoApprove != ex.AutoApprove {
		diffs = append(diffs, fmt.Sprintf("expected auto_approve %t, got %t", *fc.AutoApprove, ex.AutoApprove))
	}
	if fc.Approvers != nil {
		var got []string
		for _, st := range ex.Steps {
			got = append(got, st.Approvers...)
		}
		want := sortedSet(fc.Approvers)
		if got = sortedSet(got); !slices.Equal(want, got) {
			diffs = append(diffs, fmt.Sprintf("expected approvers [%s], got [%s]", strings.Join(want, ", "), strings.Join(got, ", ")))
		}
	}
	return diffs, nil
}

func sortedSet(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// label names the case in the report: its name, or its request.
func (fc *flowCase) label() string {
	if fc.Name != "" {
		return fc.Name
	}
	s := fmt.Sprintf("%s request %s/%s", fc.User, fc.Request.Account, fc.Request.PermissionSet)
	if fc.Request.Duration != "" {
		s += " for " + fc.Request.Duration
	}
	return s
}

// readFlowCases reads and checks the cases of path ("-" for stdin). Errors
// are EINVALID and name the file and line.
func readFlowCases(stdin io.Reader, path string) ([]*flowCase, error) {
	var (
		data []byte
		err  error
		name = path
	)
	if path == "-" {
		name = "stdin"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, stint.Errorf(stint.EINVALID, "no such file %s", path)
	}
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "read %s: %v", path, err)
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(name, err, 0)
	}
	var seq *ast.SequenceNode
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		seq, _ = f.Docs[0].Body.(*ast.SequenceNode)
	}
	if seq == nil || len(seq.Values) == 0 {
		return nil, stint.Errorf(stint.EINVALID, "%s holds no cases; it must be a YAML list such as "+
			"- {user: alice@example.com, request: {account: prod-payments, permission_set: ReadOnly}, expect: allow}", name)
	}
	cases := make([]*flowCase, len(seq.Values))
	for i, n := range seq.Values {
		line := n.GetToken().Position.Line
		fc := &flowCase{pos: fmt.Sprintf("%s:%d", name, line)}
		if err := yaml.NodeToValue(n, fc, yaml.DisallowUnknownField()); err != nil {
			return nil, yamlError(name, err, line)
		}
		if err := fc.check(); err != nil {
			return nil, stint.Errorf(stint.EINVALID, "%s: case %d: %s", fc.pos, i+1, err)
		}
		cases[i] = fc
	}
	return cases, nil
}

// check validates a case and parses its duration.
func (fc *flowCase) check() error {
	switch {
	case strings.TrimSpace(fc.User) == "":
		return errors.New("user is required, e.g. user: alice@example.com")
	case fc.Request.Account == "" || fc.Request.PermissionSet == "":
		return errors.New("request needs account and permission_set")
	case fc.Expect != "allow" && fc.Expect != "deny":
		return fmt.Errorf("expect must be allow or deny, not %q", fc.Expect)
	case fc.Expect == "deny" && (fc.Flow != "" || fc.AutoApprove != nil || fc.Approvers != nil):
		return errors.New("flow, auto_approve and approvers describe an allow; drop them or expect: allow")
	}
	if fc.Request.Duration != "" {
		d, err := stint.ParseDuration(fc.Request.Duration)
		if err != nil {
			return fmt.Errorf("request.duration: %s", stint.ErrorMessage(err))
		}
		fc.duration = d
	}
	return nil
}

// yamlError turns a YAML error into EINVALID naming the file and line.
func yamlError(name string, err error, line int) error {
	msg := err.Error()
	var ye yaml.Error
	if errors.As(err, &ye) {
		msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
	}
	if line > 0 {
		return stint.Errorf(stint.EINVALID, "%s:%d: %s", name, line, msg)
	}
	return stint.Errorf(stint.EINVALID, "%s: %s", name, msg)
}
