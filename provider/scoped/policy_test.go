package scoped_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/scoped"
)

func TestPermissionSetName(t *testing.T) {
	t.Parallel()
	form := regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)
	seen := map[string]bool{}
	for _, p := range []scoped.Permission{
		{AccountID: "111111111111", Kind: stint.ResourceS3, Target: "payments-logs:read"},
		{AccountID: "111111111111", Kind: stint.ResourceS3, Target: "payments-logs:write"},
		{AccountID: "222222222222", Kind: stint.ResourceS3, Target: "payments-logs:read"},
		{AccountID: "111111111111", Kind: stint.ResourceEC2, Target: "i-0123456789abcdef0"},
		{AccountID: "111111111111", Kind: stint.ResourceRDS, Target: "orders-db:app_ro"},
		{AccountID: "111111111111", Kind: stint.ResourceEKS, Target: "prod/payments:edit"},
		{AccountID: "111111111111", Kind: stint.ResourceIAMGroup, Target: "x"},
		{AccountID: "111111111111", Kind: "aws-something-very-long", Target: strings.Repeat("x", 500)},
	} {
		name := scoped.PermissionSetName(p)
		require.Regexp(t, form, name)
		require.True(t, strings.HasPrefix(name, scoped.NamePrefix+strings.TrimPrefix(string(p.Kind), "aws-")[:min(9, len(p.Kind)-4)]+"-"), name)
		require.Equal(t, name, scoped.PermissionSetName(p), "deterministic")
		require.False(t, seen[name], "distinct: %s", name)
		seen[name] = true
	}
	require.Equal(t, "stint-s3-", scoped.PermissionSetName(scoped.Permission{AccountID: "1", Kind: stint.ResourceS3, Target: "b:read"})[:9])
}

func TestPoliciesAreValidAndScoped(t *testing.T) {
	t.Parallel()
	type st struct {
		Sid       string
		Effect    string
		Action    any
		Resource  any
		Condition map[string]map[string]string
	}
	parse := func(t *testing.T, policy string) map[string]st {
		t.Helper()
		require.NoError(t, scoped.CheckPolicy(policy))
		var doc struct {
			Version   string
			Statement []st
		}
		require.NoError(t, json.Unmarshal([]byte(policy), &doc))
		require.Equal(t, "2012-10-17", doc.Version)
		out := map[string]st{}
		for _, s := range doc.Statement {
			require.Equal(t, "Allow", s.Effect)
			out[s.Sid] = s
		}
		return out
	}
	list := func(v any) []string {
		switch v := v.(type) {
		case string:
			return []string{v}
		case []any:
			out := make([]string, len(v))
			for i, x := range v {
				out[i] = x.(string)
			}
			return out
		}
		return nil
	}
	bucket, objects := "arn:aws:s3:::payments-logs", "arn:aws:s3:::payments-logs/*"

	t.Run("s3 read", func(t *testing.T) {
		p := parse(t, scoped.S3Policy("aws", "payments-logs", "read"))
		require.Len(t, p, 3)
		require.Equal(t, []string{"s3:ListAllMyBuckets"}, list(p["StintListBuckets"].Action))
		require.Equal(t, []string{"*"}, list(p["StintListBuckets"].Resource))
		require.ElementsMatch(t, []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketVersions"}, list(p["StintBucket"].Action))
		require.Equal(t, []string{bucket}, list(p["StintBucket"].Resource))
		require.Equal(t, []string{"s3:GetObject*"}, list(p["StintObjects"].Action))
		require.Equal(t, []string{objects}, list(p["StintObjects"].Resource))
	})
	t.Run("s3 write", func(t *testing.T) {
		p := parse(t, scoped.S3Policy("aws", "payments-logs", "write"))
		require.Subset(t, list(p["StintObjects"].Action), []string{"s3:GetObject*", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"})
		require.NotContains(t, list(p["StintObjects"].Action), "s3:DeleteObjectVersion")
		require.Contains(t, list(p["StintBucket"].Action), "s3:ListBucketMultipartUploads")
		require.Equal(t, []string{objects}, list(p["StintObjects"].Resource))
	})
	t.Run("s3 admin", func(t *testing.T) {
		p := parse(t, scoped.S3Policy("aws-cn", "payments-logs", "admin"))
		require.Len(t, p, 2)
		require.Equal(t, []string{"s3:*"}, list(p["StintBucketAdmin"].Action))
		require.Equal(t, []string{"arn:aws-cn:s3:::payments-logs", "arn:aws-cn:s3:::payments-logs/*"}, list(p["StintBucketAdmin"].Resource))
	})
	t.Run("ec2", func(t *testing.T) {
		p := parse(t, scoped.EC2Policy("aws", "eu-west-1", "111111111111", "i-0123456789abcdef0"))
		require.Equal(t, []string{"ssm:StartSession"}, list(p["StintStartSession"].Action))
		require.Equal(t, []string{
			"arn:aws:ec2:eu-west-1:111111111111:instance/i-0123456789abcdef0",
			"arn:aws:ssm:eu-west-1::document/AWS-StartSSHSession",
			"arn:aws:ssm:eu-west-1::document/AWS-StartPortForwardingSession",
			"arn:aws:ssm:eu-west-1::document/AWS-StartPortForwardingSessionToRemoteHost",
			"arn:aws:ssm:eu-west-1:111111111111:document/SSM-SessionManagerRunShell",
		}, list(p["StintStartSession"].Resource))
		require.Equal(t, []string{"ssm:TerminateSession", "ssm:ResumeSession"}, list(p["StintOwnSessions"].Action))
		require.Equal(t, []string{"arn:aws:ssm:*:*:session/${aws:userid}-*"}, list(p["StintOwnSessions"].Resource))
		require.Equal(t, map[string]map[string]string{"StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"}},
			p["StintOwnSessionsTagged"].Condition)
		require.ElementsMatch(t, []string{"ssm:DescribeSessions", "ssm:GetConnectionStatus", "ssm:DescribeInstanceInformation", "ec2:DescribeInstances"},
			list(p["StintDescribe"].Action))
	})
	t.Run("rds", func(t *testing.T) {
		p := parse(t, scoped.RDSPolicy("aws", "eu-west-1", "111111111111", "orders-db", "db-ABCDEFGHIJKL", "app_ro"))
		require.Len(t, p, 2)
		require.Equal(t, []string{"rds-db:connect"}, list(p["StintConnect"].Action))
		require.Equal(t, []string{"arn:aws:rds-db:eu-west-1:111111111111:dbuser:db-ABCDEFGHIJKL/app_ro"}, list(p["StintConnect"].Resource))
		require.Equal(t, []string{"arn:aws:rds:eu-west-1:111111111111:db:orders-db"}, list(p["StintDescribe"].Resource))
	})
}

func TestCheckPolicy(t *testing.T) {
	t.Parallel()
	stmt := `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	big := func(n int, pad string) string {
		parts := make([]string, n)
		for i := range parts {
			cond := ""
			if pad != "" { // whitespace in a value counts as bytes, not as characters
				cond = `,"Condition":{"StringEquals":{"aws:PrincipalTag/team":"a` + pad + `b"}}`
			}
			parts[i] = fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%04d/*"%s}`, i, i, cond)
		}
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(parts, ",") + `]}`
	}
	for _, tc := range []struct {
		name, policy, err string
	}{
		{"one statement", `{"Version":"2012-10-17","Statement":` + stmt + `}`, ""},
		{"a list", `{"Version":"2012-10-17","Statement":[` + stmt + `,` + stmt + `]}`, ""},
		{"under the quota", big(100, ""), ""},
		{"not JSON", `{"Version":`, "not a JSON object"},
		{"old version", `{"Version":"2008-10-17","Statement":[` + stmt + `]}`, `Version must be "2012-10-17"`},
		{"no statements", `{"Version":"2012-10-17","Statement":[]}`, "no statements"},
		{"unknown top element", `{"Version":"2012-10-17","Statement":[` + stmt + `],"Foo":1}`, `unknown top-level element "Foo"`},
		{"principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, "names no Principal"},
		{"bad effect", `{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"s3:*","Resource":"*"}]}`, `Effect must be "Allow" or "Deny"`},
		{"no action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`, "exactly one of Action and NotAction"},
		{"both resources", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}]}`, "exactly one of Resource and NotResource"},
		{"bad action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`, `Action "GetObject" is not valid`},
		{"bad resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}]}`, `Resource "bucket" is not valid`},
		{"bad condition", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":"yes"}]}`, "Condition must map"},
		{"duplicate sid", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, `Sid "A" is used twice`},
		{"cut-off sid", `{"Version":"2012-10-17","Statement":[{"Sid":"StintCutoff1","Effect":"Deny","Action":"*","Resource":"*"}]}`, "stint's cut-off statements"},
		{"too many characters", big(150, ""), "too large for a permission set"},
		{"too many bytes", big(60, strings.Repeat(" ", 500)), "too large for a permission set"},
		{"formatting does not count", strings.ReplaceAll(big(100, ""), ",", ",\n        "), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := scoped.CheckPolicy(tc.policy)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, tc.err)
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	good := scoped.Permission{AccountID: "111111111111", Kind: stint.ResourceS3, Target: "b:read", Description: "stint: read on S3 bucket b in 111111111111",
		Policy: scoped.S3Policy("aws", "b", "read")}
	require.NoError(t, scoped.Check(good))
	for _, tc := range []struct {
		name string
		edit func(*scoped.Permission)
		err  string
	}{
		{"account", func(p *scoped.Permission) { p.AccountID = "prod" }, "not 12 digits"},
		{"kind", func(p *scoped.Permission) { p.Kind = "" }, "no resource type"},
		{"target", func(p *scoped.Permission) { p.Target = "" }, "no target"},
		{"no description", func(p *scoped.Permission) { p.Description = "" }, "no description"},
		{"long description", func(p *scoped.Permission) { p.Description = strings.Repeat("é", 701) }, "701 characters"},
		{"description characters", func(p *scoped.Permission) { p.Description = "stint: read ✓" }, "printable Latin-1"},
		{"policy", func(p *scoped.Permission) { p.Policy = "{}" }, "Version must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.edit(&p)
			err := scoped.Check(p)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, tc.err)
		})
	}
}
