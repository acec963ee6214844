package config

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/stint-dev/stint"
)

// Defaults of the audit forwarding and retention settings.
const (
	DefaultForwardInterval   = time.Minute
	DefaultForwardBatch      = 500
	MaxForwardBatch          = 10000
	DefaultRetentionInterval = 6 * time.Hour
	// MinRetentionKeep keeps retention from deleting what was just written.
	MinRetentionKeep = 24 * time.Hour
)

// AuditForward is one destination the audit trail is forwarded to: a
// webhook (a SIEM's HTTP collector) or an S3 bucket, exactly one. Each
// gets every event once its turn comes, in chain order, at least once,
// resuming after failures and restarts from its cursor in the store.
type AuditForward struct {
	// Name names the destination's cursor: lower-case letters, digits, -
	// and _. Renaming it starts the destination over from the oldest
	// event kept. Required, unique.
	Name string `json:"name" yaml:"name"`
	// Format is jsonl (stint events) or ocsf (OCSF events), one per line.
	// Default: jsonl.
	Format string `json:"format,omitempty" yaml:"format"`
	// Batch is the most events per delivery (a POST, an S3 object), at
	// most 10000. Default: 500.
	Batch   int                  `json:"batch,omitempty" yaml:"batch"`
	Webhook *AuditForwardWebhook `json:"webhook,omitempty" yaml:"webhook"`
	S3      *AuditForwardS3      `json:"s3,omitempty" yaml:"s3"`
}

// AuditForwardWebhook POSTs batches as JSON lines to a URL.
type AuditForwardWebhook struct {
	// URL is the collector's http(s) URL. Required.
	URL string `json:"url" yaml:"url"`
	// SecretEnv names the variable holding the HMAC secret that signs
	// each body (X-Stint-Signature). Default: "" (unsigned).
	SecretEnv string `json:"secret_env,omitempty" yaml:"secret_env"`
	// AuthorizationEnv names the variable holding the Authorization
	// header's value, e.g. "Splunk <HEC token>". Default: "" (none).
	AuthorizationEnv string `json:"authorization_env,omitempty" yaml:"authorization_env"`
}

// AuditForwardS3 writes each batch as an object of JSON lines, keyed
// PREFIX/YYYY/MM/DD/HH/<first seq>.jsonl.
type AuditForwardS3 struct {
	// Bucket is the bucket's name. Required.
	Bucket string `json:"bucket" yaml:"bucket"`
	// Prefix starts every key, e.g. "stint/prod/". Default: "".
	Prefix string `json:"prefix,omitempty" yaml:"prefix"`
	// Region is the bucket's region. Default: aws.region.
	Region string `json:"region,omitempty" yaml:"region"`
}

// AuditRetention removes events from the store once they are old enough,
// a signed checkpoint covers them and every forwarding destination has
// them; each removal leaves a signed anchor `stint audit verify` starts
// from. It needs checkpoint_key_env.
type AuditRetention struct {
	// Keep is how long events stay in the store, at least 1d, e.g. 365d.
	// Default: 0 (forever).
	Keep stint.Duration `json:"keep,omitempty" yaml:"keep"`
	// Interval is the time between retention runs, on the leader.
	// Default: 6h when Keep is set.
	Interval stint.Duration `json:"interval,omitempty" yaml:"interval"`
}

func (a *AuditConfig) setDefaults() {
	if len(a.Forward) > 0 {
		a.ForwardInterval = cmp.Or(a.ForwardInterval, stint.Duration(DefaultForwardInterval))
	}
	for i := range a.Forward {
		f := &a.Forward[i]
		f.Format = strings.ToLower(cmp.Or(strings.TrimSpace(f.Format), "jsonl"))
		f.Batch = cmp.Or(f.Batch, DefaultForwardBatch)
	}
	if a.Retention.Keep > 0 {
		a.Retention.Interval = cmp.Or(a.Retention.Interval, stint.Duration(DefaultRetentionInterval))
	}
}

var destinationName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (ch *checker) auditForward() {
	a := ch.c.Audit
	seen := map[string]bool{}
	for i, f := range a.Forward {
		path := fmt.Sprintf("$.audit.forward[%d]", i)
		switch {
		case !destinationName.MatchString(f.Name):
			ch.at(path+".name", "forward destination %d needs a name of lower-case letters, digits, - and _ (it names its cursor), e.g. name: siem", i)
		case seen[f.Name]:
			ch.at(path+".name", "forward destination name %q is used twice; each destination has its own cursor", f.Name)
		}
		seen[f.Name] = true
		if f.Format != "jsonl" && f.Format != "ocsf" {
			ch.at(path+".format", "format %q is not jsonl or ocsf", f.Format)
		}
		if f.Batch < 1 || f.Batch > MaxForwardBatch {
			ch.at(path+".batch", "batch %d must be from 1 to %d", f.Batch, MaxForwardBatch)
		}
		switch {
		case (f.Webhook == nil) == (f.S3 == nil):
			ch.at(path, "forward destination %q needs exactly one of webhook or s3", f.Name)
		case f.Webhook != nil:
			u, err := url.Parse(f.Webhook.URL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				ch.at(path+".webhook.url", "webhook url %q must be an http(s) URL", f.Webhook.URL)
			}
			for field, env := range map[string]string{"secret_env": f.Webhook.SecretEnv, "authorization_env": f.Webhook.AuthorizationEnv} {
				if env != "" && !envName.MatchString(env) {
					ch.at(path+".webhook."+field, "%s %q must name an environment variable (letters, digits, _), not hold the secret", field, env)
				}
			}
		case strings.TrimSpace(f.S3.Bucket) == "":
			ch.at(path+".s3.bucket", "forward destination %q needs the bucket's name (s3.bucket)", f.Name)
		}
	}
	if d := time.Duration(a.ForwardInterval); d != 0 && d < time.Second {
		ch.at("$.audit.forward_interval", "forward_interval %s is shorter than 1s", d)
	}
	r := a.Retention
	switch keep := time.Duration(r.Keep); {
	case keep < 0:
		ch.at("$.audit.retention.keep", "retention keep must be positive")
	case keep > 0 && keep < MinRetentionKeep:
		ch.at("$.audit.retention.keep", "retention keep %s is shorter than 1d", stint.FormatDuration(keep))
	case keep > 0 && a.CheckpointKeyEnv == "":
		ch.at("$.audit.retention", "retention needs audit.checkpoint_key_env: removed events must be vouched for by signed checkpoints and anchors")
	case keep == 0 && r.Interval != 0:
		ch.at("$.audit.retention", "retention needs keep (how long events stay), e.g. keep: 365d")
	}
	if d := time.Duration(r.Interval); d < 0 || (d > 0 && d < time.Minute) {
		ch.at("$.audit.retention.interval", "retention interval %s is shorter than 1m", d)
	}
}
