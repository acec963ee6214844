package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/stint-dev/stint"
)

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// Validate checks the config's meaning: store, listen address, admins, AWS
// settings and every flow. It returns an *Error (code stint.EINVALID) listing
// every problem, each located in the file the config was parsed from, or
// naming the environment variable that set the value.
func (c *Config) Validate() error {
	return newError(c.check(nil))
}

// checker collects semantic problems. Problems at or under (or above) a path
// that could not be decoded are dropped: the decoding problem already says
// what is wrong there.
type checker struct {
	c        *Config
	bad      []string
	problems []Problem
}

func (c *Config) check(bad []string) []Problem {
	ch := &checker{c: c, bad: bad}
	ch.top()
	ch.aws()
	ch.groups()
	ch.flows()
	ch.webhooks()
	ch.slack()
	ch.portal()
	ch.externals()
	ch.reviews()
	return ch.problems
}

func (ch *checker) webhooks() {
	for i, w := range ch.c.Webhooks {
		path := fmt.Sprintf("$.webhooks[%d]", i)
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ch.at(path+".url", "webhook url %q must be an http(s) URL", w.URL)
		}
		if w.SecretEnv != "" && !envName.MatchString(w.SecretEnv) {
			ch.at(path+".secret_env", "secret_env %q must name an environment variable (letters, digits, _), not hold the secret", w.SecretEnv)
		}
	}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (ch *checker) at(path, format string, args ...any) {
	for _, b := range ch.bad {
		if related(path, b) {
			return
		}
	}
	p := Problem{File: ch.c.Path, Message: fmt.Sprintf(format, args...)}
	if env := ch.envFor(path); env != "" {
		p.File = env
	} else {
		p.Line, p.Col = ch.locate(path)
	}
	ch.problems = append(ch.problems, p)
}

// related reports whether one path is the other or inside it.
func related(a, b string) bool {
	under := func(x, y string) bool {
		return x == y || strings.HasPrefix(x, y+".") || strings.HasPrefix(x, y+"[")
	}
	return under(a, b) || under(b, a)
}

// envFor returns the environment variable that set the value at path, if any.
func (ch *checker) envFor(path string) string {
	for p, name := range ch.c.fromEnv {
		if path == p || strings.HasPrefix(path, p+"[") || strings.HasPrefix(path, p+".") {
			return name
		}
	}
	return ""
}

// locate finds the node at path in the file, or its nearest ancestor when the
// key is absent, and returns its position.
func (ch *checker) locate(path string) (line, col int) {
	for {
		if n, ok := ch.c.keys[path]; ok { // a map entry: at its key
			return position(n)
		}
		if n, ok := ch.c.nodes[path]; ok {
			return position(n)
		}
		if ch.c.file != nil && ch.c.nodes == nil {
			if p, err := yaml.PathString(path); err == nil {
				if n, err := p.FilterFile(ch.c.file); err == nil && n != nil {
					return position(n)
				}
			}
		}
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			return 0, 0
		}
		path = path[:i]
	}
}

func (ch *checker) top() {
	c := ch.c
	switch kind, target := c.StoreKind(); {
	case kind == "":
		ch.at("$.store", "store %q has an unknown scheme; use sqlite://PATH, a file path, or postgres://...", c.Store)
	case target == "":
		ch.at("$.store", "store %q names no database file; use e.g. sqlite:///var/lib/stint/stint.db", c.Store)
	}
	if err := checkListen(c.Listen); err != "" {
		ch.at("$.listen", "listen address %q %s", c.Listen, err)
	}
	for i, a := range c.Admins {
		if addr, err := mail.ParseAddress(a); err != nil || addr.Address != strings.TrimSpace(a) {
			ch.at(fmt.Sprintf("$.admins[%d]", i), "admin %q is not an email address", a)
		}
	}
	switch c.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		ch.at("$.log_level", "log_level %q must be debug, info, warn or error", c.LogLevel)
	}
	for _, d := range []struct {
		path string
		v    stint.Duration
	}{
		{"$.reconcile_interval", c.ReconcileInterval},
		{"$.sync_interval", c.SyncInterval},
		{"$.expiry_lookahead", c.ExpiryLookahead},
	} {
		if d.v < 0 {
			ch.at(d.path, "%s must be positive", display(d.path))
		}
	}
	ch.identity()
	ch.audit()
	ch.discovery()
}

func (ch *checker) discovery() {
	d := ch.c.Discovery
	if i := time.Duration(d.Interval); i < 0 || (i != 0 && i < MinDiscoveryInterval) {
		ch.at("$.discovery.interval", "discovery.interval %s is shorter than %s; scans would eat the Identity Center call budget that grants need (0 or leave it out: no scheduled scans)", i, MinDiscoveryInterval)
	}
	if d.Parallel < 0 || d.Parallel > MaxDiscoveryParallel {
		ch.at("$.discovery.parallel", "discovery.parallel %d must be from 1 to %d (member accounts read at once)", d.Parallel, MaxDiscoveryParallel)
	}
}

func (ch *checker) audit() {
	a := ch.c.Audit
	if a.CheckpointKeyEnv != "" && !envName.MatchString(a.CheckpointKeyEnv) {
		ch.at("$.audit.checkpoint_key_env", "checkpoint_key_env %q must name an environment variable (letters, digits, _), not hold the key", a.CheckpointKeyEnv)
	}
	if d := time.Duration(a.CheckpointInterval); d != 0 && d < time.Minute {
		ch.at("$.audit.checkpoint_interval", "checkpoint_interval %s is shorter than 1m", d)
	}
	for i, k := range a.PublicKeys {
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k)); err != nil || len(b) != 32 {
			ch.at(fmt.Sprintf("$.audit.public_keys[%d]", i), "public key %d is not a base64 ed25519 public key (32 bytes), as `stint audit keygen` prints it", i)
		}
	}
	ch.auditForward()
}

func (ch *checker) identity() {
	id := ch.c.Identity
	if strings.TrimSpace(id.File) == "" {
		if id.DriftInterval != 0 || id.Prune {
			ch.at("$.identity", "identity needs a file to check for drift (identity.file: identity.yaml)")
		}
		return
	}
	if _, err := os.Stat(ch.c.IdentityFile()); err != nil {
		ch.at("$.identity.file", "identity file %s cannot be read: %v", ch.c.IdentityFile(), errors.Unwrap(err))
	}
	if d := time.Duration(id.DriftInterval); d != 0 && d < MinDriftInterval {
		ch.at("$.identity.drift_interval", "drift_interval %s is shorter than %s; scheduled plans would eat the Identity Center call budget that grants need", d, MinDriftInterval)
	}
}

func checkListen(addr string) string {
	if addr == "" {
		return ""
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "must be HOST:PORT, e.g. 127.0.0.1:8080 or :8080"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "has a bad port; use a number from 0 to 65535"
	}
	return ""
}

func (ch *checker) aws() {
	a := ch.c.AWS
	switch {
	case a.Region == "":
		ch.at("$.aws.region", "aws.region is required (or set AWS_REGION), e.g. us-east-1")
	case !regionPattern.MatchString(a.Region):
		ch.at("$.aws.region", "aws.region %q is not an AWS region name such as us-east-1", a.Region)
	}
	if a.InstanceARN != "" && !(strings.HasPrefix(a.InstanceARN, "arn:") && strings.Contains(a.InstanceARN, ":sso:::instance/")) {
		ch.at("$.aws.instance_arn", "aws.instance_arn %q is not an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...)", a.InstanceARN)
	}
	if a.Endpoint != "" {
		if u, err := url.Parse(a.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ch.at("$.aws.endpoint", "aws.endpoint %q must be an http:// or https:// URL", a.Endpoint)
		}
	}
	if a.RateLimit < 0 || math.IsNaN(a.RateLimit) || math.IsInf(a.RateLimit, 0) {
		ch.at("$.aws.rate_limit", "aws.rate_limit must be a positive number of requests per second")
	}
	if a.MaxCreatesInFlight < 0 || a.MaxCreatesInFlight > MaxCreatesInFlightLimit {
		ch.at("$.aws.max_creates_in_flight", "aws.max_creates_in_flight must be from 1 to %d (Identity Center's limit)", MaxCreatesInFlightLimit)
	}
	if a.MemberRole != "" && !roleName.MatchString(a.MemberRole) {
		ch.at("$.aws.member_role", "aws.member_role %q is not an IAM role name (letters, digits and +=,.@_-, up to 64)", a.MemberRole)
	}
}

var roleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

func (ch *checker) flows() {
	names := map[string]int{}
	for i := range ch.c.Flows {
		f := &ch.c.Flows[i]
		fp := fmt.Sprintf("$.flows[%d]", i)
		before := len(ch.problems)
		if f.Name == "" {
			ch.at(fp+".name", "flow without a name; add e.g. name: prod-admin")
		} else if first, ok := names[f.Name]; ok {
			ch.at(fp+".name", "flow name %q is already used by flows[%d]", f.Name, first)
		} else {
			names[f.Name] = i
		}
		ch.flow(f, fp)
		// Catch anything the domain checks that the checks above do not.
		if len(ch.problems) == before && !ch.isBad(fp) {
			if err := f.Validate(); err != nil {
				ch.at(fp, "%s", stint.ErrorMessage(err))
			}
		}
	}
}

func (ch *checker) isBad(path string) bool {
	for _, b := range ch.bad {
		if related(path, b) {
			return true
		}
	}
	return false
}

func (ch *checker) flow(f *stint.Flow, fp string) {
	label := fmt.Sprintf("flow %q", f.Name)
	if f.Name == "" {
		label = display(fp)
	}
	if len(f.Requesters) == 0 {
		ch.at(fp+".requesters", "%s: requesters is empty; add e.g. requesters: [group:Engineers]", label)
	}
	for j, p := range f.Requesters {
		if err := stint.ValidateRequesterRef(p); err != nil {
			ch.at(fmt.Sprintf("%s.requesters[%d]", fp, j), "%s: %s", label, stint.ErrorMessage(err))
		}
	}
	for j, p := range f.Approvers {
		if err := stint.ValidatePrincipalRef(p); err != nil {
			ch.at(fmt.Sprintf("%s.approvers[%d]", fp, j), "%s: %s", label, stint.ErrorMessage(err))
		}
	}
	if f.MaxDuration <= 0 {
		ch.at(fp+".max_duration", "%s: max_duration is required, e.g. max_duration: 4h", label)
	} else if f.DefaultDuration > f.MaxDuration {
		ch.at(fp+".default_duration", "%s: default_duration %s exceeds max_duration %s", label, f.DefaultDuration, f.MaxDuration)
	}
	if f.MaxExtensions < -1 {
		ch.at(fp+".max_extensions", "%s: max_extensions must be -1 (none), 0 (the default, %d) or more", label, stint.DefaultMaxExtensions)
	}
	if len(f.Resources) == 0 {
		ch.at(fp+".resources", "%s: resources is empty; add e.g. - identity_center: {accounts: [all], permission_sets: [ReadOnlyAccess]}", label)
	}
	ch.resources(label, fp+".resources", f.Resources)
	ch.flowExtras(f, fp, label)
	ch.externalFlow(f, fp, label)
}

// resources checks a list of resource selectors at path.
func (ch *checker) resources(label, path string, rs []stint.FlowResource) {
	for k, r := range rs {
		rp := fmt.Sprintf("%s[%d]", path, k)
		name := display(rp)[strings.LastIndex(display(rp), ".")+1:]
		ic := r.IdentityCenter
		if ic == nil {
			ch.otherResource(label, rp, name, &r)
			continue
		}
		if len(ic.Accounts) == 0 {
			ch.at(rp+".identity_center.accounts", "%s: %s needs accounts (an account ID, name:NAME, ou:PATH, tag:KEY=VALUE or all)", label, name)
		}
		if len(ic.PermissionSets) == 0 {
			ch.at(rp+".identity_center.permission_sets", "%s: %s needs permission_sets", label, name)
		}
		for m, sel := range ic.Accounts {
			if err := stint.ValidateAccountSelector(sel); err != nil {
				ch.at(fmt.Sprintf("%s.identity_center.accounts[%d]", rp, m), "%s: %s", label, stint.ErrorMessage(err))
			}
		}
		for m, ps := range ic.PermissionSets {
			if strings.TrimSpace(ps) == "" {
				ch.at(fmt.Sprintf("%s.identity_center.permission_sets[%d]", rp, m), "%s: empty permission set name", label)
			}
		}
	}
}

// otherResource checks a resource entry without an identity_center
// selector: exactly one selector of another type, and its form.
func (ch *checker) otherResource(label, rp, name string, r *stint.FlowResource) {
	sel := r.Selector()
	if sel == nil {
		ch.at(rp, "%s: %s has no selector; set one of identity_center, s3, ec2, eks, rds, iam_role or iam_group", label, name)
		return
	}
	if err := r.Validate(); err != nil {
		key := rp + "." + yamlKey(sel.Type)
		if strings.Contains(stint.ErrorMessage(err), "only one selector") {
			key = rp
		}
		ch.at(key, "%s: %s: %s", label, name, stint.ErrorMessage(err))
	}
}

// yamlKey is a selector's key in a resource entry.
func yamlKey(t stint.ResourceType) string {
	switch t {
	case stint.ResourceIAMRole:
		return "iam_role"
	case stint.ResourceIAMGroup:
		return "iam_group"
	}
	return strings.TrimPrefix(string(t), "aws-")
}
