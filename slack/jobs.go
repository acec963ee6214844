package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	slackapi "github.com/slack-go/slack"

	"github.com/stint-dev/stint"
)

// PostArgs asks for a request's approval messages to be posted to its
// approvers (the channel, and the current step's approvers by DM), those
// not posted yet.
type PostArgs struct {
	RequestID string `json:"request_id"`
}

// Kind implements stint.JobArgs.
func (PostArgs) Kind() string { return "slack_post" }

// UpdateArgs asks for a request's approval messages to be redrawn from its
// current state; GrantID names the request by one of its grants.
type UpdateArgs struct {
	RequestID string `json:"request_id,omitempty"`
	GrantID   string `json:"grant_id,omitempty"`
}

// Kind implements stint.JobArgs.
func (UpdateArgs) Kind() string { return "slack_update" }

// DMArgs asks for the requester to be told of an event.
type DMArgs struct {
	Event stint.Event `json:"event"`
}

// Kind implements stint.JobArgs.
func (DMArgs) Kind() string { return "slack_dm" }

// WarnArgs asks for a grant's user to be told their access ends soon. It
// does nothing when the grant no longer ends at EndsAt (it was extended:
// the extension queued its own warning) or is no longer active.
type WarnArgs struct {
	GrantID string    `json:"grant_id"`
	EndsAt  time.Time `json:"ends_at"`
}

// Kind implements stint.JobArgs.
func (WarnArgs) Kind() string { return "slack_expiry_warning" }

// EventJobs returns the Slack jobs an audit event calls for; the service
// queues them in the event's transaction (access.Service.EventJobs).
func (a *App) EventJobs(e *stint.Event) []stint.Job {
	if a.settings() == nil {
		return nil // the reloaded config turned Slack off
	}
	req := func() stint.Job { return stint.Job{Args: UpdateArgs{RequestID: e.Subject}} }
	grant := func() stint.Job { return stint.Job{Args: UpdateArgs{GrantID: e.Subject}} }
	tell := stint.Job{Args: DMArgs{Event: *e}}
	switch e.Type {
	case stint.EventRequestCreated:
		return []stint.Job{{Args: PostArgs{RequestID: e.Subject}}}
	case stint.EventRequestReviewed:
		return []stint.Job{{Args: PostArgs{RequestID: e.Subject}}, req()}
	case stint.EventRequestApproved, stint.EventRequestDenied, stint.EventRequestExpired:
		return []stint.Job{req(), tell}
	case stint.EventRequestCancelled:
		return []stint.Job{req()}
	case stint.EventGrantScheduled, stint.EventGrantReady, stint.EventGrantActivating, stint.EventGrantRevoking:
		return []stint.Job{grant()}
	case stint.EventGrantActive, stint.EventGrantExtended:
		jobs := []stint.Job{grant(), tell}
		if end, ok := stint.DataTime(e.Data["ends_at"]); ok {
			jobs = append(jobs, a.warnJob(e.Subject, end))
		}
		return jobs
	case stint.EventGrantFailed:
		if n, _ := e.Data["attempts"].(int); n > 1 {
			return []stint.Job{grant()} // told at the first failure; the message shows the rest
		}
		return []stint.Job{grant(), tell}
	case stint.EventGrantEnded:
		return []stint.Job{grant(), tell}
	case stint.EventReviewReminder:
		return []stint.Job{tell}
	}
	return nil
}

// warnJob schedules the expiry warning of a grant ending at end, its
// lead before the end (the worker shortens it for short grants).
func (a *App) warnJob(grantID string, end time.Time) stint.Job {
	j := stint.Job{Args: WarnArgs{GrantID: grantID, EndsAt: end}}
	if at := end.Add(-a.warning()); at.After(a.now()) {
		j.RunAt = at
	}
	return j
}

func (a *App) warning() time.Duration {
	if s := a.settings(); s != nil && s.ExpiryWarning > 0 {
		return time.Duration(s.ExpiryWarning)
	}
	return 10 * time.Minute
}

// Job limits.
const (
	jobTimeout    = 30 * time.Second
	maxJobAge     = 24 * time.Hour // older news is noise: it is dropped
	maxJobBackoff = 5 * time.Minute
)

// AddWorkers registers the app's workers with River (jobs.Config.Workers).
func (a *App) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &worker[PostArgs]{app: a, run: func(ctx context.Context, j PostArgs) error { return a.post(ctx, j.RequestID) }})
	river.AddWorker(w, &worker[UpdateArgs]{app: a, run: a.update})
	river.AddWorker(w, &worker[DMArgs]{app: a, run: func(ctx context.Context, j DMArgs) error { return a.tell(ctx, &j.Event) }})
	river.AddWorker(w, &worker[WarnArgs]{app: a, run: a.warn})
}

// worker runs one kind of Slack job: Slack's rate limits snooze it, errors
// that retrying cannot fix cancel it, others retry with backoff.
type worker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	app *App
	run func(context.Context, T) error
}

func (w *worker[T]) Timeout(*river.Job[T]) time.Duration { return jobTimeout }

// NextRetry backs off exponentially, at most 5 minutes apart.
func (w *worker[T]) NextRetry(job *river.Job[T]) time.Time {
	return time.Now().Add(min(time.Second<<min(job.Attempt, 20), maxJobBackoff))
}

func (w *worker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	if age := time.Since(job.CreatedAt); age > maxJobAge {
		return river.JobCancel(fmt.Errorf("%s job is %s old; dropped as stale", job.Kind, age.Round(time.Minute)))
	}
	err := w.run(ctx, job.Args)
	var later *snooze
	var limited *slackapi.RateLimitedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &later):
		return river.JobSnooze(max(later.d, 10*time.Millisecond))
	case errors.As(err, &limited):
		return river.JobSnooze(max(limited.RetryAfter, time.Second))
	case stint.IsCode(err, stint.ENOTFOUND), permanent(slackCode(err)):
		w.app.log.Warn("slack job dropped", "kind", job.Kind, "err", err)
		return river.JobCancel(err)
	}
	w.app.log.Warn("slack job failed; retrying", "kind", job.Kind, "attempt", job.Attempt, "err", err)
	return err
}

// snooze asks for the job to run again later.
type snooze struct{ d time.Duration }

func (s *snooze) Error() string { return "not due for " + s.d.String() }

// permanent reports whether a Slack error code means retrying cannot help.
func permanent(code string) bool {
	switch code {
	case "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "users_not_found",
		"account_inactive", "message_not_found", "cant_update_message", "msg_too_long", "invalid_blocks",
		"cannot_dm_bot", "user_disabled", "missing_scope", "restricted_action":
		return true
	}
	return false
}

// post posts the approval messages a request is missing: to its flow's
// channel, and while it is pending to the current step's approvers by DM.
// A break-glass request is announced the same way, without buttons; a
// request decided before its message went out is posted to the channel,
// as a record; an auto-approved one is not posted.
func (a *App) post(ctx context.Context, requestID string) error {
	defer a.lock(requestID)()
	r, err := a.store.RequestGet(ctx, requestID)
	if err != nil {
		return err
	}
	if r.AutoApproved && !r.BreakGlass {
		return nil // nobody had to be asked
	}
	targets, err := a.targets(ctx, r)
	if err != nil {
		return err
	}
	if r.State != stint.RequestPending && !r.BreakGlass && len(targets) > 0 {
		// Decided before the message went out (Slack was down, or an
		// approver was quicker in the portal): the channel still gets
		// the record, the approvers' DMs do not.
		targets = targets[:1]
		if a.settings().Channel(r.Flow) == "" {
			targets = nil
		}
	}
	posted, err := a.store.PostedMessageList(ctx, &stint.PostedMessageListParams{Service: service, RequestID: r.ID})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, m := range posted {
		have[m.Channel] = true
	}
	var msg *message
	for _, ch := range targets {
		if have[ch] {
			continue
		}
		if msg == nil {
			v, err := a.view(ctx, r)
			if err != nil {
				return err
			}
			m := approvalMessage(v)
			msg = &m
		}
		channel, ts, err := a.api.PostMessageContext(ctx, ch, msg.options()...)
		if err != nil {
			if permanent(slackCode(err)) {
				a.log.Warn("cannot post the approval message", "request", r.ID, "channel", ch, "err", err)
				continue
			}
			return fmt.Errorf("post request %s to %s: %w", r.ID, ch, err)
		}
		m := &stint.PostedMessage{Service: service, RequestID: r.ID, Channel: channel, MessageID: ts, CreatedAt: a.now()}
		if err := a.store.Tx(ctx, func(tx stint.Tx) error { return tx.PostedMessagePut(ctx, m) }); err != nil {
			return err
		}
		have[channel] = true
	}
	return nil
}

// targets returns the channels a request's approval message goes to.
func (a *App) targets(ctx context.Context, r *stint.Request) ([]string, error) {
	s := a.settings()
	if s == nil {
		return nil, nil
	}
	var out []string
	if ch := s.Channel(r.Flow); ch != "" {
		out = append(out, ch)
	}
	if !s.DMApprovers {
		return out, nil
	}
	var refs []string
	if i := r.CurrentStep(); r.State == stint.RequestPending && i >= 0 {
		refs = r.Steps[i].Approvers
	} else if r.BreakGlass && len(r.Steps) > 0 {
		refs = r.Steps[0].Approvers // break-glass: tell those who would have approved
	}
	if len(refs) == 0 {
		return out, nil
	}
	emails, err := a.approverEmails(ctx, r, refs)
	if err != nil {
		return nil, err
	}
	for _, email := range emails {
		id, err := a.ids.userID(ctx, email)
		if stint.IsCode(err, stint.ENOTFOUND) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ch, err := a.ids.dm(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// maxApproverDMs bounds the DMs one request sends: a step approved by a
// large group should have a channel instead.
const maxApproverDMs = 25

// approverEmails returns the emails of the users the references name,
// without the requester.
func (a *App) approverEmails(ctx context.Context, r *stint.Request, refs []string) ([]string, error) {
	users, err := a.svc.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range users {
		if strings.EqualFold(u.Email, r.RequesterEmail) || u.Email == "" {
			continue
		}
		for _, ref := range refs {
			if stint.MatchPrincipal(ref, u) {
				out = append(out, u.Email)
				break
			}
		}
	}
	if len(out) > maxApproverDMs {
		a.log.Warn("too many approvers to DM; set a channel for the flow", "request", r.ID, "approvers", len(out), "max", maxApproverDMs)
		out = out[:maxApproverDMs]
	}
	return out, nil
}

func (a *App) view(ctx context.Context, r *stint.Request) (requestView, error) {
	grants, err := a.store.GrantList(ctx, &stint.GrantListParams{RequestID: r.ID})
	if err != nil {
		return requestView{}, err
	}
	// Oldest first, as the request lists its resources.
	for i, j := 0, len(grants)-1; i < j; i, j = i+1, j-1 {
		grants[i], grants[j] = grants[j], grants[i]
	}
	return requestView{Request: r, Grants: grants}, nil
}

// update redraws every approval message of a request from its current
// state.
func (a *App) update(ctx context.Context, j UpdateArgs) error {
	id := j.RequestID
	if id == "" {
		g, err := a.store.GrantGet(ctx, j.GrantID)
		if err != nil {
			return err
		}
		id = g.RequestID
	}
	defer a.lock(id)()
	posted, err := a.store.PostedMessageList(ctx, &stint.PostedMessageListParams{Service: service, RequestID: id})
	if err != nil || len(posted) == 0 {
		return err
	}
	r, err := a.store.RequestGet(ctx, id)
	if err != nil {
		return err
	}
	v, err := a.view(ctx, r)
	if err != nil {
		return err
	}
	msg := approvalMessage(v)
	var failed error
	for _, m := range posted {
		if _, _, _, err := a.api.UpdateMessageContext(ctx, m.Channel, m.MessageID, msg.options()...); err != nil {
			if permanent(slackCode(err)) {
				a.log.Warn("cannot update an approval message", "request", id, "channel", m.Channel, "err", err)
				continue
			}
			failed = fmt.Errorf("update request %s in %s: %w", id, m.Channel, err)
		}
	}
	return failed
}

// tell sends the requester the DM an event calls for.
func (a *App) tell(ctx context.Context, e *stint.Event) error {
	var email string
	var msg message
	switch {
	case e.Type == stint.EventReviewReminder:
		email, _ = e.Data["reviewer"].(string)
		msg = reviewReminderDM(e)
	case strings.HasPrefix(e.Type, "request."):
		r, err := a.store.RequestGet(ctx, e.Subject)
		if err != nil {
			return err
		}
		email = r.RequesterEmail
		switch e.Type {
		case stint.EventRequestApproved:
			msg = approvedDM(r)
		case stint.EventRequestDenied:
			msg = deniedDM(r)
		case stint.EventRequestExpired:
			msg = expiredDM(r)
		default:
			return nil
		}
	default:
		g, err := a.store.GrantGet(ctx, e.Subject)
		if err != nil {
			return err
		}
		email = g.UserEmail
		switch e.Type {
		case stint.EventGrantActive:
			msg = activeDM(g)
		case stint.EventGrantExtended:
			msg = extendedDM(g)
		case stint.EventGrantFailed:
			cause, _ := e.Data["error"].(string)
			msg = failedDM(g, cmpOr(cause, g.LastError))
		case stint.EventGrantEnded:
			msg = endedDM(g)
		default:
			return nil
		}
	}
	return a.sendDM(ctx, email, msg)
}

// sendDM sends a message to the Slack user with the email; a person who is
// not in Slack is skipped.
func (a *App) sendDM(ctx context.Context, email string, msg message) error {
	id, err := a.ids.userID(ctx, email)
	if stint.IsCode(err, stint.ENOTFOUND) {
		a.log.Debug("no Slack user to tell", "email", email)
		return nil
	}
	if err != nil {
		return err
	}
	ch, err := a.ids.dm(ctx, id)
	if err != nil {
		return err
	}
	_, _, err = a.api.PostMessageContext(ctx, ch, msg.options()...)
	return err
}

// warn tells a grant's user their access ends soon, re-checking the grant
// first: an extended, ended or revoked grant gets no stale warning. The
// warning comes ExpiryWarning before the end, or half-way through grants
// shorter than twice that.
func (a *App) warn(ctx context.Context, j WarnArgs) error {
	g, err := a.store.GrantGet(ctx, j.GrantID)
	if err != nil {
		return err
	}
	if g.State != stint.GrantActive || !g.EndsAt.Equal(j.EndsAt) {
		return nil
	}
	now := a.now()
	lead := a.warning()
	if d := time.Duration(g.Duration); d > 0 && d < 2*lead {
		lead = d / 2
	}
	if at := g.EndsAt.Add(-lead); now.Before(at.Add(-time.Second)) {
		return &snooze{d: at.Sub(now)}
	}
	if !now.Before(g.EndsAt) {
		return nil
	}
	return a.sendDM(ctx, g.UserEmail, warningDM(g, g.EndsAt.Sub(now), a.canExtend(g)))
}

// canExtend reports whether the grant's flow allows it another extension.
func (a *App) canExtend(g *stint.Grant) bool {
	if a.svc.Flows == nil {
		return false
	}
	for _, f := range a.svc.Flows() {
		if f.Name == g.Flow {
			return g.Extensions < f.ExtensionLimit()
		}
	}
	return false
}
