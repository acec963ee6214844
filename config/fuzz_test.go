package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

// FuzzParse feeds arbitrary bytes to the config parser: it must never panic,
// and every failure must be an EINVALID error (a clear message, not a crash).
// Seeds: the example files under testdata and a few shapes of the flow
// language; run longer with `go test -fuzz FuzzParse ./config`.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("store: sqlite://x.db\naws: {region: us-east-1}\nflows: [{name: a, requesters: [group:E], resources: [{identity_center: {accounts: [all], permission_sets: [P]}}], max_duration: 1h, auto_approve: true}]\n"))
	f.Add([]byte("groups: {A: [group:B], B: [group:A]}\n"))
	f.Add([]byte("flows:\n  - name: x\n    approval_steps: [{approvers: [user:a@b.c], quorum: 2}]\n    auto_approve_when: [{time: {days: [mon-fri], hours: 22:00-06:00, timezone: Europe/Berlin}}]\n    cedar: |\n      forbid (principal, action, resource) when { context.hour < 6 };\n"))
	f.Add([]byte("&a {b: *a}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.LoadBytes("fuzz.yaml", data, func(string) string { return "" })
		if err != nil {
			if stint.ErrorCode(err) != stint.EINVALID {
				t.Fatalf("error without EINVALID: %v", err)
			}
			return
		}
		if cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}
