package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stint-dev/stint"
)

// FuzzCompile feeds arbitrary flow fields to New: it must return an
// EINVALID error or an engine that decides without panicking.
func FuzzCompile(f *testing.F) {
	f.Add("f", "group:eng", "user:x@example.com", "ou:Prod", "ReadOnly", "department", "eng", "", "09:00-18:00", "mon-fri", "Europe/Berlin", int64(3600), "eng")
	f.Add("f", "user:a\"b@example.com", "group:\\", "tag:k=v\"", "Admin\x00", "k\n", "", `forbid (principal, action, resource) when { principal.x };`, "22:00-06:00", "fri-mon", "", int64(60), "")
	f.Add("f", "group:", "bogus", "name:", "", "", "", "permit (principal, action, resource);", "24:00-01:00", "sun", "Local", int64(-1), "group:oncall")
	f.Fuzz(func(t *testing.T, name, requester, exclude, acct, ps, attrKey, attrVal, cedarText, hoursStr, days, tz string, maxSecs int64, bgGroup string) {
		fl := stint.Flow{
			Name: name, Requesters: []string{requester}, Resources: []stint.FlowResource{ic([]string{acct}, ps)},
			MaxDuration: stint.Duration(time.Duration(maxSecs) * time.Second), AutoApprove: true, Cedar: cedarText,
			AutoApproveWhen: []stint.AutoApproveRule{{Time: &stint.TimeWindow{Hours: hoursStr, Days: []string{days}, Timezone: tz}}},
			Bundles:         []stint.Bundle{{Name: name, Resources: []stint.FlowResource{ic([]string{acct}, ps)}}},
		}
		if exclude != "" {
			fl.Exclude = []string{exclude}
		}
		if attrKey != "" {
			fl.RequesterAttributes = map[string][]string{attrKey: {attrVal}}
		}
		if bgGroup != "" {
			fl.BreakGlass = &stint.BreakGlass{Groups: []string{bgGroup}}
		}
		e, err := New(Config{Flows: []stint.Flow{fl}, Groups: map[string][]string{"eng": {requester}}})
		if err != nil {
			if stint.ErrorCode(err) != stint.EINVALID {
				t.Fatalf("New: %v is not EINVALID", err)
			}
			return
		}
		u := &stint.User{Email: strings.TrimPrefix(requester, "user:"), Groups: []string{strings.TrimPrefix(requester, "group:"), bgGroup},
			Attributes: map[string]string{attrKey: attrVal}}
		a := &stint.Account{ID: "111111111111", Name: strings.TrimPrefix(acct, "name:"), OUPath: strings.TrimPrefix(acct, "ou:"), Tags: map[string]string{"k": "v"}}
		for _, bg := range []bool{false, true} {
			d, err := e.DecideRequest(context.Background(), RequestInput{User: u, Account: a, PermissionSet: ps, BreakGlass: bg})
			if (d == nil) == (err == nil) {
				t.Fatalf("decision %v with error %v", d, err)
			}
			if err != nil && stint.ErrorCode(err) != stint.EFORBIDDEN && stint.ErrorCode(err) != stint.EINVALID {
				t.Fatalf("DecideRequest: %v", err)
			}
		}
		dir := &stint.Directory{Users: []stint.User{*u}, Accounts: []stint.Account{*a}, PermissionSets: []stint.PermissionSet{{Name: ps}}}
		_ = e.Eligible(dir, u)
		_ = e.WhoCan(dir, a, ps)
		_ = e.Authorize(context.Background(), ActionInput{Action: ActionExtend, User: u, Flow: name, Grant: &stint.Grant{UserEmail: u.Email, Extensions: 1}, Extension: time.Hour})
	})
}

// FuzzDecide feeds arbitrary users, accounts and durations to a fixed
// engine and checks Cedar's verdict against the root package's rules
// (AllowsRequester, Covers, the maximum duration) flow by flow.
func FuzzDecide(f *testing.F) {
	f.Add("alice@example.com", "Eng", "eng", "prod-core", "Prod", "prod", "AdministratorAccess", int64(3600))
	f.Add("FRANK@example.com", "", "sre", "root-acct", "", "", "readonly", int64(0))
	f.Add("mallory@example.com", "platform", "", "x", "Dev/Team/Deep", "dev", "PowerUser", int64(-5))
	f.Add("carol@example.com", "sre", "sre", "dev", "prod/", "prod", "ReadOnly", int64(14400))
	flows := testFlows()[:3] // no cedar block: the root's rules are the whole story
	flows = append(flows, testFlows()[4])
	e, err := New(Config{Flows: flows, Groups: testGroups(), Now: func() time.Time { return wednesday }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, email, group, dept, acctName, ou, env, ps string, secs int64) {
		u := &stint.User{Email: email, Groups: []string{group}, Attributes: map[string]string{"department": dept}}
		a := &stint.Account{ID: "444444444444", Name: acctName, OUPath: ou, Tags: map[string]string{"env": env}}
		d := time.Duration(secs) * time.Second
		exp := e.Explain(context.Background(), RequestInput{User: u, Account: a, PermissionSet: ps, Duration: d})
		got := map[string]bool{}
		for _, r := range exp.Reasons {
			got[r.Flow] = r.Allowed
		}
		x := e.Expand(u)
		for i := range flows {
			fl := &flows[i]
			dd := d
			if dd == 0 {
				dd = fl.Default()
			}
			want := fl.AllowsRequester(x) && fl.Covers(a, ps) && dd > 0 && dd <= time.Duration(fl.MaxDuration)
			if got[fl.Name] != want {
				t.Fatalf("flow %q: cedar says %v, the root's rules %v (%+v)", fl.Name, got[fl.Name], want, exp)
			}
		}
		dec, err := e.DecideRequest(context.Background(), RequestInput{User: u, Account: a, PermissionSet: ps, Duration: d})
		if (dec != nil) != exp.Allowed || (err == nil) != exp.Allowed {
			t.Fatalf("DecideRequest %v %v disagrees with Explain %+v", dec, err, exp)
		}
	})
}
