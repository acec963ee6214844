package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/policy"
)

// Serve runs `stint serve`: it starts Main, reloads the config on SIGHUP and
// stops on ctx's end (SIGINT/SIGTERM in cmd/stint).
func Serve(ctx context.Context, configPath string) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	m := &Main{ConfigPath: configPath, Config: cfg, Logger: NewLogger(cfg.LogLevel)}
	if err := m.Run(ctx); err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return m.Close()
		case <-hup:
			_ = m.Reload()
		}
	}
}

// ValidateConfig runs `stint config validate`: the file must load, its flows
// must compile to Cedar policies, and, when the configured SQLite store
// already holds a directory snapshot, every group, user, account, OU and
// permission set it names must exist there (errors) and the advice of
// config.CheckAgainst is printed as warnings on stderr.
func ValidateConfig(configPath string) error {
	cfg, err := config.Load(configPath)
	if err != nil {
		return err
	}
	if _, err := policy.New(policy.Config{Flows: cfg.Flows, Groups: cfg.Groups}); err != nil {
		return fmt.Errorf("%s: %w", configPath, err)
	}
	dir := snapshot(cfg)
	if dir == nil {
		return nil
	}
	var errs []string
	for _, p := range cfg.CheckAgainst(dir) {
		if p.Warning {
			fmt.Fprintln(os.Stderr, p.String())
			continue
		}
		errs = append(errs, p.String())
	}
	if len(errs) > 0 {
		return stint.Errorf(stint.EINVALID, "%s", strings.Join(errs, "\n"))
	}
	return nil
}

// snapshot returns the directory the configured store last synced, when the
// store is an existing SQLite file (validation never creates a store).
func snapshot(cfg *config.Config) *stint.Directory {
	kind, target := cfg.StoreKind()
	if kind != "sqlite" {
		return nil
	}
	if _, err := os.Stat(target); err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, _, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil
	}
	defer store.Close()
	dir, err := store.DirectoryGet(ctx)
	if err != nil {
		return nil
	}
	return dir
}

// CreateToken runs `stint token create`: it works on the store directly (the
// server may be running), checks the user exists in the last directory
// snapshot when there is one, and returns the new token. Only its hash is
// stored.
func CreateToken(ctx context.Context, configPath, email, name string, ttl time.Duration) (string, error) {
	email = strings.TrimSpace(email)
	if !strings.Contains(email, "@") {
		return "", stint.Errorf(stint.EINVALID, "--user must be an email address, got %q", email)
	}
	cfg, err := config.Load(configPath)
	if err != nil {
		return "", err
	}
	store, _, err := OpenStore(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer store.Close()
	if dir, err := store.DirectoryGet(ctx); err == nil {
		if _, err := dir.UserByEmail(email); err != nil && !cfg.IsAdmin(email) {
			return "", stint.Errorf(stint.ENOTFOUND, "%s is not in the identity store; check the email or wait for the next sync", email)
		}
	}
	secret, hash := stint.NewTokenSecret()
	now := time.Now().UTC().Truncate(time.Microsecond)
	t := &stint.Token{ID: stint.NewID(), Hash: hash, UserEmail: strings.ToLower(email), Name: name, CreatedAt: now}
	if ttl > 0 {
		exp := now.Add(ttl)
		t.ExpiresAt = &exp
	}
	err = store.Tx(ctx, func(tx stint.Tx) error {
		if err := tx.TokenCreate(ctx, t); err != nil {
			return err
		}
		return tx.EventAppend(ctx, &stint.Event{ID: stint.NewID(), Time: now, Actor: "cli", Type: stint.EventTokenCreated,
			Subject: t.ID, Data: map[string]any{"user": t.UserEmail, "name": name, "expires_at": t.ExpiresAt}})
	})
	if err != nil {
		return "", fmt.Errorf("store token: %w", err)
	}
	return secret, nil
}
