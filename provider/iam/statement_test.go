package iam

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStatement(t *testing.T) {
	t.Parallel()
	until := time.Date(2026, 12, 1, 10, 30, 0, 0, time.FixedZone("CET", 3600))
	tr := trust{sid: StatementID("aws-iam-role:111111111111|deploy|USER|u-1"), user: "alice@example.com", until: &until}
	require.Regexp(t, `^Stint[0-9a-f]{24}$`, tr.sid)
	require.Equal(t, tr.sid, StatementID("aws-iam-role:111111111111|deploy|USER|u-1"))
	require.NotEqual(t, tr.sid, StatementID("aws-iam-role:111111111111|deploy|USER|u-2"))

	one := tr.statement([]string{"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_0123456789abcdef"})
	require.JSONEq(t, `{"Sid":"`+tr.sid+`","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_0123456789abcdef"},
		"Action":["sts:AssumeRole","sts:SetSourceIdentity"],
		"Condition":{"DateLessThan":{"aws:CurrentTime":"2026-12-01T09:30:00Z"},"StringLike":{"aws:userid":"*:alice@example.com"}}}`, string(one))
	got, ok := statementUntil(one)
	require.True(t, ok)
	require.True(t, got.Equal(until))

	two := tr.statement([]string{"a", "b"})
	require.Contains(t, string(two), `"Principal":{"AWS":["a","b"]}`)
}

func TestSSOPermissionSet(t *testing.T) {
	t.Parallel()
	for role, want := range map[string]string{
		"AWSReservedSSO_ReadOnly_0123456789abcdef":       "ReadOnly",
		"AWSReservedSSO_Data_Eng_Admin_0123456789abcdef": "Data_Eng_Admin",
		"AWSReservedSSO_ReadOnly_0123":                   "",
		"AWSReservedSSO__0123456789abcdef":               "",
		"OrganizationAccountAccessRole":                  "",
	} {
		got, ok := ssoPermissionSet(role)
		require.Equal(t, want, got, role)
		require.Equal(t, want != "", ok, role)
	}
}

func TestCutoffPolicy(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 10, 0, 1, 0, time.UTC)
	doc := newCutoffPolicy(at)
	require.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Sid":"StintCutoff","Effect":"Deny","Action":"*","Resource":"*",
		"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-01T10:00:01Z"}}}]}`, string(doc))
	got, ok := cutoffTime(url.PathEscape(string(doc)))
	require.True(t, ok)
	require.True(t, got.Equal(at))
	_, ok = cutoffTime(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	require.False(t, ok)
}
