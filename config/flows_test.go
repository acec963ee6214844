package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

// fullFile uses every part of the flow language.
const fullFile = `aws: {region: us-east-1}
admins: [bob@example.com]
groups:
  Oncall: [group:SRE, user:carol@example.com]
  Responders: [group:Oncall]
flows:
  - name: prod-admin
    description: Production admin
    requesters: [group:Engineers, group:Responders]
    requester_attributes:
      department: [Engineering, SRE]
    exclude: [user:mallory@example.com]
    resources:
      - identity_center: {accounts: ["ou:Prod"], permission_sets: [AdministratorAccess]}
    bundles:
      - name: all-prod
        resources:
          - identity_center: {accounts: ["111111111111", "222222222222"], permission_sets: [ReadOnlyAccess]}
    max_duration: 8h
    default_duration: 1h
    activation_window: 30m
    require_reason: true
    ticket: {required: true, pattern: "^(INC|CHG)-[0-9]+$"}
    approval_steps:
      - name: lead
        approvers: [group:Leads]
        quorum: 2
        permission_sets: [AdministratorAccess]
      - approvers: [group:Security, user:sec@example.com]
        requester_groups: [Contractors]
    auto_approve_when:
      - time: {days: [mon-fri], hours: "09:00-18:00", timezone: Europe/Paris}
        requester_groups: [SRE]
      - on_call: {url: "https://oncall.example.com/now"}
    review_timeout: 2h
    break_glass: {groups: [Oncall], max_duration: 1h}
    extensions: {max: 2, max_each: 2h, reapproval: true}
    mfa: true
    cedar: |
      forbid (principal, action, resource)
      when { context.duration > 14400 };
`

func TestFullFlow(t *testing.T) {
	t.Parallel()
	c, err := config.LoadBytes("stint.yaml", []byte(fullFile), noEnv)
	require.NoError(t, err)
	require.Equal(t, map[string][]string{
		"Oncall":     {"group:SRE", "user:carol@example.com"},
		"Responders": {"group:Oncall"},
	}, c.Groups)
	f := c.Flows[0]
	require.Equal(t, map[string][]string{"department": {"Engineering", "SRE"}}, f.RequesterAttributes)
	require.Equal(t, []string{"user:mallory@example.com"}, f.Exclude)
	require.Equal(t, "all-prod", f.Bundles[0].Name)
	require.Equal(t, []string{"111111111111", "222222222222"}, f.Bundles[0].Resources[0].IdentityCenter.Accounts)
	require.Equal(t, stint.Duration(30*time.Minute), f.ActivationWindow)
	require.Equal(t, &stint.TicketRule{Required: true, Pattern: "^(INC|CHG)-[0-9]+$"}, f.Ticket)
	require.Equal(t, []stint.ApprovalStep{
		{Name: "lead", Approvers: []string{"group:Leads"}, Quorum: 2, PermissionSets: []string{"AdministratorAccess"}},
		{Approvers: []string{"group:Security", "user:sec@example.com"}, RequesterGroups: []string{"Contractors"}},
	}, f.ApprovalSteps)
	require.Equal(t, []stint.AutoApproveRule{
		{Time: &stint.TimeWindow{Days: []string{"mon-fri"}, Hours: "09:00-18:00", Timezone: "Europe/Paris"}, RequesterGroups: []string{"SRE"}},
		{OnCall: &stint.OnCallSource{URL: "https://oncall.example.com/now"}},
	}, f.AutoApproveWhen)
	require.Equal(t, &stint.BreakGlass{Groups: []string{"Oncall"}, MaxDuration: stint.Duration(time.Hour)}, f.BreakGlass)
	require.Equal(t, &stint.ExtensionRule{Max: 2, MaxEach: stint.Duration(2 * time.Hour), Reapproval: true}, f.Extensions)
	require.True(t, f.MFA)
	require.Equal(t, "forbid (principal, action, resource)\nwhen { context.duration > 14400 };\n", f.Cedar)
	require.NoError(t, f.Validate())

	u := &stint.User{Email: "Carol@example.com", Groups: []string{"Engineers"}}
	require.Equal(t, []string{"Engineers", "Oncall", "Responders"}, c.GroupsOf(u))
	require.Equal(t, []string{"SRE", "Oncall", "Responders"}, c.GroupsOf(&stint.User{Email: "x@example.com", Groups: []string{"SRE"}}))
}

// base is a valid flow whose keys start on line 3; cases append keys on
// line 7 and on.
const base = valid + `flows:
  - name: f
    requesters: [group:E]
    resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]
    max_duration: 4h
`

func TestFlowLanguageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "unknown key in a step",
			src:  base + "    approval_steps:\n      - approvers: [group:S]\n        qorum: 2\n",
			want: []string{`stint.yaml:9:9: unknown key "qorum" in flows[0].approval_steps[0] (did you mean quorum?); known keys: name, approvers, quorum, permission_sets, requester_groups`},
		},
		{
			name: "wrong type in requester_attributes",
			src:  base + "    auto_approve: true\n    requester_attributes: {department: Engineering}\n",
			want: []string{`stint.yaml:8:40: flows[0].requester_attributes.department: expected a list, got "Engineering"`},
		},
		{
			name: "requester_attributes not a mapping",
			src:  base + "    auto_approve: true\n    requester_attributes: [a]\n",
			want: []string{`stint.yaml:8:27: flows[0].requester_attributes: expected a mapping, got a list`},
		},
		{
			name: "bad duration in break_glass",
			src:  base + "    auto_approve: true\n    break_glass: {max_duration: 1x}\n",
			want: []string{`stint.yaml:8:33: flows[0].break_glass.max_duration: invalid duration "1x"; use e.g. 30m, 4h or 7d`},
		},
		{
			name: "bad activation window",
			src:  base + "    auto_approve: true\n    activation_window: soon\n",
			want: []string{`stint.yaml:8:24: flows[0].activation_window: invalid duration "soon"; use e.g. 30m, 4h or 7d`},
		},
		{
			name: "quorum not an integer",
			src:  base + "    approval_steps: [{approvers: [group:S], quorum: two}]\n",
			want: []string{`stint.yaml:7:53: flows[0].approval_steps[0].quorum: expected an integer, got "two"`},
		},
		{
			name: "ticket pattern does not compile",
			src:  base + "    auto_approve: true\n    ticket: {pattern: \"^(INC\"}\n",
			want: []string{"stint.yaml:8:23: flow \"f\": ticket pattern \"^(INC\" does not compile: error parsing regexp: missing closing ): `^(INC`"},
		},
		{
			name: "step without approvers",
			src:  base + "    approval_steps:\n      - name: lead\n        quorum: 1\n",
			want: []string{`stint.yaml:8:9: flow "f": approval_steps[0] has no approvers; add e.g. approvers: [group:Security]`},
		},
		{
			name: "negative quorum",
			src:  base + "    approval_steps:\n      - approvers: [group:S]\n        quorum: -1\n",
			want: []string{`stint.yaml:9:17: flow "f": approval_steps[0].quorum must be at least 1 (0 means 1)`},
		},
		{
			name: "quorum above the named users",
			src:  base + "    approval_steps:\n      - approvers: [user:a@example.com, user:b@example.com]\n        quorum: 3\n",
			want: []string{`stint.yaml:9:17: flow "f": approval_steps[0].quorum 3 exceeds its 2 approvers; the step could never pass`},
		},
		{
			name: "bad approver reference in a step",
			src:  base + "    approval_steps:\n      - approvers: [Security]\n",
			want: []string{`stint.yaml:8:21: flow "f": principal "Security" must be user:EMAIL or group:NAME`},
		},
		{
			name: "approvers and approval_steps",
			src:  base + "    approvers: [group:S]\n    approval_steps: [{approvers: [group:T]}]\n",
			want: []string{`stint.yaml:8:21: flow "f": use approvers (one step) or approval_steps, not both`},
		},
		{
			name: "break glass longer than the flow",
			src:  base + "    auto_approve: true\n    break_glass: {groups: [Oncall], max_duration: 8h}\n",
			want: []string{`stint.yaml:8:51: flow "f": break_glass max_duration 8h exceeds the flow's max_duration 4h`},
		},
		{
			name: "break glass group with a prefix",
			src:  base + "    auto_approve: true\n    break_glass: {groups: [group:Oncall]}\n",
			want: []string{`stint.yaml:8:28: flow "f": flows[0].break_glass.groups lists group names; write "Oncall", not "group:Oncall"`},
		},
		{
			name: "bad day",
			src:  base + "    approvers: [group:S]\n    auto_approve_when:\n      - time: {days: [mon-fry, sat]}\n",
			want: []string{`stint.yaml:9:23: flow "f": day "mon-fry" must be mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri`},
		},
		{
			name: "bad hours",
			src:  base + "    approvers: [group:S]\n    auto_approve_when:\n      - time: {hours: \"9-17\"}\n",
			want: []string{`stint.yaml:9:23: flow "f": hours "9-17" must be HH:MM-HH:MM, e.g. 09:00-18:00`},
		},
		{
			name: "empty hours window",
			src:  base + "    approvers: [group:S]\n    auto_approve_when:\n      - time: {hours: \"09:00-09:00\"}\n",
			want: []string{`stint.yaml:9:23: flow "f": hours "09:00-09:00" is an empty window; leave hours out for all day`},
		},
		{
			name: "bad timezone",
			src:  base + "    approvers: [group:S]\n    auto_approve_when:\n      - time: {timezone: Mars/Olympus}\n",
			want: []string{`stint.yaml:9:26: flow "f": timezone "Mars/Olympus" is not an IANA time zone such as Europe/Paris or America/New_York`},
		},
		{
			name: "on_call with both file and url",
			src:  base + "    approvers: [group:S]\n    auto_approve_when:\n      - on_call: {file: oncall.yaml, url: \"https://x\"}\n",
			want: []string{`stint.yaml:9:18: flow "f": on_call needs exactly one of file or url`},
		},
		{
			name: "on_call url not http",
			src:  base + "    approvers: [group:S]\n    auto_approve_when:\n      - on_call: {url: \"ftp://x/y\"}\n",
			want: []string{`stint.yaml:9:24: flow "f": on_call.url "ftp://x/y" must be an http:// or https:// URL`},
		},
		{
			name: "empty auto-approve rule",
			src:  base + "    approvers: [group:S]\n    auto_approve_when: [{}]\n",
			want: []string{`stint.yaml:8:25: flow "f": auto_approve_when[0] sets no condition; use time, requester_groups or on_call`},
		},
		{
			name: "auto_approve_when with auto_approve",
			src:  base + "    auto_approve: true\n    auto_approve_when: [{requester_groups: [SRE]}]\n",
			want: []string{`stint.yaml:8:24: flow "f": auto_approve: true already approves every request; drop auto_approve_when or set auto_approve: false`},
		},
		{
			name: "bundle without name, duplicate bundle, bundle without resources",
			src: base + "    auto_approve: true\n    bundles:\n" +
				"      - resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]\n" +
				"      - {name: b, resources: [{identity_center: {accounts: [all], permission_sets: [P]}}]}\n" +
				"      - {name: B}\n",
			want: []string{
				`stint.yaml:9:9: flow "f": bundles[0] needs a name`,
				`stint.yaml:11:9: flow "f": bundles[2] needs resources`,
				`stint.yaml:11:16: flow "f": bundle name "B" is already used by bundles[1]`,
			},
		},
		{
			name: "bad selector in a bundle",
			src:  base + "    auto_approve: true\n    bundles: [{name: b, resources: [{identity_center: {accounts: [Prod], permission_sets: [P]}}]}]\n",
			want: []string{`stint.yaml:8:67: flow "f": account selector "Prod" must be a 12-digit account ID, name:NAME, ou:PATH, tag:KEY=VALUE or all`},
		},
		{
			name: "negative extensions",
			src:  base + "    auto_approve: true\n    extensions: {max: -1, max_each: 8h}\n",
			want: []string{
				`stint.yaml:8:23: flow "f": extensions.max must be 0 (no extensions) or more`,
				`stint.yaml:8:37: flow "f": extensions.max_each 8h exceeds max_duration 4h`,
			},
		},
		{
			name: "extensions and max_extensions",
			src:  base + "    auto_approve: true\n    extensions: {max: 1}\n    max_extensions: 2\n",
			want: []string{`stint.yaml:9:21: flow "f": set extensions or max_extensions, not both (extensions.max replaces max_extensions)`},
		},
		{
			name: "bad exclude",
			src:  base + "    auto_approve: true\n    exclude: [mallory]\n",
			want: []string{`stint.yaml:8:15: flow "f": principal "mallory" must be user:EMAIL or group:NAME`},
		},
		{
			name: "attribute without values",
			src:  base + "    auto_approve: true\n    requester_attributes: {department: []}\n",
			want: []string{`stint.yaml:8:28: flow "f": requester_attributes.department lists no values; add e.g. department: [Engineering]`},
		},
		{
			name: "cedar that does not parse, in a literal block",
			src:  base + "    auto_approve: true\n    cedar: |\n      forbid (principal, action, resource)\n      when { context.x > };\n",
			want: []string{`stint.yaml:10:27: flow "f": cedar does not parse: parse error ";": invalid primary`},
		},
		{
			name: "cedar permit, on a plain line",
			src:  base + "    auto_approve: true\n    cedar: forbid (principal, action, resource); permit (principal, action, resource);\n",
			want: []string{`stint.yaml:8:50: flow "f": cedar may only hold forbid policies (the flow's requesters and resources permit); remove this permit`},
		},
		{
			name: "cedar error in a quoted string is at the key",
			src:  base + "    auto_approve: true\n    cedar: \"permit (principal, action, resource);\"\n",
			want: []string{`stint.yaml:8:12: flow "f": cedar may only hold forbid policies (the flow's requesters and resources permit); remove this permit`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadBytes("stint.yaml", []byte(tt.src), noEnv)
			require.Error(t, err)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.Equal(t, strings.Join(tt.want, "\n"), err.Error())
		})
	}
}

func TestGroupsSection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "cycle",
			src:  valid + "groups:\n  B: [group:C]\n  C: [group:A, user:x@example.com]\n  A: [group:B]\n",
			want: []string{`stint.yaml:5:3: groups: cycle A -> B -> C -> A; a group cannot contain itself, remove one of these members`},
		},
		{
			name: "self",
			src:  valid + "groups:\n  A: [group:A]\n",
			want: []string{`stint.yaml:3:3: groups: cycle A -> A; a group cannot contain itself, remove one of these members`},
		},
		{
			name: "bad member",
			src:  valid + "groups:\n  A: [Ops]\n",
			want: []string{`stint.yaml:3:7: groups.A: principal "Ops" must be user:EMAIL or group:NAME`},
		},
		{
			name: "members not a list",
			src:  valid + "groups:\n  A: group:Ops\n",
			want: []string{`stint.yaml:3:6: groups.A: expected a list, got "group:Ops"`},
		},
		{
			name: "not a mapping",
			src:  valid + "groups: [A]\n",
			want: []string{`stint.yaml:2:9: groups: expected a mapping, got a list`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadBytes("stint.yaml", []byte(tt.src), noEnv)
			var ce *config.Error
			require.True(t, errors.As(err, &ce), "%v", err)
			require.Equal(t, strings.Join(tt.want, "\n"), err.Error())
		})
	}
}

func TestTimeWindowParsing(t *testing.T) {
	t.Parallel()
	days, err := config.ParseDays([]string{"fri-mon", "Wed"})
	require.NoError(t, err)
	require.Equal(t, [7]bool{true, true, false, true, false, true, true}, days)
	all, err := config.ParseDays(nil)
	require.NoError(t, err)
	require.Equal(t, [7]bool{true, true, true, true, true, true, true}, all)

	start, end, err := config.ParseHours("22:00-06:30")
	require.NoError(t, err)
	require.Equal(t, 22*time.Hour, start)
	require.Equal(t, 6*time.Hour+30*time.Minute, end)
	_, end, err = config.ParseHours("00:00-24:00")
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, end)
	for _, bad := range []string{"24:00-01:00", "09:60-10:00", "9:00-10:00", "09:00", "ab:cd-10:00"} {
		_, _, err := config.ParseHours(bad)
		require.Error(t, err, bad)
	}
	loc, err := config.LoadTimezone("")
	require.NoError(t, err)
	require.Equal(t, time.UTC, loc)
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	base := "store: sqlite://x.db\naws: {region: us-east-1}\nflows: [{name: a, requesters: [group:E], resources: [{identity_center: {accounts: [all], permission_sets: [P]}}], max_duration: 1h, auto_approve: true}]\n"
	cfg, err := config.LoadBytes("s.yaml", []byte(base+"webhooks:\n  - url: https://hooks.example.com/stint\n    events: [request.break_glass, grant.*]\n    secret_env: STINT_HOOK_SECRET\n"), func(string) string { return "" })
	require.NoError(t, err)
	require.Len(t, cfg.Webhooks, 1)
	require.True(t, cfg.Webhooks[0].Wants("grant.active"))
	require.False(t, cfg.Webhooks[0].Wants("request.created"))
	_, err = config.LoadBytes("s.yaml", []byte(base+"webhooks:\n  - url: ftp://x\n    secret_env: \"abc def\"\n"), func(string) string { return "" })
	require.Error(t, err)
	require.Contains(t, err.Error(), `webhook url "ftp://x" must be an http(s) URL`)
	require.Contains(t, err.Error(), `secret_env "abc def" must name an environment variable`)
	require.Regexp(t, `s\.yaml:5:\d+: webhook url`, err.Error())
}
