package policy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stretchr/testify/require"
)

func TestTimeWindow(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return tm
	}
	tests := []struct {
		name string
		tw   stint.TimeWindow
		at   string
		want bool
	}{
		// Berlin: 2026-03-29 clocks go 02:00 CET -> 03:00 CEST.
		{name: "Berlin DST start: 07:30Z is 09:30 CEST, inside", tw: stint.TimeWindow{Days: []string{"mon-sun"}, Hours: "09:00-18:00", Timezone: "Europe/Berlin"}, at: "2026-03-29T07:30:00Z", want: true},
		{name: "Berlin DST start: 06:30Z is 08:30 CEST, outside", tw: stint.TimeWindow{Hours: "09:00-18:00", Timezone: "Europe/Berlin"}, at: "2026-03-29T06:30:00Z", want: false},
		{name: "Berlin the day before: 07:30Z is 08:30 CET, outside", tw: stint.TimeWindow{Hours: "09:00-18:00", Timezone: "Europe/Berlin"}, at: "2026-03-28T07:30:00Z", want: false},
		// Berlin: 2026-10-25 clocks go 03:00 CEST -> 02:00 CET.
		{name: "Berlin DST end: 16:30Z is 17:30 CET, inside", tw: stint.TimeWindow{Hours: "09:00-18:00", Timezone: "Europe/Berlin"}, at: "2026-10-25T16:30:00Z", want: true},
		{name: "Berlin DST end: 17:30Z is 18:30 CET, outside", tw: stint.TimeWindow{Hours: "09:00-18:00", Timezone: "Europe/Berlin"}, at: "2026-10-25T17:30:00Z", want: false},
		// New York: 2026-03-08 clocks go 02:00 EST -> 03:00 EDT.
		{name: "New York DST start: 13:30Z is 09:30 EDT, inside", tw: stint.TimeWindow{Hours: "09:00-17:00", Timezone: "America/New_York"}, at: "2026-03-08T13:30:00Z", want: true},
		{name: "New York day before: 13:30Z is 08:30 EST, outside", tw: stint.TimeWindow{Hours: "09:00-17:00", Timezone: "America/New_York"}, at: "2026-03-07T13:30:00Z", want: false},
		{name: "New York DST end: 21:30Z is 16:30 EST, inside", tw: stint.TimeWindow{Hours: "09:00-17:00", Timezone: "America/New_York"}, at: "2026-11-01T21:30:00Z", want: true},
		{name: "weekday range excludes Saturday", tw: stint.TimeWindow{Days: []string{"mon-fri"}, Timezone: "Europe/Berlin"}, at: "2026-06-20T10:00:00Z", want: false},
		{name: "Friday in UTC is Saturday in Tokyo", tw: stint.TimeWindow{Days: []string{"mon-fri"}, Timezone: "Asia/Tokyo"}, at: "2026-06-19T20:00:00Z", want: false},
		{name: "wrapping day range", tw: stint.TimeWindow{Days: []string{"fri-mon"}}, at: "2026-06-21T10:00:00Z", want: true},
		{name: "single days list", tw: stint.TimeWindow{Days: []string{"tue", "Thu"}}, at: "2026-06-18T10:00:00Z", want: true},
		{name: "overnight: late on an allowed day", tw: stint.TimeWindow{Days: []string{"fri"}, Hours: "22:00-06:00"}, at: "2026-06-19T23:00:00Z", want: true},
		{name: "overnight: early next morning belongs to Friday", tw: stint.TimeWindow{Days: []string{"fri"}, Hours: "22:00-06:00"}, at: "2026-06-20T05:59:00Z", want: true},
		{name: "overnight: early Friday belongs to Thursday", tw: stint.TimeWindow{Days: []string{"fri"}, Hours: "22:00-06:00"}, at: "2026-06-19T05:00:00Z", want: false},
		{name: "overnight: the end is exclusive", tw: stint.TimeWindow{Hours: "22:00-06:00"}, at: "2026-06-20T06:00:00Z", want: false},
		{name: "until midnight", tw: stint.TimeWindow{Hours: "18:00-24:00"}, at: "2026-06-20T23:59:00Z", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := parseWindow(&tt.tw)
			require.NoError(t, err)
			require.Equal(t, tt.want, w.contains(utc(tt.at)))
		})
	}
}

func TestAutoApproveTimeWindowAcrossDST(t *testing.T) {
	t.Parallel()
	// tagged-readonly auto-approves mon-fri 09:00-18:00 Berlin; Monday
	// 2026-03-30 is the first working day of summer time.
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 3, 30, 7, 15, 0, 0, time.UTC), true},  // 09:15 CEST
		{time.Date(2026, 3, 30, 6, 45, 0, 0, time.UTC), false}, // 08:45 CEST
		{time.Date(2026, 3, 27, 7, 15, 0, 0, time.UTC), false}, // 08:15 CET, the Friday before
	} {
		e, dir := setup(t, tt.at)
		d, err := e.DecideRequest(context.Background(), RequestInput{User: user(t, dir, "alice@example.com"), Account: account(t, dir, "prod-core"), PermissionSet: "ReadOnly"})
		require.NoError(t, err)
		require.Equal(t, tt.want, d.AutoApprove, "at %s", tt.at)
	}
}

func onCallFlow(src stint.OnCallSource) stint.Flow {
	return stint.Flow{
		Name: "oncall", Requesters: []string{"group:sre"},
		Resources:   []stint.FlowResource{ic([]string{"all"}, "AdministratorAccess")},
		MaxDuration: hours(2), Approvers: []string{"group:leads"},
		AutoApproveWhen: []stint.AutoApproveRule{
			{RequesterGroups: []string{"group:never"}},
			{OnCall: &src},
		},
	}
}

func TestOnCallFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "oncall.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
- email: bob@example.com
  start: 2026-06-17T00:00:00Z
  end: 2026-06-18T00:00:00Z
- user: user:zed@example.com
  start: "2026-06-16T00:00:00Z"
  end: "2026-06-17T00:00:00Z"
`), 0o600))
	now := wednesday
	e, err := New(Config{Flows: []stint.Flow{onCallFlow(stint.OnCallSource{File: path})}, Now: func() time.Time { return now }})
	require.NoError(t, err)
	d := testDirectory()
	decide := func(email string) bool {
		t.Helper()
		dec, err := e.DecideRequest(context.Background(), RequestInput{User: &stint.User{Email: email, Groups: []string{"sre"}}, Account: &d.Accounts[0], PermissionSet: "AdministratorAccess"})
		require.NoError(t, err)
		return dec.AutoApprove
	}
	require.True(t, decide("Bob@example.com"), "on shift")
	require.False(t, decide("zed@example.com"), "shift over")

	// A changed file is read again (JSON works too).
	require.NoError(t, os.WriteFile(path, []byte(`[{"email": "zed@example.com", "start": "2026-06-17T00:00:00Z", "end": "2026-06-18T00:00:00Z"}]`), 0o600))
	require.True(t, decide("zed@example.com"))
	require.False(t, decide("bob@example.com"))

	// A broken file means no auto-approval, never an error for the requester.
	require.NoError(t, os.WriteFile(path, []byte("not: [a list"), 0o600))
	require.False(t, decide("zed@example.com"))
}

func TestOnCallURL(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Query().Get("email") {
		case "bob@example.com":
			_, _ = w.Write([]byte(`{"on_call": true}`))
		case "broken@example.com":
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			_, _ = w.Write([]byte(`{"on_call": false}`))
		}
	}))
	t.Cleanup(srv.Close)
	var now atomic.Pointer[time.Time]
	now.Store(&wednesday)
	e, err := New(Config{
		Flows: []stint.Flow{onCallFlow(stint.OnCallSource{URL: srv.URL + "/oncall?team=sre"})},
		Now:   func() time.Time { return *now.Load() },
	})
	require.NoError(t, err)
	d := testDirectory()
	decide := func(email string) bool {
		t.Helper()
		dec, err := e.DecideRequest(context.Background(), RequestInput{User: &stint.User{Email: email, Groups: []string{"sre"}}, Account: &d.Accounts[0], PermissionSet: "AdministratorAccess"})
		require.NoError(t, err)
		return dec.AutoApprove
	}
	require.True(t, decide("bob@example.com"))
	require.False(t, decide("alice@example.com"))
	require.False(t, decide("broken@example.com"))
	require.EqualValues(t, 3, calls.Load())
	require.True(t, decide("bob@example.com"))
	require.EqualValues(t, 3, calls.Load(), "answers are cached")
	later := wednesday.Add(time.Minute)
	now.Store(&later)
	require.True(t, decide("bob@example.com"))
	require.EqualValues(t, 4, calls.Load(), "the cache expires")
}

func TestCedarBlock(t *testing.T) {
	t.Parallel()
	base := func(cedarText string) stint.Flow {
		return stint.Flow{Name: "f", Requesters: []string{"group:eng"}, Resources: []stint.FlowResource{ic([]string{"all"}, "ReadOnly")},
			MaxDuration: hours(1), AutoApprove: true, Cedar: cedarText}
	}
	d := testDirectory()
	in := RequestInput{User: &stint.User{Email: "a@example.com", Groups: []string{"eng"}}, Account: &d.Accounts[1], PermissionSet: "ReadOnly"}
	tests := []struct {
		name    string
		cedar   string
		wantErr string // substring of the deny
	}{
		{name: "no block allows", cedar: ""},
		{name: "forbid that does not apply", cedar: `forbid (principal, action == Action::"request", resource) when { context.duration > duration("2h") };`},
		{name: "forbid that applies", cedar: `forbid (principal, action, resource) when { resource.account.name == "dev-sandbox" };`, wantErr: "forbidden by the policy at line 1 of its cedar block"},
		{name: "a forbid that errors denies", cedar: `forbid (principal, action, resource) when { principal.nonexistent == "x" };`, wantErr: "failed to evaluate"},
		{name: "a forbid reading a missing attribute denies", cedar: "@reason(\"no interns\")\nforbid (principal, action, resource) when { principal.attributes.title == \"intern\" };", wantErr: "failed to evaluate"},
		{name: "context attributes are always there", cedar: `forbid (principal, action, resource) when { context.extensions > 0 || context.break_glass || context.step == "x" || context.owner == principal && false };`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(Config{Flows: []stint.Flow{base(tt.cedar)}})
			require.NoError(t, err)
			dec, err := e.DecideRequest(context.Background(), in)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.True(t, dec.AutoApprove)
				return
			}
			require.Nil(t, dec)
			require.Equal(t, stint.EFORBIDDEN, stint.ErrorCode(err))
			require.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	ok := func() stint.Flow {
		return stint.Flow{Name: "f", Requesters: []string{"group:eng"}, Resources: []stint.FlowResource{ic([]string{"all"}, "ReadOnly")},
			MaxDuration: hours(1), AutoApprove: true}
	}
	tests := []struct {
		name   string
		mutate func(f *stint.Flow)
		groups map[string][]string
		want   string
	}{
		{name: "permit in the cedar block", mutate: func(f *stint.Flow) { f.Cedar = "permit (principal, action, resource);" }, want: `flow "f": cedar: the permit policy at line 1 is not allowed`},
		{name: "cedar syntax", mutate: func(f *stint.Flow) { f.Cedar = "forbid (principal, action, resource) when {" }, want: `flow "f": cedar:`},
		{name: "unknown time zone", mutate: func(f *stint.Flow) {
			f.AutoApproveWhen = []stint.AutoApproveRule{{Time: &stint.TimeWindow{Timezone: "Mars/Olympus"}}}
		}, want: `unknown time zone "Mars/Olympus"`},
		{name: "bad hours", mutate: func(f *stint.Flow) {
			f.AutoApproveWhen = []stint.AutoApproveRule{{Time: &stint.TimeWindow{Hours: "9-5"}}}
		}, want: `hours "9-5"`},
		{name: "bad day", mutate: func(f *stint.Flow) {
			f.AutoApproveWhen = []stint.AutoApproveRule{{Time: &stint.TimeWindow{Days: []string{"mon-fry"}}}}
		}, want: `day "mon-fry"`},
		{name: "empty rule", mutate: func(f *stint.Flow) { f.AutoApproveWhen = []stint.AutoApproveRule{{}} }, want: "auto_approve_when[0] is empty"},
		{name: "on-call with both", mutate: func(f *stint.Flow) {
			f.AutoApproveWhen = []stint.AutoApproveRule{{OnCall: &stint.OnCallSource{File: "x", URL: "http://x"}}}
		}, want: "exactly one of file or url"},
		{name: "bundle outside the flow", mutate: func(f *stint.Flow) {
			f.Bundles = []stint.Bundle{{Name: "b", Resources: []stint.FlowResource{ic([]string{"all"}, "Admin")}}}
		}, want: `bundle "b" names permission set "Admin"`},
		{name: "invalid UTF-8", mutate: func(f *stint.Flow) { f.Requesters = []string{"group:\xff"} }, want: "not valid UTF-8"},
		{name: "negative extensions", mutate: func(f *stint.Flow) { f.Extensions = &stint.ExtensionRule{Max: -1} }, want: "must not be negative"},
		{name: "root validation", mutate: func(f *stint.Flow) { f.MaxDuration = 0 }, want: "max_duration is required"},
		{name: "bad group member", mutate: func(f *stint.Flow) {}, groups: map[string][]string{"eng": {"bob"}}, want: `groups.eng: principal "bob"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := ok()
			tt.mutate(&f)
			_, err := New(Config{Flows: []stint.Flow{f}, Groups: tt.groups})
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "err: %v", err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := New(Config{Flows: []stint.Flow{ok(), ok()}})
	require.Contains(t, err.Error(), "defined twice")

	e, err := New(Config{Flows: []stint.Flow{ok()}})
	require.NoError(t, err)
	text, err := e.Policies("F")
	require.NoError(t, err)
	require.True(t, strings.Contains(text, `forbid (principal, action == Action::"request", resource) unless { context.duration <= duration("3600000ms") };`), text)
}
