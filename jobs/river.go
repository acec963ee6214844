package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/access"
)

// Defaults of Config.
const (
	DefaultFetchPollInterval    = 50 * time.Millisecond
	DefaultJobTimeout           = 10 * time.Minute
	DefaultRescueStuckJobsAfter = 11 * time.Minute
	DefaultReconcileInterval    = 5 * time.Minute
	DefaultSyncInterval         = 5 * time.Minute
	DefaultMaxWorkers           = 50
	DefaultDriftInterval        = time.Hour
)

// Config configures the River client.
type Config struct {
	Service *access.Service
	// FetchPollInterval is how often workers poll for jobs. Default: 50ms.
	FetchPollInterval time.Duration
	// JobTimeout bounds one job's run. Default: 10m (AWS operations are
	// verified through their status APIs, which can take minutes).
	JobTimeout time.Duration
	// RescueStuckJobsAfter re-runs jobs whose worker died. Default: 11m.
	RescueStuckJobsAfter time.Duration
	// ReconcileInterval is how often the leader reconciles. Default: 5m.
	ReconcileInterval time.Duration
	// SyncInterval is how often the leader re-reads the directory. Default: 5m.
	SyncInterval time.Duration
	// Drift, if set, runs a scheduled plan of the identity file (see
	// app.Main.CheckDrift) every DriftInterval, on the leader only.
	Drift func(ctx context.Context) error
	// DriftInterval is the time between drift checks. Default: 1h.
	DriftInterval time.Duration
	// Tasks are other periodic maintenance (garbage collection of stint's
	// permission sets, ...), each run on the leader every Interval.
	Tasks []Task
	// Workers adds more workers (the Slack app's notifications) to
	// River's. Default: none.
	Workers []func(*river.Workers)
	// MaxWorkers bounds concurrent jobs. Default: 50.
	MaxWorkers int
	// InsertOnly builds a client without workers (for CLI tools). Default: false.
	InsertOnly bool
	Logger     *slog.Logger
}

// Task is periodic maintenance run on the leader.
type Task struct {
	// Name identifies the task in jobs and logs; unique.
	Name string
	// Interval is the time between runs. Required.
	Interval time.Duration
	// Run does the work; an error is retried up to 3 attempts, EINVALID
	// is not.
	Run func(ctx context.Context) error
	// Timeout bounds one run. Default: Config.JobTimeout.
	Timeout time.Duration
	// RunOnStart also runs the task when the leader starts (a task whose
	// interval is longer than the process may live must, and then skips a
	// run that came too soon itself).
	RunOnStart bool
}

// NewClient builds the River client with stint's workers and periodic jobs.
func NewClient[TTx any](driver riverdriver.Driver[TTx], cfg Config) (*river.Client[TTx], error) {
	if cfg.InsertOnly {
		return river.NewClient(driver, &river.Config{Logger: cfg.Logger})
	}
	svc := cfg.Service
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker[stint.ActivateGrantArgs]{run: func(ctx context.Context, a stint.ActivateGrantArgs) error {
		return svc.Activate(ctx, a.GrantID)
	}})
	river.AddWorker(workers, &worker[stint.ExpireGrantArgs]{run: func(ctx context.Context, a stint.ExpireGrantArgs) error {
		return svc.Expire(ctx, a.GrantID)
	}})
	river.AddWorker(workers, &worker[stint.RevokeGrantArgs]{run: func(ctx context.Context, a stint.RevokeGrantArgs) error {
		return svc.ResumeRevocation(ctx, a.GrantID)
	}})
	river.AddWorker(workers, &worker[stint.RefreshEffectArgs]{run: func(ctx context.Context, a stint.RefreshEffectArgs) error {
		return svc.RefreshEffect(ctx, a.GrantID)
	}})
	river.AddWorker(workers, &worker[stint.ExpireRequestArgs]{run: func(ctx context.Context, a stint.ExpireRequestArgs) error {
		return svc.ExpireRequest(ctx, a.RequestID)
	}})
	river.AddWorker(workers, &worker[stint.ReconcileArgs]{run: func(ctx context.Context, _ stint.ReconcileArgs) error {
		rep, err := svc.Reconcile(ctx)
		if err == nil {
			cmp.Or(cfg.Logger, slog.Default()).Info("reconciled", "effects", rep.Effects, "removed", rep.Removed, "recreated", rep.Recreated, "errors", rep.Errors)
		}
		return err
	}})
	river.AddWorker(workers, &worker[stint.SyncDirectoryArgs]{run: func(ctx context.Context, _ stint.SyncDirectoryArgs) error {
		_, err := svc.SyncDirectory(ctx)
		return err
	}})
	river.AddWorker(workers, newNotifyWorker())
	addReviewWorkers(workers, svc)
	river.AddWorker(workers, &worker[stint.ExternalCutoffArgs]{run: func(ctx context.Context, a stint.ExternalCutoffArgs) error {
		return svc.CutOffExternal(ctx, a)
	}})
	for _, add := range cfg.Workers {
		add(workers)
	}
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(cfg.ReconcileInterval, DefaultReconcileInterval)),
			func() (river.JobArgs, *river.InsertOpts) {
				return stint.ReconcileArgs{}, &river.InsertOpts{MaxAttempts: 1}
			},
			&river.PeriodicJobOpts{ID: "reconcile", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(cfg.SyncInterval, DefaultSyncInterval)),
			func() (river.JobArgs, *river.InsertOpts) {
				return stint.SyncDirectoryArgs{}, &river.InsertOpts{MaxAttempts: 3}
			},
			&river.PeriodicJobOpts{ID: "sync_directory"}),
	}
	if cfg.Drift != nil {
		river.AddWorker(workers, &worker[stint.IdentityDriftArgs]{run: func(ctx context.Context, _ stint.IdentityDriftArgs) error {
			err := cfg.Drift(ctx)
			if stint.IsCode(err, stint.EINVALID) {
				// A bad identity file or setting: retrying cannot help,
				// the next scheduled check reads the file again.
				cmp.Or(cfg.Logger, slog.Default()).Error("identity drift check failed", "err", err)
				return river.JobCancel(err)
			}
			return err
		}})
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(cfg.DriftInterval, DefaultDriftInterval)),
			func() (river.JobArgs, *river.InsertOpts) {
				return stint.IdentityDriftArgs{}, &river.InsertOpts{MaxAttempts: 3}
			},
			&river.PeriodicJobOpts{ID: "identity_drift", RunOnStart: true}))
	}
	if len(cfg.Tasks) > 0 {
		tasks := map[string]Task{}
		for _, t := range cfg.Tasks {
			tasks[t.Name] = t
			name := t.Name
			periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(t.Interval),
				func() (river.JobArgs, *river.InsertOpts) {
					return stint.TaskArgs{Name: name}, &river.InsertOpts{MaxAttempts: 3}
				},
				&river.PeriodicJobOpts{ID: "task_" + name, RunOnStart: t.RunOnStart}))
		}
		river.AddWorker(workers, &taskWorker{tasks: tasks, worker: worker[stint.TaskArgs]{run: func(ctx context.Context, a stint.TaskArgs) error {
			t, ok := tasks[a.Name]
			if !ok {
				return river.JobCancel(fmt.Errorf("no task %q in this process", a.Name))
			}
			err := t.Run(ctx)
			if stint.IsCode(err, stint.EINVALID) {
				cmp.Or(cfg.Logger, slog.Default()).Error("task failed", "task", a.Name, "err", err)
				return river.JobCancel(err)
			}
			return err
		}}})
	}
	return river.NewClient(driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cmp.Or(cfg.MaxWorkers, DefaultMaxWorkers)}},
		Workers:              workers,
		PeriodicJobs:         periodic,
		FetchCooldown:        cmp.Or(cfg.FetchPollInterval, DefaultFetchPollInterval) / 2,
		FetchPollInterval:    cmp.Or(cfg.FetchPollInterval, DefaultFetchPollInterval),
		JobTimeout:           cmp.Or(cfg.JobTimeout, DefaultJobTimeout),
		RescueStuckJobsAfter: cmp.Or(cfg.RescueStuckJobsAfter, DefaultRescueStuckJobsAfter),
		Logger:               cfg.Logger,
	})
}

// worker adapts a service call to River and turns *access.RetryLater into a
// snooze.
// taskWorker runs Tasks, each with its own timeout.
type taskWorker struct {
	worker[stint.TaskArgs]
	tasks map[string]Task
}

func (w *taskWorker) Timeout(job *river.Job[stint.TaskArgs]) time.Duration {
	return w.tasks[job.Args.Name].Timeout // 0: the client's JobTimeout
}

type worker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	run func(context.Context, T) error
}

func (w *worker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	err := w.run(ctx, job.Args)
	var rl *access.RetryLater
	if errors.As(err, &rl) {
		return river.JobSnooze(max(rl.After, 10*time.Millisecond))
	}
	if stint.IsCode(err, stint.ENOTFOUND) {
		return river.JobCancel(err) // the grant or request is gone: nothing to do
	}
	return err
}
