package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
)

func TestAuditForwardAndRetention(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("stint.yaml", []byte(valid+`audit:
  checkpoint_key_env: STINT_AUDIT_KEY
  forward:
    - name: siem
      format: OCSF
      webhook: {url: "https://siem.example.com/collect", secret_env: SIEM_SECRET, authorization_env: SIEM_AUTH}
    - name: archive
      batch: 2000
      s3: {bucket: stint-audit, prefix: prod/}
  retention: {keep: 365d}
  weekly_report: true
`))
	require.NoError(t, err)
	a := cfg.Audit
	require.Equal(t, stint.Duration(config.DefaultForwardInterval), a.ForwardInterval)
	require.Equal(t, "ocsf", a.Forward[0].Format)
	require.Equal(t, config.DefaultForwardBatch, a.Forward[0].Batch)
	require.Equal(t, "jsonl", a.Forward[1].Format)
	require.Equal(t, 2000, a.Forward[1].Batch)
	require.Equal(t, "stint-audit", a.Forward[1].S3.Bucket)
	require.Equal(t, stint.Duration(365*24*time.Hour), a.Retention.Keep)
	require.Equal(t, stint.Duration(config.DefaultRetentionInterval), a.Retention.Interval)
	require.True(t, a.WeeklyReport)

	cfg, err = config.Parse("stint.yaml", []byte(valid))
	require.NoError(t, err)
	require.Zero(t, cfg.Audit.ForwardInterval)
	require.Zero(t, cfg.Audit.Retention.Interval)

	tests := []struct {
		name, src, want string
	}{
		{"no name", "  forward: [{webhook: {url: https://x.example}}]\n", "needs a name"},
		{"twice", "  forward: [{name: a, webhook: {url: https://x.example}}, {name: a, s3: {bucket: b}}]\n", `"a" is used twice`},
		{"both kinds", "  forward: [{name: a, webhook: {url: https://x.example}, s3: {bucket: b}}]\n", "exactly one of webhook or s3"},
		{"neither", "  forward: [{name: a}]\n", "exactly one of webhook or s3"},
		{"bad url", "  forward: [{name: a, webhook: {url: ftp://x}}]\n", "must be an http(s) URL"},
		{"secret in the config", "  forward: [{name: a, webhook: {url: https://x.example, secret_env: 'not a name'}}]\n", "must name an environment variable"},
		{"no bucket", "  forward: [{name: a, s3: {prefix: p/}}]\n", "needs the bucket's name"},
		{"format", "  forward: [{name: a, format: xml, s3: {bucket: b}}]\n", `format "xml" is not jsonl or ocsf`},
		{"batch", "  forward: [{name: a, batch: 20000, s3: {bucket: b}}]\n", "batch 20000 must be from 1 to 10000"},
		{"retention without checkpoints", "  retention: {keep: 30d}\n", "retention needs audit.checkpoint_key_env"},
		{"retention too short", "  checkpoint_key_env: K\n  retention: {keep: 2h}\n", "shorter than 1d"},
		{"retention without keep", "  retention: {interval: 1h}\n", "retention needs keep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("stint.yaml", []byte(valid+"audit:\n"+tt.src))
			require.Error(t, err)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			require.True(t, strings.Contains(err.Error(), tt.want), "%v", err)
			require.Contains(t, err.Error(), "stint.yaml:", "located in the file")
		})
	}
}
