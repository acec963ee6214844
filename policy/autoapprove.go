package policy

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/stint-dev/stint"
)

// window is a compiled TimeWindow.
type window struct {
	days       [7]bool // by time.Weekday
	allDay     bool
	start, end int // minutes after midnight; end < start spans midnight
	loc        *time.Location
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func parseWindow(tw *stint.TimeWindow) (*window, error) {
	w := &window{allDay: tw.Hours == "", loc: time.UTC}
	if tw.Timezone != "" {
		loc, err := time.LoadLocation(tw.Timezone)
		if err != nil || tw.Timezone == "Local" {
			return nil, stint.Errorf(stint.EINVALID, "unknown time zone %q; use an IANA name such as Europe/Berlin", tw.Timezone)
		}
		w.loc = loc
	}
	if len(tw.Days) == 0 {
		w.days = [7]bool{true, true, true, true, true, true, true}
	}
	for _, d := range tw.Days {
		from, to, isRange := strings.Cut(strings.ToLower(strings.TrimSpace(d)), "-")
		a, ok1 := dayNames[strings.TrimSpace(from)]
		b, ok2 := a, true
		if isRange {
			b, ok2 = dayNames[strings.TrimSpace(to)]
		}
		if !ok1 || !ok2 {
			return nil, stint.Errorf(stint.EINVALID, "day %q must be mon..sun or a range such as mon-fri", d)
		}
		for x := a; ; x = (x + 1) % 7 { // a range may wrap: fri-mon
			w.days[x] = true
			if x == b {
				break
			}
		}
	}
	if !w.allDay {
		from, to, ok := strings.Cut(tw.Hours, "-")
		var err1, err2 error
		if ok {
			w.start, err1 = parseClock(from, false)
			w.end, err2 = parseClock(to, true)
		}
		if !ok || err1 != nil || err2 != nil || w.start == w.end {
			return nil, stint.Errorf(stint.EINVALID, "hours %q must be HH:MM-HH:MM with different ends, e.g. 09:00-18:00 (22:00-06:00 spans midnight)", tw.Hours)
		}
	}
	return w, nil
}

func parseClock(s string, end bool) (int, error) {
	s = strings.TrimSpace(s)
	if end && s == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// contains reports whether t falls in the window, read on the wall clock of
// the window's time zone (so DST changes move the window with local time).
// An overnight window belongs to the day it starts on.
func (w *window) contains(t time.Time) bool {
	lt := t.In(w.loc)
	day := lt.Weekday()
	if w.allDay {
		return w.days[day]
	}
	m := lt.Hour()*60 + lt.Minute()
	if w.start < w.end {
		return w.days[day] && m >= w.start && m < w.end
	}
	return (w.days[day] && m >= w.start) || (w.days[(day+6)%7] && m < w.end)
}

// autoApprove reports whether the flow approves a request by u (expanded)
// without review at now, and which rule did. With onCall false, on_call
// rules are treated as not holding (listings do not call out per user).
func (e *Engine) autoApprove(ctx context.Context, c *compiled, u *stint.User, now time.Time, onCall bool) (bool, string) {
	if c.flow.AutoApprove {
		return true, "auto_approve"
	}
	for i, rule := range c.flow.AutoApproveWhen {
		if w := c.windows[i]; w != nil && !w.contains(now) {
			continue
		}
		if len(rule.RequesterGroups) > 0 && !slices.ContainsFunc(rule.RequesterGroups, func(g string) bool { return u.InGroup(stripGroup(g)) }) {
			continue
		}
		if rule.OnCall != nil {
			if !onCall {
				continue
			}
			ok, err := e.onCall(ctx, *rule.OnCall, u.Email)
			if err != nil || !ok {
				continue
			}
		}
		return true, fmt.Sprintf("auto_approve_when[%d]", i)
	}
	return false, ""
}

// onCallSource is the default Config.OnCall.
type onCallSource struct {
	client *http.Client
	mu     sync.Mutex
	files  map[string]*shiftFile
	urls   map[string]urlAnswer
	now    func() time.Time
}

type shiftFile struct {
	mod    time.Time
	size   int64
	shifts []shift
}

type shift struct {
	Email string `json:"email" yaml:"email"`
	User  string `json:"user" yaml:"user"`
	Start string `json:"start" yaml:"start"`
	End   string `json:"end" yaml:"end"`
	start time.Time
	end   time.Time
}

type urlAnswer struct {
	onCall bool
	at     time.Time
}

const (
	onCallTimeout  = 3 * time.Second
	onCallCacheTTL = 30 * time.Second
	onCallCacheMax = 10000
)

func newOnCallSource(client *http.Client) *onCallSource {
	if client == nil {
		client = &http.Client{Timeout: onCallTimeout}
	}
	return &onCallSource{client: client, files: map[string]*shiftFile{}, urls: map[string]urlAnswer{}, now: time.Now}
}

func (s *onCallSource) check(ctx context.Context, src stint.OnCallSource, email string) (bool, error) {
	if src.File != "" {
		return s.checkFile(src.File, email)
	}
	return s.checkURL(ctx, src.URL, email)
}

func (s *onCallSource) checkFile(path, email string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("on-call file: %w", err)
	}
	s.mu.Lock()
	f := s.files[path]
	s.mu.Unlock()
	if f == nil || !f.mod.Equal(st.ModTime()) || f.size != st.Size() {
		if f, err = readShifts(path); err != nil {
			return false, err
		}
		f.mod, f.size = st.ModTime(), st.Size()
		s.mu.Lock()
		s.files[path] = f
		s.mu.Unlock()
	}
	now := s.now()
	for _, sh := range f.shifts {
		who := strings.TrimPrefix(cmp.Or(sh.Email, sh.User), "user:")
		if strings.EqualFold(who, email) && !now.Before(sh.start) && now.Before(sh.end) {
			return true, nil
		}
	}
	return false, nil
}

func readShifts(path string) (*shiftFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("on-call file: %w", err)
	}
	var shifts []shift
	if err := yaml.Unmarshal(b, &shifts); err != nil {
		return nil, fmt.Errorf("on-call file %s: want a list of {email, start, end}: %w", path, err)
	}
	for i := range shifts {
		sh := &shifts[i]
		var err1, err2 error
		sh.start, err1 = time.Parse(time.RFC3339, strings.TrimSpace(sh.Start))
		sh.end, err2 = time.Parse(time.RFC3339, strings.TrimSpace(sh.End))
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("on-call file %s: shift %d: start and end must be RFC 3339 times", path, i+1)
		}
	}
	return &shiftFile{shifts: shifts}, nil
}

func (s *onCallSource) checkURL(ctx context.Context, raw, email string) (bool, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return false, fmt.Errorf("on-call url: %w", err)
	}
	q := u.Query()
	q.Set("email", email)
	u.RawQuery = q.Encode()
	key := u.String()
	now := s.now()
	s.mu.Lock()
	if a, ok := s.urls[key]; ok && now.Sub(a.at) < onCallCacheTTL && !now.Before(a.at) {
		s.mu.Unlock()
		return a.onCall, nil
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, onCallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, key, nil)
	if err != nil {
		return false, fmt.Errorf("on-call url: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("on-call url: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("on-call url %s: status %d", u.Redacted(), resp.StatusCode)
	}
	var body struct {
		OnCall *bool `json:"on_call"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<16)).Decode(&body); err != nil || body.OnCall == nil {
		return false, fmt.Errorf("on-call url %s: want {\"on_call\": true|false}", u.Redacted())
	}
	s.mu.Lock()
	if len(s.urls) >= onCallCacheMax {
		clear(s.urls)
	}
	s.urls[key] = urlAnswer{onCall: *body.OnCall, at: now}
	s.mu.Unlock()
	return *body.OnCall, nil
}
