package discovery

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
)

func TestJudgePolicies(t *testing.T) {
	t.Parallel()
	doc := func(statements string) map[string]string {
		return map[string]string{"p": `{"Version":"2012-10-17","Statement":` + statements + `}`}
	}
	tests := []struct {
		name    string
		managed []string
		docs    map[string]string
		want    stint.AccessLevel
		reason  string
	}{
		{name: "AdministratorAccess by name", managed: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, want: stint.AccessAdmin, reason: "AdministratorAccess"},
		{name: "IAMFullAccess is admin-equivalent", managed: []string{"arn:aws:iam::aws:policy/IAMFullAccess"}, want: stint.AccessAdmin, reason: "iam:*"},
		{name: "ReadOnlyAccess reads", managed: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, want: stint.AccessRead},
		{name: "job function view only reads", managed: []string{"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}, want: stint.AccessRead},
		{name: "PowerUserAccess writes", managed: []string{"arn:aws:iam::aws:policy/PowerUserAccess"}, want: stint.AccessWrite},
		{name: "no policy allows nothing", want: stint.AccessRead, reason: "nothing"},
		{name: "star on star", docs: doc(`[{"Effect":"Allow","Action":"*","Resource":"*"}]`), want: stint.AccessAdmin, reason: "every action (*)"},
		{name: "star colon star, one statement object", docs: doc(`{"Effect":"Allow","Action":["*:*"],"Resource":["*"]}`), want: stint.AccessAdmin},
		{name: "star on one bucket only writes", docs: doc(`[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}]`), want: stint.AccessWrite},
		{name: "iam:* is admin-equivalent", docs: doc(`[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]`), want: stint.AccessAdmin, reason: "iam:*"},
		{name: "attach role policy escalates", docs: doc(`[{"Effect":"Allow","Action":["s3:GetObject","iam:Attach*"],"Resource":"*"}]`), want: stint.AccessAdmin, reason: "iam:AttachUserPolicy"},
		{name: "PassRole with RunInstances", docs: doc(`[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"},{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]`),
			want: stint.AccessAdmin, reason: "iam:PassRole on every role, with ec2:RunInstances"},
		{name: "PassRole of one role is not", docs: doc(`[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/app"},{"Effect":"Allow","Action":"lambda:CreateFunction","Resource":"*"}]`),
			want: stint.AccessWrite},
		{name: "PassRole alone writes", docs: doc(`[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]`), want: stint.AccessWrite},
		{name: "NotAction sparing iam is write", docs: doc(`[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]`), want: stint.AccessWrite},
		{name: "NotAction of s3 on star is admin", docs: doc(`[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]`), want: stint.AccessAdmin, reason: "every action but s3:*"},
		{name: "reads only", docs: doc(`[{"Effect":"Allow","Action":["s3:Get*","s3:List*","ec2:Describe*","dynamodb:Query"],"Resource":"*"}]`), want: stint.AccessRead},
		{name: "a service wildcard writes", docs: doc(`[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]`), want: stint.AccessWrite, reason: "s3:*"},
		{name: "deny is not evaluated", docs: doc(`[{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]`), want: stint.AccessRead},
		{name: "URL-encoded document", docs: map[string]string{"p": url.PathEscape(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}, want: stint.AccessAdmin},
		{name: "broken document writes", docs: map[string]string{"p": "{nope"}, want: stint.AccessWrite, reason: "could not be read"},
		{name: "managed read and inline admin", managed: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, docs: doc(`[{"Effect":"Allow","Action":"*","Resource":"*"}]`), want: stint.AccessAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := judgePolicies(tt.managed, tt.docs)
			require.Equal(t, tt.want, got.level, got.reason)
			require.Contains(t, got.reason, tt.reason)
		})
	}
}

func TestCapByBoundary(t *testing.T) {
	t.Parallel()
	admin := judgement{stint.AccessAdmin, "AdministratorAccess"}
	got := capBy(admin, judgeManaged("arn:aws:iam::aws:policy/PowerUserAccess"), "PowerUserAccess")
	require.Equal(t, stint.AccessWrite, got.level)
	require.Contains(t, got.reason, "permissions boundary PowerUserAccess")
	require.Equal(t, admin, capBy(admin, admin, "AdministratorAccess"))
}

func TestTrustedPrincipals(t *testing.T) {
	t.Parallel()
	org := map[string]bool{"111111111111": true, "222222222222": true}
	tests := []struct {
		name, doc string
		want      []stint.TrustedPrincipal
	}{
		{name: "outside account root", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`,
			want: []stint.TrustedPrincipal{{Principal: "arn:aws:iam::999999999999:root", AccountID: "999999999999", Outside: true}}},
		{name: "account inside, with an external ID", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["222222222222"]},"Action":["sts:AssumeRole"],"Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}`,
			want: []stint.TrustedPrincipal{{Principal: "222222222222", AccountID: "222222222222", Conditions: []string{"sts:ExternalId"}}}},
		{name: "anyone", doc: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`,
			want: []stint.TrustedPrincipal{{Principal: "*", Outside: true}}},
		{name: "anyone of the organisation", doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}`,
			want: []stint.TrustedPrincipal{{Principal: "*", Conditions: []string{"aws:PrincipalOrgID"}}}},
		{name: "own account, services and stint's statements left out", doc: `{"Statement":[
			{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"},
			{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
			{"Sid":"Stint0123","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:role/x"},"Action":"sts:AssumeRole"},
			{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`},
		{name: "federation is not AssumeRole", doc: `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/x"},"Action":"sts:AssumeRoleWithSAML"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := trustedPrincipals(tt.doc, "111111111111", org)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
