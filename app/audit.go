package app

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
	"github.com/stint-dev/stint/audit/s3forward"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/jobs"
)

// checkpointSigner returns the signer of the config's checkpoint key, nil
// when checkpoints are off, or EINVALID when the key's variable is unset or
// holds no ed25519 key.
func checkpointSigner(cfg *config.Config) (*audit.Signer, error) {
	env := cfg.Audit.CheckpointKeyEnv
	if env == "" {
		return nil, nil
	}
	raw := os.Getenv(env)
	if raw == "" {
		return nil, stint.Errorf(stint.EINVALID, "audit.checkpoint_key_env names %s, which is not set; set it to the key `stint audit keygen` printed", env)
	}
	key, err := audit.ParsePrivateKey(raw)
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "%s: %s", env, stint.ErrorMessage(err))
	}
	return &audit.Signer{Key: key}, nil
}

// checkpointTask signs the chain's head periodically, on the leader.
func checkpointTask(signer *audit.Signer, store stint.Store, interval time.Duration) jobs.Task {
	return jobs.Task{Name: "audit_checkpoint", Interval: interval, Run: func(ctx context.Context) error {
		_, err := signer.Checkpoint(ctx, store)
		return err
	}}
}

// VerifyAudit runs `stint audit verify`: it opens the config's store and
// checks the whole trail (see audit.Verify) with the config's public keys,
// the checkpoint key's own and the extra ones given (base64). It returns
// EINVALID for a bad key and ENOTFOUND when the SQLite store does not exist.
func VerifyAudit(ctx context.Context, configPath string, extraKeys []string) (*audit.Report, error) {
	cfg, err := config.Load(configPath)
	if err != nil {
		return nil, err
	}
	var keys []ed25519.PublicKey
	for _, k := range append(append([]string(nil), cfg.Audit.PublicKeys...), extraKeys...) {
		pub, err := audit.ParsePublicKey(k)
		if err != nil {
			return nil, err
		}
		keys = append(keys, pub)
	}
	if signer, err := checkpointSigner(cfg); err == nil && signer != nil {
		keys = append(keys, signer.Key.Public().(ed25519.PublicKey))
	}
	if kind, target := cfg.StoreKind(); kind == "sqlite" {
		if _, err := os.Stat(target); err != nil {
			return nil, stint.Errorf(stint.ENOTFOUND, "store %s does not exist: nothing to verify", target)
		}
	}
	store, _, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	return audit.Verify(ctx, store, keys)
}

// AuditKeygen returns a new checkpoint key pair, base64: the private key
// (its 32-byte seed, for audit.checkpoint_key_env) and the public key (for
// audit.public_keys and `stint audit verify --key`).
func AuditKeygen() (private, public string, err error) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(priv.Seed()), base64.StdEncoding.EncodeToString(pub), nil
}

// Checkpoint signs and records the chain's head now, when checkpoints are
// configured (the periodic task does it every checkpoint_interval).
func (m *Main) Checkpoint(ctx context.Context) error {
	signer, err := checkpointSigner(m.cfg.Load())
	if err != nil || signer == nil {
		return err
	}
	_, err = signer.Checkpoint(ctx, m.Store)
	return err
}

// auditTasks are the leader's audit work the config asks for: forwarding
// the trail, retention and the weekly report. It returns EINVALID when a
// destination's secret variable is unset.
func (m *Main) auditTasks(ctx context.Context, cfg *config.Config, signer *audit.Signer) ([]jobs.Task, error) {
	a := cfg.Audit
	var tasks []jobs.Task
	if len(a.Forward) > 0 {
		dests, err := m.forwardDestinations(ctx, cfg)
		if err != nil {
			return nil, err
		}
		f := &audit.Forwarder{Store: m.Store, Destinations: dests, Logger: m.Logger}
		tasks = append(tasks, jobs.Task{Name: "audit_forward", Interval: time.Duration(a.ForwardInterval), Run: func(ctx context.Context) error {
			err := f.Run(ctx)
			if err != nil {
				// The next run retries from the cursors; River need not.
				m.log().Warn("audit forwarding failed; retrying on the next run", "err", err)
			}
			return nil
		}})
	}
	if a.Retention.Keep > 0 {
		ret, err := m.retention(cfg, signer)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, jobs.Task{Name: "audit_retention", Interval: time.Duration(a.Retention.Interval), Run: func(ctx context.Context) error {
			rep, err := ret.Prune(ctx)
			if err != nil {
				return err
			}
			if rep.Pruned > 0 {
				m.log().Info("audit retention removed old events", "events", rep.Pruned, "through", rep.Through, "held_by", rep.HeldBy)
			}
			return nil
		}})
	}
	if a.WeeklyReport {
		tasks = append(tasks, jobs.Task{Name: "audit_weekly_report", Interval: time.Hour, Run: func(ctx context.Context) error {
			_, err := m.Service.RecordWeeklyReport(ctx)
			return err
		}})
	}
	return tasks, nil
}

func (m *Main) getenv(name string) string {
	if m.Getenv != nil {
		return m.Getenv(name)
	}
	return os.Getenv(name)
}

// forwardDestinations builds the config's forwarding destinations.
func (m *Main) forwardDestinations(ctx context.Context, cfg *config.Config) ([]audit.Destination, error) {
	subjects := &audit.Subjects{Reader: m.Store}
	var out []audit.Destination
	for _, f := range cfg.Audit.Forward {
		format := audit.Format(f.Format)
		switch {
		case f.Webhook != nil:
			w := &audit.Webhook{DestName: f.Name, URL: f.Webhook.URL, Format: format, Subjects: subjects}
			for env, dst := range map[string]*string{f.Webhook.SecretEnv: &w.Secret, f.Webhook.AuthorizationEnv: &w.Authorization} {
				if env == "" {
					continue
				}
				if *dst = m.getenv(env); *dst == "" {
					return nil, stint.Errorf(stint.EINVALID, "audit forward destination %q: environment variable %s is not set", f.Name, env)
				}
			}
			out = append(out, w)
		case f.S3 != nil:
			client, err := m.s3Client(ctx, cfg, f.S3.Region)
			if err != nil {
				return nil, err
			}
			out = append(out, &s3forward.Destination{DestName: f.Name, Client: client, Bucket: f.S3.Bucket, Prefix: f.S3.Prefix,
				Format: format, Subjects: subjects})
		}
	}
	return out, nil
}

// s3Client returns an S3 client of the AWS configuration stint runs with,
// in region (default: aws.region).
func (m *Main) s3Client(ctx context.Context, cfg *config.Config, region string) (*s3.Client, error) {
	ac, err := m.sdkConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("audit forwarding: %w", err)
	}
	pathStyle := localEndpoint(cfg.AWS.Endpoint)
	return s3.NewFromConfig(ac, func(o *s3.Options) {
		o.UsePathStyle = pathStyle
		if region != "" {
			o.Region = region
		}
	}), nil
}

// retention builds the config's retention, which needs the checkpoint key.
func (m *Main) retention(cfg *config.Config, signer *audit.Signer) (*audit.Retention, error) {
	if signer == nil {
		return nil, stint.Errorf(stint.EINVALID, "audit.retention needs audit.checkpoint_key_env")
	}
	var keys []ed25519.PublicKey
	for _, k := range cfg.Audit.PublicKeys {
		pub, err := audit.ParsePublicKey(k)
		if err != nil {
			return nil, err
		}
		keys = append(keys, pub)
	}
	names := make([]string, 0, len(cfg.Audit.Forward))
	for _, f := range cfg.Audit.Forward {
		names = append(names, f.Name)
	}
	return &audit.Retention{Store: m.Store, Signer: signer, Keys: keys, Keep: time.Duration(cfg.Audit.Retention.Keep),
		Destinations: func() []string { return names }}, nil
}
