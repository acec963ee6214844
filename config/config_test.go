package config_test

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

// exampleFile is the stint.yaml of the documentation; it must always load.
const exampleFile = `store: sqlite:///var/lib/stint/stint.db   # or postgres://...
listen: 127.0.0.1:8080
admins: [bob@example.com]
aws:
  region: us-east-1
flows:
  - name: prod-admin
    requesters: [group:Engineers]
    resources:
      - identity_center: {accounts: ["ou:Prod"], permission_sets: [AdministratorAccess]}
    max_duration: 4h
    approvers: [group:Security]
  - name: sandbox-read
    requesters: [group:Engineers]
    resources:
      - identity_center: {accounts: ["ou:Sandbox", "name:dev-002"], permission_sets: [ReadOnlyAccess]}
    max_duration: 8h
    auto_approve: true
`

func noEnv(string) string { return "" }

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func exampleFlows() []stint.Flow {
	return []stint.Flow{
		{
			Name:       "prod-admin",
			Requesters: []string{"group:Engineers"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"ou:Prod"}, PermissionSets: []string{"AdministratorAccess"},
			}}},
			MaxDuration: stint.Duration(4 * time.Hour),
			Approvers:   []string{"group:Security"},
		},
		{
			Name:       "sandbox-read",
			Requesters: []string{"group:Engineers"},
			Resources: []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{
				Accounts: []string{"ou:Sandbox", "name:dev-002"}, PermissionSets: []string{"ReadOnlyAccess"},
			}}},
			MaxDuration: stint.Duration(8 * time.Hour),
			AutoApprove: true,
		},
	}
}

func requireExample(t *testing.T, c *config.Config) {
	t.Helper()
	require.Equal(t, "sqlite:///var/lib/stint/stint.db", c.Store)
	kind, target := c.StoreKind()
	require.Equal(t, "sqlite", kind)
	require.Equal(t, "/var/lib/stint/stint.db", target)
	require.Equal(t, "127.0.0.1:8080", c.Listen)
	require.Equal(t, []string{"bob@example.com"}, c.Admins)
	require.Equal(t, config.AWSConfig{Region: "us-east-1", RateLimit: 20, MaxCreatesInFlight: 10, MemberRole: "OrganizationAccountAccessRole"}, c.AWS)
	require.Equal(t, exampleFlows(), c.Flows)
	require.Equal(t, stint.Duration(5*time.Minute), c.ReconcileInterval)
	require.Equal(t, stint.Duration(5*time.Minute), c.SyncInterval)
	require.Equal(t, "info", c.LogLevel)
	require.Equal(t, stint.Duration(10*time.Second), c.ExpiryLookahead)
	for _, f := range c.Flows {
		require.NoError(t, f.Validate())
	}
}

// TestLoadExample is not parallel: it clears the STINT_ variables that Load reads.
func TestLoadExample(t *testing.T) {
	for _, k := range []string{"STINT_STORE", "STINT_LISTEN", "STINT_ADMINS", "STINT_AWS_REGION", "STINT_AWS_INSTANCE_ARN", "STINT_AWS_ENDPOINT", "STINT_LOG_LEVEL"} {
		t.Setenv(k, "")
	}
	path := filepath.Join(t.TempDir(), "stint.yaml")
	require.NoError(t, os.WriteFile(path, []byte(exampleFile), 0o600))
	c, err := config.Load(path)
	require.NoError(t, err)
	requireExample(t, c)
	require.Equal(t, path, c.Path)
	require.True(t, c.IsAdmin("Bob@Example.com"))
	require.False(t, c.IsAdmin("alice@example.com"))
	require.False(t, c.IsAdmin(""))
}

func TestLoadBytesExample(t *testing.T) {
	t.Parallel()
	c, err := config.LoadBytes("stint.yaml", []byte(exampleFile), noEnv)
	require.NoError(t, err)
	requireExample(t, c)
	require.Equal(t, "stint.yaml", c.Path)
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"))
	require.Equal(t, stint.ENOTFOUND, stint.ErrorCode(err))
	require.Contains(t, stint.ErrorMessage(err), "nope.yaml")
}

// The goccy decoder, used elsewhere on flows, honours Duration.UnmarshalText
// too, including bare seconds.
func TestYAMLLibraryDecodesDurations(t *testing.T) {
	t.Parallel()
	var f stint.Flow
	require.NoError(t, yaml.UnmarshalWithOptions([]byte("max_duration: 7d\ndefault_duration: 3600\n"), &f, yaml.Strict()))
	require.Equal(t, stint.Duration(7*24*time.Hour), f.MaxDuration)
	require.Equal(t, stint.Duration(time.Hour), f.DefaultDuration)
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.LoadBytes("stint.yaml", []byte("aws: {region: eu-west-1}\n"), noEnv)
	require.NoError(t, err)
	require.Equal(t, config.DefaultStore, c.Store)
	kind, target := c.StoreKind()
	require.Equal(t, "sqlite", kind)
	require.Equal(t, "stint.db", target)
	require.Equal(t, "127.0.0.1:8080", c.Listen)
	require.Empty(t, c.Admins)
	require.Equal(t, config.AWSConfig{Region: "eu-west-1", RateLimit: 20, MaxCreatesInFlight: 10, MemberRole: "OrganizationAccountAccessRole"}, c.AWS)
	require.Empty(t, c.Flows)
	require.Equal(t, stint.Duration(5*time.Minute), c.ReconcileInterval)
	require.Equal(t, stint.Duration(5*time.Minute), c.SyncInterval)
	require.Equal(t, "info", c.LogLevel)
	require.Equal(t, slog.LevelInfo, c.SlogLevel())
	require.Equal(t, stint.Duration(10*time.Second), c.ExpiryLookahead)

	t.Run("set values are kept", func(t *testing.T) {
		t.Parallel()
		c, err := config.LoadBytes("stint.yaml", []byte(`store: postgres://stint@db/stint
listen: :9090
aws:
  region: eu-west-1
  instance_arn: arn:aws:sso:::instance/ssoins-1234567890abcdef
  endpoint: http://127.0.0.1:5000
  rate_limit: 5.5
  max_creates_in_flight: 3
reconcile_interval: 1m
sync_interval: 1h
log_level: DEBUG
expiry_lookahead: 30s
`), noEnv)
		require.NoError(t, err)
		require.Equal(t, "postgres://stint@db/stint", c.Store)
		require.Equal(t, ":9090", c.Listen)
		require.Equal(t, config.AWSConfig{
			Region: "eu-west-1", InstanceARN: "arn:aws:sso:::instance/ssoins-1234567890abcdef",
			Endpoint: "http://127.0.0.1:5000", RateLimit: 5.5, MaxCreatesInFlight: 3, MemberRole: "OrganizationAccountAccessRole",
		}, c.AWS)
		require.Equal(t, stint.Duration(time.Minute), c.ReconcileInterval)
		require.Equal(t, stint.Duration(time.Hour), c.SyncInterval)
		require.Equal(t, "debug", c.LogLevel)
		require.Equal(t, slog.LevelDebug, c.SlogLevel())
		require.Equal(t, stint.Duration(30*time.Second), c.ExpiryLookahead)
	})
	t.Run("zero durations mean the default", func(t *testing.T) {
		t.Parallel()
		c, err := config.LoadBytes("stint.yaml", []byte("aws: {region: eu-west-1}\nsync_interval: 0s\nreconcile_interval: 0\n"), noEnv)
		require.NoError(t, err)
		require.Equal(t, stint.Duration(5*time.Minute), c.SyncInterval)
		require.Equal(t, stint.Duration(5*time.Minute), c.ReconcileInterval)
	})
}

func TestEnvOverrides(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c *config.Config)
	}{
		{
			name: "STINT_STORE",
			env:  map[string]string{"STINT_STORE": "postgresql://u:p@localhost:5432/stint"},
			check: func(t *testing.T, c *config.Config) {
				kind, target := c.StoreKind()
				require.Equal(t, "postgres", kind)
				require.Equal(t, "postgresql://u:p@localhost:5432/stint", target)
			},
		},
		{
			name:  "STINT_LISTEN",
			env:   map[string]string{"STINT_LISTEN": "0.0.0.0:9000"},
			check: func(t *testing.T, c *config.Config) { require.Equal(t, "0.0.0.0:9000", c.Listen) },
		},
		{
			name: "STINT_ADMINS replaces the list",
			env:  map[string]string{"STINT_ADMINS": " alice@example.com, carol@example.com ,,"},
			check: func(t *testing.T, c *config.Config) {
				require.Equal(t, []string{"alice@example.com", "carol@example.com"}, c.Admins)
				require.True(t, c.IsAdmin("CAROL@example.com"))
				require.False(t, c.IsAdmin("bob@example.com"))
			},
		},
		{
			name:  "STINT_AWS_REGION",
			env:   map[string]string{"STINT_AWS_REGION": "eu-central-1", "AWS_REGION": "ap-south-1"},
			check: func(t *testing.T, c *config.Config) { require.Equal(t, "eu-central-1", c.AWS.Region) },
		},
		{
			name:  "the file's region wins over AWS_REGION",
			env:   map[string]string{"AWS_REGION": "ap-south-1"},
			check: func(t *testing.T, c *config.Config) { require.Equal(t, "us-east-1", c.AWS.Region) },
		},
		{
			name: "STINT_AWS_INSTANCE_ARN",
			env:  map[string]string{"STINT_AWS_INSTANCE_ARN": "arn:aws:sso:::instance/ssoins-0000000000000000"},
			check: func(t *testing.T, c *config.Config) {
				require.Equal(t, "arn:aws:sso:::instance/ssoins-0000000000000000", c.AWS.InstanceARN)
			},
		},
		{
			name:  "STINT_AWS_ENDPOINT",
			env:   map[string]string{"STINT_AWS_ENDPOINT": "http://127.0.0.1:5000"},
			check: func(t *testing.T, c *config.Config) { require.Equal(t, "http://127.0.0.1:5000", c.AWS.Endpoint) },
		},
		{
			name:  "STINT_LOG_LEVEL",
			env:   map[string]string{"STINT_LOG_LEVEL": "Warn"},
			check: func(t *testing.T, c *config.Config) { require.Equal(t, "warn", c.LogLevel) },
		},
		{
			name:  "empty variables count as unset",
			env:   map[string]string{"STINT_LISTEN": "", "STINT_ADMINS": " "},
			check: requireExample,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.LoadBytes("stint.yaml", []byte(exampleFile), env(tt.env))
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestRegionFromAWSEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "AWS_REGION", env: map[string]string{"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "us-west-2"}, want: "eu-west-3"},
		{name: "AWS_DEFAULT_REGION", env: map[string]string{"AWS_DEFAULT_REGION": "us-west-2"}, want: "us-west-2"},
		{name: "STINT_AWS_REGION first", env: map[string]string{"STINT_AWS_REGION": "sa-east-1", "AWS_REGION": "eu-west-3"}, want: "sa-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.LoadBytes("stint.yaml", []byte("listen: :8080\n"), env(tt.env))
			require.NoError(t, err)
			require.Equal(t, tt.want, c.AWS.Region)
		})
	}
}

func TestStoreKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		store, kind, target string
	}{
		{store: "", kind: "sqlite", target: "stint.db"},
		{store: "sqlite://stint.db", kind: "sqlite", target: "stint.db"},
		{store: "sqlite:///var/lib/stint/stint.db", kind: "sqlite", target: "/var/lib/stint/stint.db"},
		{store: "sqlite://data/stint.db", kind: "sqlite", target: "data/stint.db"},
		{store: "SQLITE://x.db", kind: "sqlite", target: "x.db"},
		{store: "/var/lib/stint/stint.db", kind: "sqlite", target: "/var/lib/stint/stint.db"},
		{store: "stint.db", kind: "sqlite", target: "stint.db"},
		{store: "postgres://stint:pw@db:5432/stint?sslmode=disable", kind: "postgres", target: "postgres://stint:pw@db:5432/stint?sslmode=disable"},
		{store: "postgresql://db/stint", kind: "postgres", target: "postgresql://db/stint"},
		{store: "mysql://db/stint", kind: "", target: "mysql://db/stint"},
	}
	for _, tt := range tests {
		t.Run(tt.store, func(t *testing.T) {
			t.Parallel()
			kind, target := (&config.Config{Store: tt.store}).StoreKind()
			require.Equal(t, tt.kind, kind)
			require.Equal(t, tt.target, target)
		})
	}
}

func TestDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
	}{
		{in: "90m", want: 90 * time.Minute},
		{in: "1d", want: 24 * time.Hour},
		{in: "3600", want: time.Hour},
		{in: `"3600"`, want: time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "7d", want: 7 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			src := strings.Replace(exampleFile, "max_duration: 8h", "max_duration: "+tt.in, 1)
			src += "sync_interval: " + tt.in + "\n"
			c, err := config.LoadBytes("stint.yaml", []byte(src), noEnv)
			require.NoError(t, err)
			require.Equal(t, stint.Duration(tt.want), c.Flows[1].MaxDuration)
			require.Equal(t, stint.Duration(tt.want), c.SyncInterval)
		})
	}
}

// valid is a minimal valid config; the error cases below append to it, so
// their own lines start at line 2.
const valid = "aws: {region: us-east-1}\n"

// flowAt2 starts a flow list whose first flow's keys are on lines 3 and on.
const flowAt2 = valid + "flows:\n  - name: f\n"

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		env  map[string]string
		want []string
	}{
		{
			name: "syntax error",
			src:  valid + "admins: [bob@example.com\n",
			want: []string{"stint.yaml:2:9: sequence end token ']' not found"},
		},
		{
			name: "duplicate key",
			src:  valid + "listen: :1\nlisten: :2\n",
			want: []string{`stint.yaml:3:1: mapping key "listen" already defined at [2:1]`},
		},
		{
			name: "unknown top-level key",
			src:  valid + "lisen: :8080\n",
			want: []string{`stint.yaml:2:1: unknown key "lisen" in the top level (did you mean listen?); known keys: store, listen, admins, aws, flows, groups, reconcile_interval, sync_interval, log_level, expiry_lookahead, webhooks, identity, reviews, slack, audit, discovery, portal, externals`},
		},
		{
			name: "unknown aws key",
			src:  "aws:\n  region: us-east-1\n  regoin: eu-west-1\n",
			want: []string{`stint.yaml:3:3: unknown key "regoin" in aws (did you mean region?); known keys: region, instance_arn, endpoint, rate_limit, max_creates_in_flight, member_role`},
		},
		{
			name: "unknown flow key",
			src:  flowAt2 + "    requesters: [group:E]\n    auto_aprove: true\n    approvers: [group:S]\n    max_duration: 1h\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:5:5: unknown key "auto_aprove" in flows[0] (did you mean auto_approve?); known keys: name, description, requesters, sponsors, requester_attributes, exclude, resources, bundles, max_duration, default_duration, activation_window, require_reason, ticket, approvers, approval_steps, auto_approve, auto_approve_when, review_timeout, break_glass, extensions, max_extensions, mfa, immediate_cutoff, cedar, owners`},
		},
		{
			name: "unknown selector key",
			src:  flowAt2 + "    requesters: [group:E]\n    approvers: [group:S]\n    max_duration: 1h\n    resources: [{identity_center: {accounts: [all], permission_set: [P]}}]\n",
			want: []string{
				`stint.yaml:7:35: flow "f": resources[0] needs permission_sets`,
				`stint.yaml:7:53: unknown key "permission_set" in flows[0].resources[0].identity_center (did you mean permission_sets?); known keys: accounts, permission_sets`,
			},
		},
		{
			name: "list where a string is expected",
			src:  valid + "listen: [a, b]\n",
			want: []string{`stint.yaml:2:9: listen: expected a string, got a list`},
		},
		{
			name: "string where a list is expected",
			src:  valid + "admins: bob@example.com\n",
			want: []string{`stint.yaml:2:9: admins: expected a list, got "bob@example.com"`},
		},
		{
			name: "string where a mapping is expected",
			src:  "aws: us-east-1\n",
			// The region is not reported missing: aws itself is wrong.
			want: []string{`stint.yaml:1:6: aws: expected a mapping, got "us-east-1"`},
		},
		{
			name: "not a boolean",
			src:  flowAt2 + "    requesters: [group:E]\n    auto_approve: yes\n    max_duration: 1h\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:5:19: flows[0].auto_approve: expected true or false, got "yes"`},
		},
		{
			name: "quoted number is not an integer",
			src:  "aws:\n  region: us-east-1\n  max_creates_in_flight: \"5\"\n  rate_limit: fast\n",
			want: []string{
				`stint.yaml:3:26: aws.max_creates_in_flight: expected an integer, got "5"`,
				`stint.yaml:4:15: aws.rate_limit: expected a number, got "fast"`,
			},
		},
		{
			name: "bad duration",
			src:  flowAt2 + "    requesters: [group:E]\n    approvers: [group:S]\n    max_duration: 4x\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:6:19: flows[0].max_duration: invalid duration "4x"; use e.g. 30m, 4h or 7d`},
		},
		{
			name: "discovery too often, too parallel",
			src:  valid + "discovery:\n  interval: 10m\n  parallel: 500\n",
			want: []string{
				`stint.yaml:3:13: discovery.interval 10m0s is shorter than 1h0m0s; scans would eat the Identity Center call budget that grants need (0 or leave it out: no scheduled scans)`,
				`stint.yaml:4:13: discovery.parallel 500 must be from 1 to 64 (member accounts read at once)`,
			},
		},
		{
			name: "identity file missing, drift too often",
			src:  valid + "identity:\n  file: nowhere.yaml\n  drift_interval: 10s\n",
			want: []string{
				`stint.yaml:3:9: identity file nowhere.yaml cannot be read: no such file or directory`,
				`stint.yaml:4:19: drift_interval 10s is shorter than 1m0s; scheduled plans would eat the Identity Center call budget that grants need`,
			},
		},
		{
			name: "identity settings without a file",
			src:  valid + "identity: {prune: true}\n",
			want: []string{`stint.yaml:2:11: identity needs a file to check for drift (identity.file: identity.yaml)`},
		},
		{
			name: "resource selectors of other types",
			src: flowAt2 + "    requesters: [group:E]\n    approvers: [group:S]\n    max_duration: 1h\n    resources:\n" +
				"      - s3: {accounts: [all], buckets: [\"logs-*\"]}\n" +
				"      - eks: {accounts: [all], levels: [root]}\n" +
				"      - rds: {accounts: [all], instances: [orders]}\n" +
				"      - ec2: {accounts: [all]}\n        iam_group: {accounts: [all]}\n" +
				"      - iam_role: {accounts: [prod], roles: [\"Deploy?\"]}\n",
			want: []string{
				`stint.yaml:8:13: flow "f": resources[0]: s3 needs levels (read, write, admin)`,
				`stint.yaml:9:14: flow "f": resources[1]: eks: level "root" is not one of view, edit, admin`,
				`stint.yaml:10:14: flow "f": resources[2]: rds needs db_users: the database users a grant may connect as`,
				`stint.yaml:11:9: flow "f": resources[3]: set only one selector per resource entry; list the others as entries of their own`,
				`stint.yaml:13:19: flow "f": resources[4]: account selector "prod" must be a 12-digit account ID, name:NAME, ou:PATH, tag:KEY=VALUE or all`,
			},
		},
		{
			name: "negative duration",
			src:  valid + "reconcile_interval: -5m\n",
			want: []string{`stint.yaml:2:21: reconcile_interval: duration must be positive`},
		},
		{
			name: "fractional days",
			src:  valid + "sync_interval: 1.5d\n",
			want: []string{`stint.yaml:2:16: sync_interval: invalid duration "1.5d"; use e.g. 30m, 4h or 7d`},
		},
		{
			name: "duration as a mapping",
			src:  valid + "expiry_lookahead: {seconds: 10}\n",
			want: []string{`stint.yaml:2:19: expiry_lookahead: expected a duration such as 30m, 4h or 7d, got a mapping`},
		},
		{
			name: "flow without requesters",
			src:  flowAt2 + "    approvers: [group:S]\n    max_duration: 1h\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:3:5: flow "f": requesters is empty; add e.g. requesters: [group:Engineers]`},
		},
		{
			name: "flow with an empty requester list",
			src:  flowAt2 + "    requesters: []\n    approvers: [group:S]\n    max_duration: 1h\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:4:17: flow "f": requesters is empty; add e.g. requesters: [group:Engineers]`},
		},
		{
			name: "bad requester and approver",
			src:  flowAt2 + "    requesters: [Engineers]\n    approvers: [group:S, bob@example.com]\n    max_duration: 1h\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{
				`stint.yaml:4:18: flow "f": principal "Engineers" must be user:EMAIL, group:NAME or external:ORG`,
				`stint.yaml:5:26: flow "f": principal "bob@example.com" must be user:EMAIL or group:NAME`,
			},
		},
		{
			name: "bad account selector",
			src:  flowAt2 + "    requesters: [group:E]\n    approvers: [group:S]\n    max_duration: 1h\n    resources:\n      - identity_center:\n          accounts: [\"ou:Prod\", Prod, \"12345\"]\n          permission_sets: [P]\n",
			want: []string{
				`stint.yaml:9:33: flow "f": account selector "Prod" must be a 12-digit account ID, name:NAME, ou:PATH, tag:KEY=VALUE or all`,
				`stint.yaml:9:39: flow "f": account selector "12345" must be a 12-digit account ID, name:NAME, ou:PATH, tag:KEY=VALUE or all`,
			},
		},
		{
			name: "resource without a selector",
			src:  flowAt2 + "    requesters: [group:E]\n    approvers: [group:S]\n    max_duration: 1h\n    resources:\n      - {}\n",
			want: []string{`stint.yaml:8:9: flow "f": resources[0] has no selector; set one of identity_center, s3, ec2, eks, rds, iam_role or iam_group`},
		},
		{
			name: "flow without resources",
			src:  flowAt2 + "    requesters: [group:E]\n    approvers: [group:S]\n    max_duration: 1h\n",
			want: []string{`stint.yaml:3:5: flow "f": resources is empty; add e.g. - identity_center: {accounts: [all], permission_sets: [ReadOnlyAccess]}`},
		},
		{
			name: "default above max",
			src:  flowAt2 + "    requesters: [group:E]\n    approvers: [group:S]\n    max_duration: 1h\n    default_duration: 90m\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:7:23: flow "f": default_duration 1h30m exceeds max_duration 1h`},
		},
		{
			name: "missing max duration",
			src:  flowAt2 + "    requesters: [group:E]\n    approvers: [group:S]\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:3:5: flow "f": max_duration is required, e.g. max_duration: 4h`},
		},
		{
			name: "no approvers and no auto_approve",
			src:  flowAt2 + "    requesters: [group:E]\n    max_duration: 1h\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:3:5: flow "f": set approvers (e.g. approvers: [group:Security]), approval_steps or auto_approve: true`},
		},
		{
			name: "auto_approve false and no approvers",
			src:  flowAt2 + "    requesters: [group:E]\n    auto_approve: false\n    approvers: []\n    max_duration: 1h\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:6:16: flow "f": set approvers (e.g. approvers: [group:Security]), approval_steps or auto_approve: true`},
		},
		{
			name: "bad max_extensions",
			src:  flowAt2 + "    requesters: [group:E]\n    auto_approve: true\n    max_duration: 1h\n    max_extensions: -2\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:7:21: flow "f": max_extensions must be -1 (none), 0 (the default, 3) or more`},
		},
		{
			name: "duplicate flow names",
			src: valid + "flows:\n" +
				"  - {name: dup, requesters: [group:E], auto_approve: true, max_duration: 1h, resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]}\n" +
				"  - {name: other, requesters: [group:E], auto_approve: true, max_duration: 1h, resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]}\n" +
				"  - {name: dup, requesters: [group:E], auto_approve: true, max_duration: 1h, resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]}\n",
			want: []string{`stint.yaml:5:12: flow name "dup" is already used by flows[0]`},
		},
		{
			name: "flow without a name",
			src:  valid + "flows:\n  - requesters: [group:E]\n    auto_approve: true\n    max_duration: 1h\n    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n",
			want: []string{`stint.yaml:3:5: flow without a name; add e.g. name: prod-admin`},
		},
		{
			name: "bad admin email",
			src:  valid + "admins:\n  - bob@example.com\n  - bob\n  - Bob <bob@example.com>\n",
			want: []string{
				`stint.yaml:4:5: admin "bob" is not an email address`,
				`stint.yaml:5:5: admin "Bob <bob@example.com>" is not an email address`,
			},
		},
		{
			name: "unknown store scheme",
			src:  valid + "store: mysql://db/stint\n",
			want: []string{`stint.yaml:2:8: store "mysql://db/stint" has an unknown scheme; use sqlite://PATH, a file path, or postgres://...`},
		},
		{
			name: "sqlite store without a file",
			src:  valid + "store: sqlite://\n",
			want: []string{`stint.yaml:2:8: store "sqlite://" names no database file; use e.g. sqlite:///var/lib/stint/stint.db`},
		},
		{
			name: "bad listen address",
			src:  valid + "listen: localhost\n",
			want: []string{`stint.yaml:2:9: listen address "localhost" must be HOST:PORT, e.g. 127.0.0.1:8080 or :8080`},
		},
		{
			name: "bad listen port",
			src:  valid + "listen: 127.0.0.1:http-alt\n",
			want: []string{`stint.yaml:2:9: listen address "127.0.0.1:http-alt" has a bad port; use a number from 0 to 65535`},
		},
		{
			name: "bad log level",
			src:  valid + "log_level: verbose\n",
			want: []string{`stint.yaml:2:12: log_level "verbose" must be debug, info, warn or error`},
		},
		{
			name: "missing region",
			src:  "listen: :8080\naws:\n  endpoint: http://127.0.0.1:5000\n",
			want: []string{`stint.yaml:3:3: aws.region is required (or set AWS_REGION), e.g. us-east-1`},
		},
		{
			name: "empty file",
			src:  "",
			want: []string{`stint.yaml: aws.region is required (or set AWS_REGION), e.g. us-east-1`},
		},
		{
			name: "bad aws settings",
			src:  "aws:\n  region: us-east1\n  instance_arn: ssoins-1\n  endpoint: 127.0.0.1:5000\n  rate_limit: -1\n  max_creates_in_flight: 20\n",
			want: []string{
				`stint.yaml:2:11: aws.region "us-east1" is not an AWS region name such as us-east-1`,
				`stint.yaml:3:17: aws.instance_arn "ssoins-1" is not an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...)`,
				`stint.yaml:4:13: aws.endpoint "127.0.0.1:5000" must be an http:// or https:// URL`,
				`stint.yaml:5:15: aws.rate_limit must be a positive number of requests per second`,
				`stint.yaml:6:26: aws.max_creates_in_flight must be from 1 to 10 (Identity Center's limit)`,
			},
		},
		{
			name: "bad value from the environment names the variable",
			src:  valid + "listen: :8080\nadmins: [bob@example.com]\n",
			env:  map[string]string{"STINT_LISTEN": "nowhere", "STINT_ADMINS": "alice@example.com,carol"},
			want: []string{
				`STINT_LISTEN: listen address "nowhere" must be HOST:PORT, e.g. 127.0.0.1:8080 or :8080`,
				`STINT_ADMINS: admin "carol" is not an email address`,
			},
		},
		{
			name: "two YAML documents",
			src:  valid + "---\nlisten: :1\n",
			want: []string{`stint.yaml:3:1: a config file holds one YAML document; remove the second one`},
		},
		{
			name: "top level is a list",
			src:  "- store: x\n",
			want: []string{`stint.yaml:1:1: config: expected a mapping, got a list`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.LoadBytes("stint.yaml", []byte(tt.src), env(tt.env))
			require.Nil(t, c)
			require.Error(t, err)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			var ce *config.Error
			require.True(t, errors.As(err, &ce))
			require.Equal(t, strings.Join(tt.want, "\n"), err.Error())
			require.Len(t, ce.Problems, len(tt.want))
			require.Equal(t, err.Error(), stint.ErrorMessage(err))
		})
	}
}

// Every problem of a file comes back at once, in file order, and a value
// that could not be decoded is not reported a second time by validation.
func TestMultipleErrors(t *testing.T) {
	t.Parallel()
	src := `store: mysql://db
listen: nope
admins: [bob@example.com, bob]
aws:
  region: us-east-1
  rate_limit: fast
flows:
  - name: a
    requesters: []
    resources:
      - identity_center: {accounts: ["ou:Prod", "Prod"], permission_sets: [X], extra: 1}
    max_duration: 4x
    approvers: [Security]
  - name: a
    requesters: [group:E]
    resources: [{identity_center: {accounts: [all], permission_sets: [Y]}}]
    max_duration: 1h
    default_duration: 2h
    auto_approve: "yes"
bogus: 1
`
	_, err := config.LoadBytes("conf/stint.yaml", []byte(src), noEnv)
	var ce *config.Error
	require.True(t, errors.As(err, &ce))
	require.Equal(t, []config.Problem{
		{File: "conf/stint.yaml", Line: 1, Col: 8, Message: `store "mysql://db" has an unknown scheme; use sqlite://PATH, a file path, or postgres://...`},
		{File: "conf/stint.yaml", Line: 2, Col: 9, Message: `listen address "nope" must be HOST:PORT, e.g. 127.0.0.1:8080 or :8080`},
		{File: "conf/stint.yaml", Line: 3, Col: 27, Message: `admin "bob" is not an email address`},
		{File: "conf/stint.yaml", Line: 6, Col: 15, Message: `aws.rate_limit: expected a number, got "fast"`},
		{File: "conf/stint.yaml", Line: 9, Col: 17, Message: `flow "a": requesters is empty; add e.g. requesters: [group:Engineers]`},
		{File: "conf/stint.yaml", Line: 11, Col: 49, Message: `flow "a": account selector "Prod" must be a 12-digit account ID, name:NAME, ou:PATH, tag:KEY=VALUE or all`},
		{File: "conf/stint.yaml", Line: 11, Col: 80, Message: `unknown key "extra" in flows[0].resources[0].identity_center; known keys: accounts, permission_sets`},
		{File: "conf/stint.yaml", Line: 12, Col: 19, Message: `flows[0].max_duration: invalid duration "4x"; use e.g. 30m, 4h or 7d`},
		{File: "conf/stint.yaml", Line: 13, Col: 17, Message: `flow "a": principal "Security" must be user:EMAIL or group:NAME`},
		{File: "conf/stint.yaml", Line: 14, Col: 11, Message: `flow name "a" is already used by flows[0]`},
		{File: "conf/stint.yaml", Line: 18, Col: 23, Message: `flow "a": default_duration 2h exceeds max_duration 1h`},
		{File: "conf/stint.yaml", Line: 19, Col: 19, Message: `flows[1].auto_approve: expected true or false, got "yes"`},
		{File: "conf/stint.yaml", Line: 20, Col: 1, Message: `unknown key "bogus" in the top level; known keys: store, listen, admins, aws, flows, groups, reconcile_interval, sync_interval, log_level, expiry_lookahead, webhooks, identity, reviews, slack, audit, discovery, portal, externals`},
	}, ce.Problems)
	require.Equal(t, "conf/stint.yaml:1:8: "+ce.Problems[0].Message, strings.Split(err.Error(), "\n")[0])
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	t.Parallel()
	src := valid + `flows:
  - &base
    name: prod-admin
    requesters: &eng [group:Engineers]
    resources:
      - identity_center: {accounts: ["ou:Prod"], permission_sets: [AdministratorAccess]}
    max_duration: 4h
    approvers: [group:Security]
  - <<: *base
    name: prod-admin-long
    max_duration: 12h
  - name: sandbox
    requesters: *eng
    resources: [{identity_center: {accounts: [all], permission_sets: [ReadOnlyAccess]}}]
    max_duration: 1h
    auto_approve: true
`
	c, err := config.LoadBytes("stint.yaml", []byte(src), noEnv)
	require.NoError(t, err)
	require.Len(t, c.Flows, 3)
	long := c.Flows[1]
	require.Equal(t, "prod-admin-long", long.Name)
	require.Equal(t, stint.Duration(12*time.Hour), long.MaxDuration)
	require.Equal(t, []string{"group:Security"}, long.Approvers)
	require.Equal(t, c.Flows[0].Resources, long.Resources)
	require.Equal(t, []string{"group:Engineers"}, c.Flows[2].Requesters)
}

func TestFlowOptionalFields(t *testing.T) {
	t.Parallel()
	src := valid + `flows:
  - name: prod-admin
    requesters: [group:Engineers, user:carol@example.com]
    resources:
      - identity_center: {accounts: ["111111111111", "tag:env=prod"], permission_sets: [AdministratorAccess]}
    max_duration: 1d
    default_duration: 2h
    approvers: [group:Security]
    require_reason: false
    review_timeout: 30m
    max_extensions: -1
`
	c, err := config.LoadBytes("stint.yaml", []byte(src), noEnv)
	require.NoError(t, err)
	f := c.Flows[0]
	require.Equal(t, stint.Duration(24*time.Hour), f.MaxDuration)
	require.Equal(t, stint.Duration(2*time.Hour), f.DefaultDuration)
	require.NotNil(t, f.RequireReason)
	require.False(t, f.ReasonRequired())
	require.Equal(t, 30*time.Minute, f.Timeout())
	require.Zero(t, f.ExtensionLimit())
	require.NoError(t, f.Validate())
}

// Parse ignores the environment; ApplyEnv and Validate can follow it.
func TestParseThenApplyEnv(t *testing.T) {
	t.Parallel()
	c, err := config.Parse("stint.yaml", []byte(exampleFile))
	require.NoError(t, err)
	requireExample(t, c)

	c.ApplyEnv(env(map[string]string{"STINT_LISTEN": "nowhere"}))
	require.Equal(t, "nowhere", c.Listen)
	err = c.Validate()
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.EqualError(t, err, `STINT_LISTEN: listen address "nowhere" must be HOST:PORT, e.g. 127.0.0.1:8080 or :8080`)

	_, err = config.Parse("stint.yaml", []byte("listen: [x]\naws: {region: us-east-1}\n"))
	require.EqualError(t, err, "stint.yaml:1:9: listen: expected a string, got a list")
}

// Validate locates problems of a parsed file even after the config changed.
func TestValidateLocatesInFile(t *testing.T) {
	t.Parallel()
	c, err := config.Parse("stint.yaml", []byte(exampleFile))
	require.NoError(t, err)
	c.Flows[1].AutoApprove = false
	require.EqualError(t, c.Validate(), `stint.yaml:13:5: flow "sandbox-read": set approvers (e.g. approvers: [group:Security]), approval_steps or auto_approve: true`)
}

func TestValidateWithoutFile(t *testing.T) {
	t.Parallel()
	c := &config.Config{AWS: config.AWSConfig{Region: "us-east-1"}, Flows: exampleFlows()}
	c.SetDefaults()
	require.NoError(t, c.Validate())

	c.Flows[0].Approvers = nil
	c.Listen = "nope"
	err := c.Validate()
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.EqualError(t, err, `listen address "nope" must be HOST:PORT, e.g. 127.0.0.1:8080 or :8080`+"\n"+
		`flow "prod-admin": set approvers (e.g. approvers: [group:Security]), approval_steps or auto_approve: true`)
}

func TestProblemString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a.yaml:1:2: m", config.Problem{File: "a.yaml", Line: 1, Col: 2, Message: "m"}.String())
	require.Equal(t, "STINT_LISTEN: m", config.Problem{File: "STINT_LISTEN", Message: "m"}.String())
	require.Equal(t, "m", config.Problem{Message: "m"}.String())
}

// Inside a flow mapping the YAML parser reads [group:Engineers] as
// [{group: Engineers}]; the decoder reads it as the string it is, as it does
// outside braces. Quoted or spaced pairs stay mappings.
func TestCompactFlowWithUnquotedColons(t *testing.T) {
	t.Parallel()
	src := valid + "flows:\n" +
		"  - {name: a, requesters: [group:Engineers, user:carol@example.com], auto_approve: true, max_duration: 1h,\n" +
		"     resources: [{identity_center: {accounts: [ou:Prod/Payments, name:dev-002, tag:env=prod, 111111111111], permission_sets: [ReadOnlyAccess]}}]}\n"
	c, err := config.LoadBytes("stint.yaml", []byte(src), noEnv)
	require.NoError(t, err)
	f := c.Flows[0]
	require.Equal(t, []string{"group:Engineers", "user:carol@example.com"}, f.Requesters)
	require.Equal(t, []string{"ou:Prod/Payments", "name:dev-002", "tag:env=prod", "111111111111"}, f.Resources[0].IdentityCenter.Accounts)

	_, err = config.LoadBytes("stint.yaml", []byte(valid+"admins: [{bob: example.com}]\n"), noEnv)
	require.EqualError(t, err, "stint.yaml:2:10: admins[0]: expected a string, got a mapping")
}

func TestIdentityDefaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "identity.yaml"), []byte("permission_sets: []\n"), 0o600))
	cfg, err := config.Parse(filepath.Join(dir, "stint.yaml"), []byte(valid+"identity: {file: identity.yaml}\n"))
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "identity.yaml"), cfg.IdentityFile())
	require.Equal(t, stint.Duration(config.DefaultDriftInterval), cfg.Identity.DriftInterval)

	cfg, err = config.Parse(filepath.Join(dir, "stint.yaml"), []byte(valid))
	require.NoError(t, err)
	require.Empty(t, cfg.IdentityFile())
	require.Zero(t, cfg.Identity.DriftInterval)
}
