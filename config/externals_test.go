package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

const externalsSection = "externals: {secret_key_env: STINT_EXTERNALS_KEY}\n"

func TestExternalsDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Parse("stint.yaml", []byte(valid+externalsSection+`flows:
  - name: acme-logs
    requesters: [external:Acme]
    sponsors: [group:VendorManagers]
    resources:
      - s3: {accounts: ["111111111111"], buckets: [acme-exchange], levels: [read]}
      - rds: {accounts: ["name:prod-payments"], instances: [ledger-db], db_users: [acme_ro]}
    max_duration: 4h
`))
	require.NoError(t, err)
	x := c.Externals
	require.Equal(t, "StintExternalBroker", x.BrokerRole)
	require.Equal(t, stint.Duration(time.Hour), x.MaxSession)
	require.Equal(t, stint.Duration(72*time.Hour), x.InviteTTL)
	require.Equal(t, stint.Duration(time.Hour), x.SessionMax)
	require.Equal(t, stint.Duration(15*time.Minute), x.SessionIdle)
	require.Equal(t, 5, x.MaxFailures)
	require.True(t, c.Flows[0].ForExternals())
	require.Empty(t, c.Flows[0].Approvers, "the sponsor approves by default")

	off, err := config.Parse("stint.yaml", []byte(valid))
	require.NoError(t, err)
	require.Nil(t, off.Externals)
}

func TestExternalsErrors(t *testing.T) {
	t.Parallel()
	flow := valid + externalsSection + "flows:\n  - name: f\n" // the flow's keys start on line 5
	s3 := "    resources: [{s3: {accounts: [\"111111111111\"], buckets: [b1], levels: [read]}}]\n"
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "no sealing key",
			src:  valid + "externals: {broker_role: 'bad role'}\n",
			want: []string{
				`stint.yaml:2:12: externals.secret_key_env is required: name the environment variable holding the key that seals TOTP secrets (make one with ` + "`head -c 32 /dev/urandom | base64`)",
				`stint.yaml:2:26: externals.broker_role "bad role" is not an IAM role name (letters, digits and +=,.@_-, up to 64)`,
			},
		},
		{
			name: "section limits",
			src:  valid + "externals:\n  secret_key_env: K\n  max_session: 10m\n  session_max: 24h\n",
			want: []string{
				`stint.yaml:4:16: externals.max_session 10m must be from 15m (the shortest credentials AWS issues) to 12h`,
				`stint.yaml:5:16: externals.session_max 1d is too long for third parties; at most 12h`,
			},
		},
		{
			name: "flow for externals without the section",
			src:  valid + "flows:\n  - name: f\n    requesters: [external:Acme]\n    max_duration: 1h\n" + s3,
			want: []string{`stint.yaml:4:17: flow "f": flows for externals need the externals section (broker role, sealing key); see docs/external.md`},
		},
		{
			name: "rules of flows for externals, located",
			src: flow + "    requesters: [external:Acme, group:Eng]\n    max_duration: 24h\n    auto_approve: true\n    exclude: [user:x@y.example]\n" +
				"    resources:\n      - s3: {accounts: [all], buckets: [b1], levels: [read]}\n      - identity_center: {accounts: [all], permission_sets: [ReadOnly]}\n" +
				"    bundles:\n      - {name: wide, resources: [{s3: {accounts: [\"111111111111\"], buckets: [b2], levels: [read]}}]}\n",
			want: []string{
				`stint.yaml:5:33: flow "f": requesters mixes "group:Eng" with external: references; a flow is either for externals or for internal users`,
				`stint.yaml:6:19: flow "f": max_duration 1d is too long for externals; at most 12h`,
				`stint.yaml:7:19: flow "f": requests of externals are always approved by a person (their sponsor by default); drop auto_approve`,
				`stint.yaml:8:14: flow "f": exclude does not apply to externals; disable one with ` + "`stint external disable EMAIL`",
				`stint.yaml:10:13: flow "f": resources[0]: s3: account "all" must be an account ID or name:NAME for externals, not a pattern, OU, tag or all`,
				`stint.yaml:11:26: flow "f": resources[1]: externals may be granted only s3, ec2 and rds resources (credentials are scoped to one bucket, instance or database)`,
				`stint.yaml:13:39: flow "f": bundle "wide" reaches beyond the flow's resources (s3 [111111111111] × b2 : read); a bundle may only hold resources the flow lists`,
			},
		},
		{
			name: "patterns and sponsors on internal flows",
			src: flow + "    requesters: [external:Acme]\n    max_duration: 1h\n    resources: [{ec2: {accounts: [\"111111111111\"], instances: [\"i-*\"]}}]\n" +
				"  - name: g\n    requesters: [group:Eng]\n    sponsors: [group:Sec]\n    approvers: [group:Sec]\n    max_duration: 1h\n" + s3,
			want: []string{
				`stint.yaml:7:23: flow "f": resources[0]: ec2: "i-*" is a pattern; externals get only instances named exactly`,
				`stint.yaml:10:15: flow "g": sponsors are for flows for externals (requesters: [external:ORG])`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse("stint.yaml", []byte(tt.src))
			require.Error(t, err)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.Equal(t, strings.Join(tt.want, "\n"), err.Error())
		})
	}
}
