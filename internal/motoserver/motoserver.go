package motoserver

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Binary is the name of the moto server executable looked up on PATH.
const Binary = "moto_server"

// Region is the region of the configurations AWSConfig returns.
const Region = "us-east-1"

// AccountID is the account that the static test credentials act as.
const AccountID = "123456789012"

// DefaultStartTimeout bounds how long Run waits for moto to answer.
const DefaultStartTimeout = 30 * time.Second

// Options configure Run.
type Options struct {
	// Port to listen on; 0 (the default) picks a free port.
	Port int
	// Host to listen on; default 127.0.0.1.
	Host string
	// Output receives moto's stdout and stderr; default: kept in memory and
	// reported if moto fails to start.
	Output io.Writer
	// Env is added to the environment of the moto process.
	Env []string
	// NoManagedPolicies leaves AWS managed policies (AdministratorAccess,
	// ...) out of IAM. By default moto runs with
	// MOTO_IAM_LOAD_MANAGED_POLICIES=true so they exist, which costs about
	// 0.6 s of moto's time for every account whose IAM is first touched,
	// including each Organizations CreateAccount (it creates the member's
	// OrganizationAccountAccessRole). Identity Center needs no IAM policies:
	// its tests can set this.
	NoManagedPolicies bool
	// StartTimeout bounds the wait for moto to answer; default 30s.
	StartTimeout time.Duration
	// SSOAdminExtensions starts moto through ssoadmin_ext.py (embedded in
	// this package; its header lists every patch) instead of moto_server.
	// The script patches moto 5.2.1's sso-admin and identitystore in memory
	// so they answer like AWS where moto does not: TagResource,
	// UntagResource and ListTagsForResource on permission sets and
	// instances, DescribePermissionSetProvisioningStatus for the request IDs
	// that ProvisionPermissionSet returns, SessionDuration "PT1H" (not the
	// number 3600, which the Go SDK rejects) when CreatePermissionSet omits
	// it, one assignment per (target, permission set, principal) however
	// often CreateAccountAssignment is called, identitystore UpdateUser and
	// UpdateGroup, permissions boundaries (Put, Get, Delete), and
	// provisioning per (permission set, account): assignments provision,
	// changes leave accounts at LATEST_PERMISSION_SET_NOT_PROVISIONED until
	// ProvisionPermissionSet, and both provisioning listings honour
	// AccountId, ProvisioningStatus and pages. Identity Center tests and the
	// Terraform benchmark need these; Terraform's permission-set resource
	// hangs on stock moto. It runs with the Python interpreter of the
	// moto_server on PATH and takes the same arguments, environment and
	// process handling. The default, false, runs stock moto_server.
	SSOAdminExtensions bool
	// EKSExtensions imports eks_ext.py (embedded in this package; its
	// header lists every patch) into moto before it starts, with the
	// sso-admin extensions too when SSOAdminExtensions is set: EKS access
	// entries and access policies (CreateAccessEntry, DescribeAccessEntry,
	// ListAccessEntries, DeleteAccessEntry, AssociateAccessPolicy,
	// ListAssociatedAccessPolicies, DisassociateAccessPolicy,
	// ListAccessPolicies), which moto 5.2.1 answers with 404 HTML pages,
	// and clusters' access configuration (authentication mode, the
	// creator's admin entry, UpdateClusterConfig of the mode). Default
	// false: stock moto's EKS.
	EKSExtensions bool
	// IAMExtensions imports iam_ext.py (embedded in this package; its
	// header lists the tags) into moto before it starts, with the other
	// extensions asked for: TagUser and TagRole with moto-ext:* tags set
	// the dates moto otherwise stamps with the time of the call (a user's
	// and a role's creation, its access keys' creation and last use, its
	// password's last use, a role's last use), so that tests can make the
	// old keys and unused roles AWS would report. Default false.
	IAMExtensions bool
}

// Server is a running moto_server process.
type Server struct {
	url     string
	cmd     *exec.Cmd
	output  *lockedBuffer
	done    chan struct{}
	listen  chan string // the URL moto prints once it listens
	waitErr error
	// scriptDir holds the SSOAdminExtensions wrapper; removed by Close.
	scriptDir string

	closeOnce sync.Once
}

// Start starts a moto server for a test and stops it when the test and its
// subtests finish. It fails the test with instructions when moto_server is
// not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with options.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartTimeout)
	defer cancel()
	s, err := Run(ctx, opts)
	if err != nil {
		t.Fatalf("start moto: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Run starts moto_server (or, with SSOAdminExtensions, its wrapper) and
// waits until it answers HTTP. The process runs until Close is called; ctx
// bounds only the start. It returns an error that
// says how to install moto when moto_server is not on PATH.
func Run(ctx context.Context, opts Options) (*Server, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, fmt.Errorf("%s not found on PATH: install moto 5.2.1 with `pip install 'moto[server]==5.2.1'` and make sure moto_server is on PATH", Binary)
	}
	argv, scriptDir := []string{bin}, ""
	if opts.SSOAdminExtensions || opts.EKSExtensions || opts.IAMExtensions {
		if argv, scriptDir, err = launchCommand(bin, opts); err != nil {
			return nil, err
		}
	}
	host := cmp.Or(opts.Host, "127.0.0.1")
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = DefaultStartTimeout
	}
	// With Port 0 moto binds a free port itself and prints it: picking one
	// here and handing it over races with every other process that binds
	// ports meanwhile, and the loser's readiness probe then reaches the
	// winner.
	s, err := start(ctx, argv, host, opts, timeout)
	if err != nil {
		if scriptDir != "" {
			_ = os.RemoveAll(scriptDir)
		}
		return nil, err
	}
	s.scriptDir = scriptDir
	return s, nil
}

// runningOn matches the line werkzeug prints once it listens.
var runningOn = regexp.MustCompile(`Running on (http://\S+:\d+)`)

func start(ctx context.Context, argv []string, host string, opts Options, timeout time.Duration) (*Server, error) {
	s := &Server{
		output: &lockedBuffer{},
		done:   make(chan struct{}),
		listen: make(chan string, 1),
	}
	s.output.watch = func(line string) {
		if m := runningOn.FindStringSubmatch(line); m != nil {
			select {
			case s.listen <- m[1]:
			default:
			}
		}
	}
	s.cmd = exec.Command(argv[0], slices.Concat(argv[1:], []string{"-H", host, "-p", strconv.Itoa(opts.Port)})...)
	s.cmd.Env = append(append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES="+strconv.FormatBool(!opts.NoManagedPolicies)), opts.Env...)
	var out io.Writer = s.output
	if opts.Output != nil {
		out = io.MultiWriter(s.output, opts.Output)
	}
	s.cmd.Stdout, s.cmd.Stderr = out, out
	// Own process group, and killed with us if this process dies first.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx, timeout); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.url }

// AWSConfig returns an SDK configuration for this server; see AWSConfig.
func (s *Server) AWSConfig() aws.Config { return AWSConfig(s.url) }

// Reset clears every account's and region's state in the server. Instance
// ARNs and identity store IDs change after a reset.
func (s *Server) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset moto: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset moto: HTTP %d", resp.StatusCode)
	}
	return nil
}

// Close stops the server and waits for the process to exit.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.cmd.Process == nil {
			return
		}
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
		if s.scriptDir != "" {
			_ = os.RemoveAll(s.scriptDir)
		}
	})
	return nil
}

// AWSConfig returns an SDK configuration that sends every service to
// endpoint with static test credentials (account 123456789012) in region
// us-east-1. S3 clients built from it also need UsePathStyle.
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// waitReady waits for moto to say where it listens, then for it to
// answer there.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case s.url = <-s.listen:
	case <-s.done:
		return fmt.Errorf("moto_server exited before listening (%v); output:\n%s", s.waitErr, s.output.String())
	case <-ctx.Done():
		return fmt.Errorf("moto_server did not say where it listens within %s; output:\n%s", timeout, s.output.String())
	}
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/moto-api/data.json", nil)
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("moto_server exited before answering (%v); output:\n%s", s.waitErr, s.output.String())
		case <-ctx.Done():
			return fmt.Errorf("moto_server did not answer on %s within %s; output:\n%s", s.url, timeout, s.output.String())
		case <-tick.C:
		}
	}
}

// lockedBuffer collects process output for error messages and hands each
// complete line to watch.
type lockedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	watch   func(line string)
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.watch != nil {
		b.partial = append(b.partial, p...)
		for {
			i := bytes.IndexByte(b.partial, '\n')
			if i < 0 {
				break
			}
			b.watch(string(b.partial[:i]))
			b.partial = b.partial[i+1:]
		}
		if len(b.partial) > 4<<10 {
			b.partial = nil
		}
	}
	if b.buf.Len() > 64<<10 { // keep memory bounded in long demo runs
		b.buf.Reset()
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
