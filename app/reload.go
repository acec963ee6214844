package app

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

// reloadMu serialises reloads from SIGHUP and the file watcher.
var reloadMu sync.Mutex

// Reload re-reads the config file. A config that does not validate is
// rejected and the running one kept; store and listen changes need a
// restart. Every reload, taken or rejected, is an audit event carrying the
// diff and the hashes of the old and new file.
func (m *Main) Reload() error {
	reloadMu.Lock()
	defer reloadMu.Unlock()
	ctx := context.Background()
	old := m.cfg.Load()
	cfg, err := config.Load(m.ConfigPath)
	if err == nil {
		err = m.applyConfig(cfg)
	}
	if err != nil {
		m.log().Error("config reload rejected; keeping the running config", "err", err)
		m.recordConfigEvent(ctx, stint.EventConfigRejected, map[string]any{"error": err.Error(), "running_hash": old.Hash()})
		return err
	}
	diff := config.Diff(old, cfg)
	if diff.Empty() {
		return nil
	}
	m.log().Info("config reloaded", "flows", len(cfg.Flows), "old_hash", diff.OldHash, "new_hash", diff.NewHash)
	m.recordConfigEvent(ctx, stint.EventConfigReloaded, toMap(diff))
	return nil
}

func (m *Main) recordConfigEvent(ctx context.Context, typ string, data map[string]any) {
	if m.Store == nil {
		return
	}
	err := m.Store.Tx(ctx, func(tx stint.Tx) error {
		return tx.EventAppend(ctx, &stint.Event{ID: stint.NewID(), Time: time.Now().UTC().Truncate(time.Microsecond),
			Actor: "config", Type: typ, Subject: m.ConfigPath, Data: data})
	})
	if err != nil {
		m.log().Warn("record config event", "type", typ, "err", err)
	}
}

// watchConfig reloads when the file changes (SIGHUP works too).
func (m *Main) watchConfig(ctx context.Context) {
	if m.ConfigPath == "" {
		return
	}
	m.watcher = config.Watch(ctx, m.ConfigPath, config.DefaultWatchInterval, func() { _ = m.Reload() })
}

func toMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
