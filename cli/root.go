package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
	"github.com/stint-dev/stint/client"
	"github.com/stint-dev/stint/identityconfig"
)

// Defaults of the global flags.
const (
	DefaultServer = "http://127.0.0.1:8080"
	DefaultConfig = "stint.yaml"
)

// Options configures the command tree.
type Options struct {
	// Serve runs the server until ctx ends (`stint serve`).
	Serve func(ctx context.Context, configPath string) error
	// CreateToken creates an API token for the user with that email and
	// returns its secret (`stint token create`). A ttl of 0 means the token
	// never expires.
	CreateToken func(ctx context.Context, configPath, email, name string, ttl time.Duration) (string, error)
	// ValidateConfig checks a config file (`stint config validate`); its
	// error text may span lines.
	ValidateConfig func(configPath string) error
	// Discover scans the organisation's standing access, stores the scan
	// and, with a folder, writes a proposal (`stint discover`).
	Discover func(ctx context.Context, req DiscoverRequest) (*DiscoverResult, error)
	// DiscoverScans, DiscoverFindings and DiscoverDiff read stored scans
	// (`stint discover scans|findings|diff`); scans are named by ID,
	// "latest" or "previous".
	DiscoverScans    func(ctx context.Context, configPath string, limit int) ([]*stint.Scan, error)
	DiscoverFindings func(ctx context.Context, configPath, scan string, p stint.FindingListParams) (*stint.Scan, error)
	DiscoverDiff     func(ctx context.Context, configPath, from, to string) (*stint.ScanDiff, error)
	// Plan plans an Identity Center file against the live set-up
	// (`stint plan`).
	Plan func(ctx context.Context, req PlanRequest) (*identityconfig.Plan, error)
	// Apply plans, confirms and applies an Identity Center file (`stint
	// apply`); see ApplyRequest. It returns a nil result when there is
	// nothing to do, and an error when the plan is not confirmed.
	Apply func(ctx context.Context, req ApplyRequest) (*identityconfig.ApplyResult, error)
	// Export writes the live Identity Center set-up as an identity file
	// (`stint export`).
	Export func(ctx context.Context, configPath string, identities bool) ([]byte, error)
	// VerifyAudit checks the audit trail in the config's store with the
	// config's checkpoint keys and the extra public keys given (`stint
	// audit verify`).
	VerifyAudit func(ctx context.Context, configPath string, keys []string) (*audit.Report, error)
	// AuditKeygen returns a new checkpoint key pair, base64 (`stint audit
	// keygen`).
	AuditKeygen func() (private, public string, err error)
	// SlackManifest returns the Slack app manifest for a server reachable
	// at baseURL (`stint slack manifest`).
	SlackManifest func(baseURL, name string) ([]byte, error)
	// IsTerminal reports whether a command's stdin or stdout (an io.Reader
	// or io.Writer) is a terminal: plans are coloured, apply asks and draws
	// a progress bar only then. Default: true for character devices.
	IsTerminal func(v any) bool
	// Version is printed by --version. Default: "dev".
	Version string
	// Getenv reads the environment (STINT_SERVER, STINT_TOKEN, STINT_CONFIG).
	// Default: os.Getenv.
	Getenv func(string) string
	// Now is the clock for human times ("in 59m"). Default: time.Now.
	Now func() time.Time
	// HTTPClient calls the server. Default: the client package's default.
	HTTPClient *http.Client
	// Prompt asks for a TOTP code (`stint creds`). Default: on /dev/tty.
	Prompt func(msg string) (string, error)
	// CacheDir keeps `stint creds` credentials. Default: the user cache
	// folder's stint/creds.
	CacheDir string
}

// exitCodes is the one table from stint error codes to exit codes.
var exitCodes = map[string]int{
	stint.EINTERNAL:     1,
	stint.EINVALID:      2,
	stint.EUNAUTHORIZED: 3,
	stint.EFORBIDDEN:    4,
	stint.ENOTFOUND:     5,
	stint.ECONFLICT:     6,
	stint.EUNAVAILABLE:  7,
}

// Exit codes outside the error-code table.
const (
	ExitOK    = 0
	ExitError = 1 // internal or other errors
	ExitUsage = 2 // same as EINVALID
)

// ExitCode returns the process exit code for err: the code table for errors
// that carry a stint code, 1 for other failures of a command, and 2 for
// cobra's own errors (unknown command or flag, wrong arguments).
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		se      *stint.Error
		printed *printedError
		failed  *runError
	)
	switch {
	case errors.As(err, &printed):
		return printed.code
	case errors.As(err, &se):
		if c, ok := exitCodes[se.Code]; ok {
			return c
		}
		return ExitError
	case errors.As(err, &failed):
		return ExitError
	}
	return ExitUsage
}

// runError marks a failure of a command's own work (as opposed to a usage
// error found by cobra) that carries no stint code.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// printedError is an error whose text the command already printed.
type printedError struct{ code int }

func (e *printedError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Execute runs the command tree with args and returns the exit code. On
// error it prints exactly one line, "stint: <message>", to stderr.
func Execute(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var printed *printedError
	if !errors.As(err, &printed) {
		fmt.Fprintf(stderr, "stint: %s\n", oneLine(err.Error()))
	}
	return ExitCode(err)
}

// oneLine folds a message onto one line.
func oneLine(msg string) string {
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	if len(parts) == 0 {
		return "failed"
	}
	return strings.Join(parts, " ")
}

// app holds what every command shares: options and global flags.
type app struct {
	opts   Options
	server string
	token  string
}

// NewRoot builds the `stint` command tree.
func NewRoot(opts Options) *cobra.Command {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IsTerminal == nil {
		opts.IsTerminal = isTerminal
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	a := &app{opts: opts}
	root := &cobra.Command{
		Use:   "stint",
		Short: "Just-in-time access to AWS",
		Long: `stint grants AWS access when it is needed, for as long as it is needed.

Request access with ` + "`stint request`" + `, see what you may request with ` + "`stint resources`" + `,
review others' requests with ` + "`stint requests --pending`" + `, and ask why
with ` + "`stint can USER request ACCOUNT PERMISSION_SET`" + `.

Exit codes: 0 ok, 1 internal error, 2 invalid input, 3 unauthorized,
4 forbidden, 5 not found, 6 conflict, 7 server unavailable.`,
		Version:           opts.Version,
		SilenceErrors:     true,
		SilenceUsage:      true,
		Args:              noArgs,
		RunE:              func(cmd *cobra.Command, args []string) error { return cmd.Help() },
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return stint.Errorf(stint.EINVALID, "%s; see `%s --help`", err, cmd.CommandPath())
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.server, "server", DefaultServer, "stint server URL (env STINT_SERVER)")
	pf.StringVar(&a.token, "token", "", "API token (env STINT_TOKEN)")

	root.AddGroup(
		&cobra.Group{ID: "access", Title: "Access:"},
		&cobra.Group{ID: "review", Title: "Reviews and audit:"},
		&cobra.Group{ID: "flows", Title: "Flows and policy:"},
		&cobra.Group{ID: "admin", Title: "Server and administration:"},
		&cobra.Group{ID: "identity", Title: "Identity Center as code:"},
	)
	root.AddCommand(a.discoverCmd())
	root.AddCommand(a.reviewCmd())
	root.AddCommand(
		a.resourcesCmd(), a.requestCmd(), a.requestsCmd(), a.grantsCmd(), a.activateCmd(), a.revokeCmd(), a.extendCmd(), a.whoamiCmd(),
		a.approveCmd(), a.denyCmd(), a.cancelCmd(), a.auditCmd(),
		a.canCmd(), a.whoCanCmd(), a.flowsCmd(),
		a.serveCmd(), a.configCmd(), a.tokenCmd(),
		a.planCmd(), a.applyCmd(), a.exportCmd(),
		a.slackCmd(),
		a.externalCmd(), a.credsCmd(),
	)
	return root
}

// run wraps a command's work so that its uncoded errors exit 1, not 2.
func run(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		var (
			se      *stint.Error
			printed *printedError
		)
		if err == nil || errors.As(err, &se) || errors.As(err, &printed) {
			return err
		}
		return &runError{err}
	}
}

// client returns an API client for the global flags (or their environment
// variables). It returns EINVALID for a bad server URL and EUNAUTHORIZED
// when no token is set, before anything is sent.
func (a *app) client(cmd *cobra.Command) (*client.Client, error) {
	server := a.server
	if f := cmd.Flags().Lookup("server"); (f == nil || !f.Changed) && a.opts.Getenv("STINT_SERVER") != "" {
		server = a.opts.Getenv("STINT_SERVER")
	}
	if err := client.CheckServer(server); err != nil {
		return nil, err
	}
	token := a.token
	if f := cmd.Flags().Lookup("token"); f == nil || !f.Changed {
		token = a.opts.Getenv("STINT_TOKEN")
	}
	if strings.TrimSpace(token) == "" {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "no API token; set --token or STINT_TOKEN (an admin creates one with `stint token create --user EMAIL`)")
	}
	var opts []client.Option
	if a.opts.HTTPClient != nil {
		opts = append(opts, client.WithHTTPClient(a.opts.HTTPClient))
	}
	opts = append(opts, client.WithUserAgent("stint-cli/"+a.opts.Version))
	return client.New(server, token, opts...), nil
}

// configPath returns --config, else STINT_CONFIG, else stint.yaml.
func (a *app) configPath(cmd *cobra.Command, flag string) string {
	if f := cmd.Flags().Lookup("config"); f != nil && f.Changed {
		return flag
	}
	if env := a.opts.Getenv("STINT_CONFIG"); env != "" {
		return env
	}
	return flag
}

// Argument checks that answer with the usage line.

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		hint := ""
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			hint = "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return stint.Errorf(stint.EINVALID, "unknown command %q for %q%s; run `%s --help`", args[0], cmd.CommandPath(), hint, cmd.CommandPath())
	}
	return nil
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return stint.Errorf(stint.EINVALID, "%s takes %d argument(s), got %d; usage: %s", cmd.CommandPath(), n, len(args), cmd.UseLine())
		}
		for i, arg := range args {
			if strings.TrimSpace(arg) == "" {
				return stint.Errorf(stint.EINVALID, "argument %d of %s is empty; usage: %s", i+1, cmd.CommandPath(), cmd.UseLine())
			}
		}
		return nil
	}
}

func noArgsCmd(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return stint.Errorf(stint.EINVALID, "%s takes no arguments, got %q; usage: %s", cmd.CommandPath(), args[0], cmd.UseLine())
	}
	return nil
}
