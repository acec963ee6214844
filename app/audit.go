package app

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
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
