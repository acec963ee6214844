package config

import (
	"cmp"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/stint-dev/stint"
)

// Defaults.
const (
	DefaultStore              = "sqlite://stint.db"
	DefaultListen             = "127.0.0.1:8080"
	DefaultRateLimit          = 20.0
	DefaultMaxCreatesInFlight = 10
	DefaultReconcileInterval  = 5 * time.Minute
	DefaultSyncInterval       = 5 * time.Minute
	DefaultLogLevel           = "info"
	DefaultExpiryLookahead    = 10 * time.Second
	DefaultDriftInterval      = time.Hour
	DefaultMemberRole         = "OrganizationAccountAccessRole"
	DefaultCheckpointInterval = time.Hour
	// MinDriftInterval keeps scheduled plans from eating the Identity
	// Center call budget that grants need.
	MinDriftInterval = time.Minute
	// MinDiscoveryInterval keeps scheduled scans (a few calls per account
	// and permission set) from eating the Identity Center call budget.
	MinDiscoveryInterval = time.Hour
	// MaxDiscoveryParallel bounds the member accounts a scan reads at once.
	MaxDiscoveryParallel = 64
)

// MaxCreatesInFlightLimit is Identity Center's own limit on account
// assignment creations in progress; a higher setting only causes throttling.
const MaxCreatesInFlightLimit = 10

// Config is stint's configuration, as read from stint.yaml.
type Config struct {
	// Store is where stint keeps its state. Default: "sqlite://stint.db", the
	// file stint.db in the working directory. Forms: "sqlite:///abs/path.db",
	// "sqlite://rel/path.db", a bare path (SQLite), or a PostgreSQL DSN
	// "postgres://..." / "postgresql://...". See StoreKind.
	Store string `json:"store" yaml:"store"`
	// Listen is the HTTP listen address (API, portal, Slack, metrics).
	// Default: "127.0.0.1:8080".
	Listen string `json:"listen" yaml:"listen"`
	// Admins are the emails of stint's administrators. Default: none.
	Admins []string `json:"admins" yaml:"admins"`
	// AWS configures how stint reaches AWS.
	AWS AWSConfig `json:"aws" yaml:"aws"`
	// Flows say who may request what, for how long and who approves.
	// Default: none.
	Flows []stint.Flow `json:"flows" yaml:"flows"`
	// Groups defines groups in the config, which flows use like identity
	// store groups: group name -> members, each "user:EMAIL" or
	// "group:NAME" (an identity store group or another group of this
	// section; nesting may not form a cycle). Default: none.
	Groups map[string][]string `json:"groups,omitempty" yaml:"groups"`
	// ReconcileInterval is how often the reconciler compares AWS with the
	// ledger. Default: 5m.
	ReconcileInterval stint.Duration `json:"reconcile_interval" yaml:"reconcile_interval"`
	// SyncInterval is how often the directory (users, groups, accounts,
	// permission sets) is read from AWS. Default: 5m.
	SyncInterval stint.Duration `json:"sync_interval" yaml:"sync_interval"`
	// LogLevel is one of debug, info, warn, error. Default: info.
	LogLevel string `json:"log_level" yaml:"log_level"`
	// ExpiryLookahead is how far ahead the in-process expiry timer arms, so
	// that grants end on time despite the job queue's polling. Default: 10s.
	ExpiryLookahead stint.Duration `json:"expiry_lookahead" yaml:"expiry_lookahead"`
	// Webhooks receive audit events as JSON (break-glass uses, approvals,
	// grants, ...), each delivery a durable, retried job. Default: none.
	Webhooks []stint.Webhook `json:"webhooks,omitempty" yaml:"webhooks"`
	// Identity configures Identity Center as code in the server: drift
	// detection against an identity file. Default: off.
	Identity IdentityConfig `json:"identity" yaml:"identity"`
	// Reviews configures access review campaigns. Default: managers from
	// the identity store only.
	Reviews ReviewsConfig `json:"reviews" yaml:"reviews"`
	// Slack turns on the Slack app when set. Default: off.
	Slack *SlackConfig `json:"slack,omitempty" yaml:"slack"`
	// Audit configures the tamper-evident audit trail's signed
	// checkpoints. Default: no checkpoints (the hash chain alone).
	Audit AuditConfig `json:"audit" yaml:"audit"`
	// Discovery schedules `stint discover` scans in the server. Default:
	// none (scans run from the CLI).
	Discovery DiscoveryConfig `json:"discovery" yaml:"discovery"`
	// Portal configures the web portal: OIDC sign-in, sessions, the
	// break-glass local admin. Default: the portal without sign-in.
	Portal PortalConfig `json:"portal" yaml:"portal"`
	// Externals turns on third-party access (external users, flows for
	// them, credentials through a broker role) when set. Default: off.
	Externals *ExternalsConfig `json:"externals,omitempty" yaml:"externals"`
	// Path is the file the config came from ("" when built in code).
	Path string `json:"-" yaml:"-"`
	// Raw is the file's content as read (nil when built in code); Hash
	// digests it.
	Raw []byte `json:"-" yaml:"-"`

	file    *ast.File           // the parsed file, to locate problems
	nodes   map[string]ast.Node // YAML path -> node decoded there
	keys    map[string]ast.Node // YAML path of a map entry -> its key
	fromEnv map[string]string   // YAML path -> environment variable that set it
}

// AWSConfig configures how stint reaches AWS.
type AWSConfig struct {
	// Region is the AWS region of the Identity Center instance. Required,
	// unless AWS_REGION or AWS_DEFAULT_REGION is set.
	Region string `json:"region" yaml:"region"`
	// InstanceARN is the Identity Center instance. Default: "" (discovered;
	// there is one instance per organisation).
	InstanceARN string `json:"instance_arn,omitempty" yaml:"instance_arn"`
	// Endpoint overrides the AWS endpoint for every service, e.g. a local
	// moto_server. Default: "" (the SDK's own, including AWS_ENDPOINT_URL).
	Endpoint string `json:"endpoint,omitempty" yaml:"endpoint"`
	// RateLimit bounds Identity Center API calls per second, shared by every
	// caller. Default: 20.
	RateLimit float64 `json:"rate_limit" yaml:"rate_limit"`
	// MaxCreatesInFlight bounds account assignment creations in progress, at
	// most 10 (Identity Center's limit). Default: 10.
	MaxCreatesInFlight int `json:"max_creates_in_flight" yaml:"max_creates_in_flight"`
	// MemberRole is the role stint assumes in member accounts to discover
	// and grant resources there (IAM, S3, EC2, EKS, RDS). Default:
	// OrganizationAccountAccessRole.
	MemberRole string `json:"member_role,omitempty" yaml:"member_role"`
}

// IdentityConfig configures the server's scheduled drift detection: every
// DriftInterval the leader plans File (as `stint plan -f File` would) and
// records drift as identity.drift events and stint_identity_drift_*
// metrics.
type IdentityConfig struct {
	// File is the identity file, or a folder of them; a relative path is
	// relative to the config file's folder. Default: "" (no drift checks).
	File string `json:"file,omitempty" yaml:"file"`
	// DriftInterval is the time between checks, at least 1m. Default: 1h
	// when File is set.
	DriftInterval stint.Duration `json:"drift_interval,omitempty" yaml:"drift_interval"`
	// Prune also counts what the file does not declare as drift, as `stint
	// plan --prune` does. Default: false.
	Prune bool `json:"prune,omitempty" yaml:"prune"`
}

// DiscoveryConfig schedules discovery scans on the server's leader, stored
// for the portal's trend like those of `stint discover`.
type DiscoveryConfig struct {
	// Interval is the time between scans, at least 1h. Default: 0 (no
	// scheduled scans).
	Interval stint.Duration `json:"interval,omitempty" yaml:"interval"`
	// Parallel bounds the member accounts read at once, 1 to 64.
	// Default: 8.
	Parallel int `json:"parallel,omitempty" yaml:"parallel"`
}

// AuditConfig configures checkpoints: signed statements of the audit
// chain's head, which reveal a truncated trail.
type AuditConfig struct {
	// CheckpointKeyEnv names the environment variable holding the ed25519
	// private key that signs checkpoints (base64, as `stint audit keygen`
	// prints it). Default: "" (no checkpoints).
	CheckpointKeyEnv string `json:"checkpoint_key_env,omitempty" yaml:"checkpoint_key_env"`
	// CheckpointInterval is the time between checkpoints, on the leader.
	// Default: 1h.
	CheckpointInterval stint.Duration `json:"checkpoint_interval,omitempty" yaml:"checkpoint_interval"`
	// PublicKeys are the base64 ed25519 public keys `stint audit verify`
	// accepts checkpoints from, besides the checkpoint key's own (keep old
	// ones here after a rotation). Default: none.
	PublicKeys []string `json:"public_keys,omitempty" yaml:"public_keys"`
	// Forward sends the trail, in chain order, to SIEM webhooks and S3
	// buckets, each with a cursor kept in the store (see AuditForward).
	// Default: none.
	Forward []AuditForward `json:"forward,omitempty" yaml:"forward"`
	// ForwardInterval is the time between forwarding runs, on the
	// leader. Default: 1m when Forward is set.
	ForwardInterval stint.Duration `json:"forward_interval,omitempty" yaml:"forward_interval"`
	// Retention removes old events from the store. Default: none (keep
	// every event).
	Retention AuditRetention `json:"retention" yaml:"retention"`
	// WeeklyReport records, every Monday, last week's audit report as an
	// audit.weekly_report event, which notification webhooks may
	// subscribe to. Default: false.
	WeeklyReport bool `json:"weekly_report,omitempty" yaml:"weekly_report"`
}

// IdentityFile returns Identity.File, resolved against the config file's
// folder when relative, or "" when drift detection is off.
func (c *Config) IdentityFile() string {
	f := strings.TrimSpace(c.Identity.File)
	if f == "" || filepath.IsAbs(f) || c.Path == "" {
		return f
	}
	return filepath.Join(filepath.Dir(c.Path), f)
}

// Load reads, decodes and validates the config file at path, with
// overrides from the process environment. It returns an *Error listing every
// problem (code stint.EINVALID), or ENOTFOUND when the file does not exist.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, stint.Errorf(stint.ENOTFOUND, "config file %s not found; create it or pass --config", path)
	}
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "read config: %v", err)
	}
	return LoadBytes(path, data, os.Getenv)
}

// LoadBytes is Load for a file already read: it decodes data (name is used
// in messages), applies the overrides that getenv returns, fills defaults and
// validates. Decoding and validation problems are reported together.
func LoadBytes(name string, data []byte, getenv func(string) string) (*Config, error) {
	f, err := parseFile(name, data)
	if err != nil {
		return nil, err
	}
	c := &Config{Path: name, Raw: data, file: f}
	d := decodeFile(name, f, c)
	c.nodes, c.keys = d.Nodes, d.Keys
	c.ApplyEnv(getenv)
	c.SetDefaults()
	problems := make([]Problem, 0, len(d.Problems))
	for _, p := range d.Problems {
		problems = append(problems, fromStrict(p))
	}
	problems = append(problems, c.check(d.Bad)...)
	if err := newError(problems); err != nil {
		return nil, err
	}
	return c, nil
}

// Parse is LoadBytes without the environment: it decodes data (name is
// used in messages), fills defaults and validates, reporting every problem in
// an *Error. Callers that want the STINT_* overrides call ApplyEnv and then
// Validate again, or use LoadBytes.
func Parse(name string, data []byte) (*Config, error) {
	return LoadBytes(name, data, func(string) string { return "" })
}

// ApplyEnv overrides the config with the STINT_* variables that getenv
// returns (see the package documentation). Empty values count as unset.
func (c *Config) ApplyEnv(getenv func(string) string) {
	set := func(name, path string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
			c.noteEnv(path, name)
		}
	}
	set("STINT_STORE", "$.store", &c.Store)
	set("STINT_LISTEN", "$.listen", &c.Listen)
	set("STINT_AWS_REGION", "$.aws.region", &c.AWS.Region)
	set("STINT_AWS_INSTANCE_ARN", "$.aws.instance_arn", &c.AWS.InstanceARN)
	set("STINT_AWS_ENDPOINT", "$.aws.endpoint", &c.AWS.Endpoint)
	set("STINT_AWS_MEMBER_ROLE", "$.aws.member_role", &c.AWS.MemberRole)
	set("STINT_LOG_LEVEL", "$.log_level", &c.LogLevel)
	set("STINT_PORTAL_BASE_URL", "$.portal.base_url", &c.Portal.BaseURL)
	set("STINT_PORTAL_ISSUER", "$.portal.issuer", &c.Portal.Issuer)
	set("STINT_PORTAL_CLIENT_ID", "$.portal.client_id", &c.Portal.ClientID)
	if v := getenv("STINT_ADMINS"); strings.TrimSpace(v) != "" {
		c.Admins = nil
		for a := range strings.SplitSeq(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.Admins = append(c.Admins, a)
			}
		}
		c.noteEnv("$.admins", "STINT_ADMINS")
	}
	if v := strings.TrimSpace(getenv("STINT_SLACK_APPROVALS_CHANNEL")); v != "" {
		if c.Slack == nil {
			c.Slack = &SlackConfig{}
		}
		set("STINT_SLACK_APPROVALS_CHANNEL", "$.slack.approvals_channel", &c.Slack.ApprovalsChannel)
	}
	if c.AWS.Region == "" {
		set("AWS_REGION", "$.aws.region", &c.AWS.Region)
	}
	if c.AWS.Region == "" {
		set("AWS_DEFAULT_REGION", "$.aws.region", &c.AWS.Region)
	}
}

func (c *Config) noteEnv(path, name string) {
	if c.fromEnv == nil {
		c.fromEnv = map[string]string{}
	}
	c.fromEnv[path] = name
}

// SetDefaults fills every unset field with its default.
func (c *Config) SetDefaults() {
	c.Store = cmp.Or(c.Store, DefaultStore)
	c.Listen = cmp.Or(c.Listen, DefaultListen)
	c.AWS.RateLimit = cmp.Or(c.AWS.RateLimit, DefaultRateLimit)
	c.AWS.MaxCreatesInFlight = cmp.Or(c.AWS.MaxCreatesInFlight, DefaultMaxCreatesInFlight)
	c.AWS.MemberRole = cmp.Or(c.AWS.MemberRole, DefaultMemberRole)
	c.ReconcileInterval = cmp.Or(c.ReconcileInterval, stint.Duration(DefaultReconcileInterval))
	c.SyncInterval = cmp.Or(c.SyncInterval, stint.Duration(DefaultSyncInterval))
	c.LogLevel = strings.ToLower(cmp.Or(c.LogLevel, DefaultLogLevel))
	c.ExpiryLookahead = cmp.Or(c.ExpiryLookahead, stint.Duration(DefaultExpiryLookahead))
	if c.Slack != nil {
		c.Slack.setDefaults()
	}
	c.Portal.setDefaults(c.Listen)
	if c.Externals != nil {
		c.Externals.setDefaults()
	}
	if strings.TrimSpace(c.Identity.File) != "" {
		c.Identity.DriftInterval = cmp.Or(c.Identity.DriftInterval, stint.Duration(DefaultDriftInterval))
	}
	if c.Audit.CheckpointKeyEnv != "" {
		c.Audit.CheckpointInterval = cmp.Or(c.Audit.CheckpointInterval, stint.Duration(DefaultCheckpointInterval))
	}
	c.Audit.setDefaults()
}

// StoreKind says which store the Store setting names: ("sqlite", path) for
// "sqlite:///abs/path.db" (path "/abs/path.db"), "sqlite://rel.db" (path
// "rel.db") or a bare path; ("postgres", dsn) for "postgres://..." and
// "postgresql://..." (the DSN unchanged). An empty Store means the default,
// ("sqlite", "stint.db"). Any other scheme gives ("", Store); Validate
// reports it.
func (c *Config) StoreKind() (kind, target string) {
	s := cmp.Or(strings.TrimSpace(c.Store), DefaultStore)
	scheme, rest, ok := strings.Cut(s, "://")
	switch {
	case !ok:
		return "sqlite", s
	case strings.EqualFold(scheme, "sqlite"):
		return "sqlite", rest
	case strings.EqualFold(scheme, "postgres"), strings.EqualFold(scheme, "postgresql"):
		return "postgres", s
	}
	return "", s
}

// IsAdmin reports whether email is one of the admins, ignoring case.
func (c *Config) IsAdmin(email string) bool {
	email = strings.TrimSpace(email)
	if email == "" {
		return false
	}
	for _, a := range c.Admins {
		if strings.EqualFold(strings.TrimSpace(a), email) {
			return true
		}
	}
	return false
}

// SlogLevel returns LogLevel as a slog.Level (info when unset or unknown).
func (c *Config) SlogLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return slog.LevelInfo
	}
	return l
}
