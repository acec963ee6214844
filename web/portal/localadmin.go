package portal

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/mfa"
)

// The break-glass login's TOTP: package mfa's (RFC 6238 defaults, every
// authenticator app's), and a bound on attempts.
const (
	totpPeriod = mfa.Period
	// attemptsPerMinute bounds break-glass attempts, right or wrong.
	attemptsPerMinute = 10
)

// localLogin is the break-glass login's state in this process: the rate
// limit, and the last time step used (the store's events carry it across
// processes and restarts, with the failures that lock the login).
type localLogin struct {
	cfg      LocalAdminConfig
	limiter  mfa.Limiter
	mu       sync.Mutex
	lastStep int64
}

func newLocalLogin(cfg LocalAdminConfig) *localLogin {
	cfg.MaxFailures = cmp.Or(cfg.MaxFailures, 5)
	cfg.LockFor = cmp.Or(cfg.LockFor, 15*time.Minute)
	return &localLogin{cfg: cfg, limiter: mfa.Limiter{PerMinute: attemptsPerMinute}}
}

// allow records an attempt and reports whether the rate limit lets it in.
func (l *localLogin) allow(now time.Time) bool { return l.limiter.Allow("local", now) }

// match returns the time step whose code is code (within the skew), or -1.
func (l *localLogin) match(code string, now time.Time) int64 {
	return mfa.Match(l.cfg.Secret, code, now)
}

type localData struct {
	Email   string
	Problem string
	Locked  bool
}

func (p *Portal) localPage(w http.ResponseWriter, r *http.Request) {
	if p.local == nil {
		p.errorPage(w, r, http.StatusNotFound, "The break-glass login is not configured (portal.local_admin).")
		return
	}
	// The form needs a session for its CSRF token.
	if cur := sessionOf(r); cur == nil || cur.s.UserEmail != "" {
		s, err := p.startSignIn(w, r, map[string]string{"local": "1"})
		if err != nil {
			p.fail(w, r, err)
			return
		}
		r = p.context(r, sessionKey, &current{s: s})
	}
	p.render(w, r, http.StatusOK, "local", "Break-glass sign-in", localData{Email: p.local.cfg.Email})
}

// localSubmit checks a break-glass TOTP code: rate limited, refused while
// locked (whatever the code), each code usable once, every outcome an
// audit event.
func (p *Portal) localSubmit(w http.ResponseWriter, r *http.Request) {
	if p.local == nil {
		p.notFound(w, r)
		return
	}
	l, now, ctx := p.local, p.now(), r.Context()
	email := l.cfg.Email
	page := func(status int, problem string, locked bool) {
		p.render(w, r, status, "local", "Break-glass sign-in", localData{Email: email, Problem: problem, Locked: locked})
	}
	if !l.allow(time.Now()) {
		page(http.StatusTooManyRequests, "Too many attempts; wait a minute before trying again.", false)
		return
	}
	until, err := p.lockedUntil(r, now)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if !until.IsZero() {
		page(http.StatusTooManyRequests, fmt.Sprintf("The break-glass login is locked after repeated failures until %s UTC.", until.UTC().Format("15:04:05")), true)
		return
	}
	step := l.match(r.PostFormValue("code"), now)
	used, err := p.lastLocalStep(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if step < 0 || step <= used {
		why := "wrong code"
		if step >= 0 {
			why = "code already used"
		}
		p.localFailed(w, r, why, now)
		msg := "That code is wrong; check the authenticator's clock and try again."
		if step >= 0 {
			msg = "That code has been used already; wait for the next one."
		}
		page(http.StatusUnauthorized, msg, false)
		return
	}
	l.mu.Lock()
	if step <= l.lastStep {
		l.mu.Unlock()
		page(http.StatusUnauthorized, "That code has been used already; wait for the next one.", false)
		return
	}
	l.lastStep = step
	l.mu.Unlock()
	if _, err := p.svc.CallerByEmail(ctx, email); err != nil {
		p.fail(w, r, err)
		return
	}
	ev := &stint.Event{Actor: email, Type: stint.EventLocalSignIn, Subject: email, Data: map[string]any{
		"step": step, "remote": r.RemoteAddr,
		"note": "BREAK-GLASS: local admin sign-in without the identity provider; review this use"}}
	if err := p.signIn(w, r, email, stint.SessionLocal, min(p.cfg.SessionMax, DefaultLocalMax), ev); err != nil {
		p.fail(w, r, err)
		return
	}
	p.log.Warn("BREAK-GLASS local admin sign-in to the portal", slog.String("user", email), slog.String("remote", r.RemoteAddr))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// localFailed records a failed attempt, and the lock-out when it is the
// one that locks.
func (p *Portal) localFailed(w http.ResponseWriter, r *http.Request, why string, now time.Time) {
	email := p.local.cfg.Email
	ctx := r.Context()
	if err := p.svc.RecordAuth(ctx, &stint.Event{Actor: email, Type: stint.EventLocalSignInFailed, Subject: email,
		Data: map[string]any{"reason": why, "remote": r.RemoteAddr}}); err != nil {
		p.logger(r).Error("could not record a failed break-glass sign-in", slog.Any("err", err))
	}
	p.log.Warn("failed break-glass sign-in", slog.String("user", email), slog.String("reason", why), slog.String("remote", r.RemoteAddr))
	if until, err := p.lockedUntil(r, now); err == nil && !until.IsZero() {
		_ = p.svc.RecordAuth(ctx, &stint.Event{Actor: email, Type: stint.EventLocalLockedOut, Subject: email,
			Data: map[string]any{"until": until, "failures": p.local.cfg.MaxFailures}})
		p.log.Warn("break-glass login locked after repeated failures", slog.String("user", email), slog.Time("until", until))
	}
}

// lockedUntil returns when the login unlocks, or zero when it is not
// locked: it is locked for LockFor after MaxFailures failures within
// LockFor since the last success.
func (p *Portal) lockedUntil(r *http.Request, now time.Time) (time.Time, error) {
	cfg := p.local.cfg
	since := now.Add(-cfg.LockFor)
	ok, err := p.svc.AuthEvents(r.Context(), stint.EventLocalSignIn, since, 1)
	if err != nil {
		return time.Time{}, err
	}
	if len(ok) > 0 {
		since = ok[0].Time
	}
	fails, err := p.svc.AuthEvents(r.Context(), stint.EventLocalSignInFailed, since, cfg.MaxFailures)
	if err != nil {
		return time.Time{}, err
	}
	if len(fails) < cfg.MaxFailures {
		return time.Time{}, nil
	}
	return fails[len(fails)-1].Time.Add(cfg.LockFor), nil
}

// lastLocalStep returns the time step of the last break-glass sign-in
// (within the skew of now), or -1.
func (p *Portal) lastLocalStep(r *http.Request) (int64, error) {
	evs, err := p.svc.AuthEvents(r.Context(), stint.EventLocalSignIn, p.now().Add(-10*totpPeriod), 1)
	if err != nil || len(evs) == 0 {
		return -1, err
	}
	switch v := evs[0].Data["step"].(type) {
	case float64:
		return int64(v), nil
	case int64:
		return v, nil
	}
	return -1, nil
}
