package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
)

// maxDriftActions bounds the actions an identity.drift event lists; the
// counts cover them all.
const maxDriftActions = 200

// DriftReport is what one scheduled plan found.
type DriftReport struct {
	File    string
	Plan    *identityconfig.Plan
	Calls   int
	Digest  string // of the plan's actions; "" when clean
	Changed bool   // an identity.drift event was recorded
}

// CheckDrift plans the config's identity file against Identity Center, as
// `stint plan -f FILE` would with the server's ledger and shared limiter,
// and records the outcome in the stint_identity_drift_* metrics. When the
// drift differs from what the last identity.drift event recorded (new
// drift, other drift, or drift gone) it appends an identity.drift event
// with the counts and the actions. It returns EINVALID when no identity
// file is configured or the file does not parse or resolve (nothing is
// recorded but the error metric), and the AWS error when reading fails.
func (m *Main) CheckDrift(ctx context.Context) (*DriftReport, error) {
	rep, err := m.checkDrift(ctx)
	if m.drift != nil {
		m.drift.observe(rep, err)
	}
	return rep, err
}

func (m *Main) checkDrift(ctx context.Context) (*DriftReport, error) {
	cfg := m.cfg.Load()
	file := cfg.IdentityFile()
	if file == "" {
		return nil, stint.Errorf(stint.EINVALID, "no identity file is configured (identity.file)")
	}
	provider := m.identity
	if provider == nil || m.awsConfig == nil {
		return nil, stint.Errorf(stint.EINVALID, "drift detection needs the Identity Center provider")
	}
	desired, err := identityconfig.Load(file)
	if err != nil {
		return nil, err
	}
	led, err := ledgerOf(ctx, m.Store)
	if err != nil {
		return nil, err
	}
	// The directory snapshot that sync keeps is fresh enough to bind
	// names to users, groups and accounts, and costs no call; the
	// permission sets come from the read, which lists them anyway, so one
	// made since the last sync binds too.
	dir, err := m.Store.DirectoryGet(ctx)
	if err != nil {
		return nil, fmt.Errorf("drift: %w", err)
	}
	dir.PermissionSets = nil
	s := &identitySession{aws: *m.awsConfig, provider: provider, log: m.log()}
	ip, err := s.plan(ctx, desired, func(context.Context) (*stint.Directory, error) { return dir, nil }, led, cfg.Identity.Prune)
	if err != nil {
		return nil, err
	}
	rep := &DriftReport{File: file, Plan: ip.Plan, Calls: ip.Live.TotalCalls(), Digest: planDigest(ip.Plan)}
	last, err := m.Store.EventList(ctx, &stint.EventListParams{Type: stint.EventIdentityDrift, Limit: 1})
	if err != nil {
		return nil, err
	}
	lastDigest := ""
	if len(last) > 0 {
		lastDigest, _ = last[0].Data["digest"].(string)
	}
	if rep.Digest == lastDigest {
		return rep, nil
	}
	if err := m.Store.Tx(ctx, func(tx stint.Tx) error {
		return tx.EventAppend(ctx, driftEvent(rep, provider.InstanceARN()))
	}); err != nil {
		return nil, err
	}
	rep.Changed = true
	if rep.Digest == "" {
		m.log().Info("identity drift resolved", "file", file)
	} else {
		m.log().Warn("identity drift", "file", file, "actions", len(ip.Plan.Actions))
	}
	return rep, nil
}

// planDigest identifies the plan's actions, "" for none.
func planDigest(p *identityconfig.Plan) string {
	if !p.HasChanges() {
		return ""
	}
	lines := make([]string, len(p.Actions))
	for i, a := range p.Actions {
		lines[i] = string(a.Op) + " " + string(a.Kind) + " " + a.Name + " " + a.Member
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func driftEvent(rep *DriftReport, subject string) *stint.Event {
	counts := map[string]any{}
	for kind, ops := range rep.Plan.Counts() {
		for op, n := range ops {
			counts[string(op)+" "+string(kind)] = n
		}
	}
	actions := []any{}
	for i, a := range rep.Plan.Actions {
		if i == maxDriftActions {
			break
		}
		actions = append(actions, string(a.Op)+" "+string(a.Kind)+" "+describe(a))
	}
	data := map[string]any{"file": rep.File, "digest": rep.Digest, "drift": rep.Plan.HasChanges(),
		"total": len(rep.Plan.Actions), "counts": counts, "actions": actions, "calls": rep.Calls}
	if len(rep.Plan.Notes) > 0 {
		data["notes"] = rep.Plan.Notes
	}
	return &stint.Event{ID: stint.NewID(), Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system",
		Type: stint.EventIdentityDrift, Subject: subject, Data: data}
}

func describe(a identityconfig.Action) string {
	if a.Kind == identityconfig.KindMembership {
		return a.Member + " in " + a.Name
	}
	return a.Name
}

// driftMetrics are the stint_identity_drift_* series.
type driftMetrics struct {
	actions *prometheus.GaugeVec
	checks  *prometheus.CounterVec
	last    prometheus.Gauge
}

func newDriftMetrics(reg prometheus.Registerer) *driftMetrics {
	d := &driftMetrics{
		actions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "stint_identity_drift_actions",
			Help: "Changes the last scheduled plan of the identity file found, by kind and operation (0 when Identity Center matches the file).",
		}, []string{"kind", "op"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stint_identity_drift_checks_total",
			Help: "Scheduled plans of the identity file, by result: clean, drift or error.",
		}, []string{"result"}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stint_identity_drift_last_check_timestamp_seconds",
			Help: "When the last scheduled plan of the identity file completed, successfully or not.",
		}),
	}
	reg.MustRegister(d.actions, d.checks, d.last)
	return d
}

func (d *driftMetrics) observe(rep *DriftReport, err error) {
	d.last.SetToCurrentTime()
	if err != nil {
		d.checks.WithLabelValues("error").Inc()
		return
	}
	d.actions.Reset()
	for _, kind := range identityconfig.Kinds {
		for _, op := range []identityconfig.Op{identityconfig.OpCreate, identityconfig.OpUpdate, identityconfig.OpDelete} {
			d.actions.WithLabelValues(string(kind), string(op)).Set(float64(rep.Plan.Counts()[kind][op]))
		}
	}
	if rep.Plan.HasChanges() {
		d.checks.WithLabelValues("drift").Inc()
	} else {
		d.checks.WithLabelValues("clean").Inc()
	}
}
