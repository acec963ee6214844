// Command stint is the stint server and CLI in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/stint-dev/stint/app"
	"github.com/stint-dev/stint/cli"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/slack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := cli.NewRoot(cli.Options{
		Serve:          app.Serve,
		CreateToken:    app.CreateToken,
		ValidateConfig: app.ValidateConfig,
		VerifyAudit:    app.VerifyAudit,
		AuditKeygen:    app.AuditKeygen,
		Plan:           plan,
		SlackManifest:  slack.Manifest,
		Apply:          apply,
		Export: func(ctx context.Context, configPath string, identities bool) ([]byte, error) {
			return app.Export(ctx, app.ExportOptions{IdentityOptions: app.IdentityOptions{ConfigPath: configPath}, Identities: identities})
		},
		Discover:         discover,
		DiscoverScans:    app.DiscoverScans,
		DiscoverFindings: app.DiscoverFindings,
		DiscoverDiff:     app.DiscoverDiff,
	})
	code := cli.Execute(ctx, root, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func planOptions(req cli.PlanRequest) app.PlanOptions {
	return app.PlanOptions{IdentityOptions: app.IdentityOptions{ConfigPath: req.ConfigPath}, File: req.File, Prune: req.Prune}
}

func plan(ctx context.Context, req cli.PlanRequest) (*identityconfig.Plan, error) {
	ip, err := app.Plan(ctx, planOptions(req))
	if err != nil {
		return nil, err
	}
	return ip.Plan, nil
}

func apply(ctx context.Context, req cli.ApplyRequest) (*identityconfig.ApplyResult, error) {
	return app.Apply(ctx, app.ApplyOptions{PlanOptions: planOptions(req.PlanRequest), Out: req.Out, Color: req.Color,
		Yes: req.Yes, Confirm: req.Confirm, Progress: req.Progress})
}

func discover(ctx context.Context, req cli.DiscoverRequest) (*cli.DiscoverResult, error) {
	res, err := app.Discover(ctx, app.DiscoverOptions{IdentityOptions: app.IdentityOptions{ConfigPath: req.ConfigPath},
		Thresholds: req.Thresholds, Parallel: req.Parallel, Progress: req.Progress, Propose: req.Propose,
		Approvers: req.Approvers, PermissionSets: req.PermissionSets})
	if err != nil {
		return nil, err
	}
	return &cli.DiscoverResult{Scan: res.Scan, Diff: res.Diff, Proposal: res.Proposal}, nil
}
