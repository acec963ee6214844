package identityconfig_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
)

const goodFile = `
users:
  - user_name: alice
    given_name: Alice
    family_name: Anders
    email: alice@example.com
groups:
  - name: Engineers
    members: [alice]
permission_sets:
  - name: Deploy
    description: Deploy services
    session_duration: 4h
    managed_policies: [ReadOnlyAccess, "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]
    customer_managed_policies: [{name: DeployPolicy}]
    inline_policy:
      Version: "2012-10-17"
      Statement: [{Effect: Allow, Action: "ecs:UpdateService", Resource: "*"}]
    permissions_boundary: {managed_policy: PowerUserAccess}
    tags: {owner: platform}
  - name: Ops
    session_duration: PT8H
    inline_policy: '{"Version": "2012-10-17", "Statement": []}'
  - name: Legacy
    external: true
assignments:
  - principal: group:Engineers
    permission_set: Deploy
    accounts: [ou:Prod, "111111111111"]
    except: [name:prod-payments]
`

func TestParseGood(t *testing.T) {
	t.Parallel()
	d, err := identityconfig.Parse(map[string][]byte{"identity.yaml": []byte(goodFile)})
	require.NoError(t, err)
	require.True(t, d.ManagesIdentities)
	require.Equal(t, "Alice Anders", d.Users[0].DisplayName)
	deploy := d.PermissionSets[0]
	require.Equal(t, 4*time.Hour, time.Duration(deploy.SessionDuration))
	require.Equal(t, "PT4H", deploy.SessionDuration.String())
	require.Equal(t, []identityconfig.ManagedPolicy{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}, deploy.ManagedPolicies)
	require.Equal(t, "/", deploy.CustomerManagedPolicies[0].Path)
	require.Equal(t, identityconfig.InlinePolicy(`{"Statement":[{"Action":"ecs:UpdateService","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`), deploy.InlinePolicy)
	require.Equal(t, identityconfig.ManagedPolicy("arn:aws:iam::aws:policy/PowerUserAccess"), deploy.PermissionsBoundary.ManagedPolicy)
	ops := d.PermissionSets[1]
	require.Equal(t, identityconfig.InlinePolicy(`{"Statement":[],"Version":"2012-10-17"}`), ops.InlinePolicy)
	require.Equal(t, "PT8H", ops.SessionDuration.String())
	require.True(t, d.PermissionSets[2].External)
	require.Equal(t, identityconfig.Principal{Type: "GROUP", Name: "Engineers"}, d.Assignments[0].Principal)
	require.Equal(t, []identityconfig.Selector{"ou:Prod", "111111111111"}, d.Assignments[0].Accounts)
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		want []string
	}{
		{
			name: "unknown key with hint",
			file: "permission_sets:\n  - name: A\n    descripton: x\n",
			want: []string{`f.yaml:3:5: unknown key "descripton" in permission_sets[0] (did you mean description?); known keys: name, description, session_duration, relay_state, managed_policies, customer_managed_policies, inline_policy, permissions_boundary, tags, external`},
		},
		{
			name: "wrong type",
			file: "permission_sets:\n  - name: [A]\n",
			want: []string{`f.yaml:2:11: permission_sets[0].name: expected a string, got a list`},
		},
		{
			name: "unknown policy ARN format",
			file: "permission_sets:\n  - name: A\n    managed_policies: [ReadOnlyAccess, \"arn:aws:iam::123456789012:policy/Mine\"]\n",
			want: []string{`f.yaml:3:40: permission_sets[0].managed_policies[1]: unknown policy ARN format "arn:aws:iam::123456789012:policy/Mine": an AWS managed policy ARN looks like arn:aws:iam::aws:policy/ReadOnlyAccess; a customer managed policy goes in customer_managed_policies as {name, path}`},
		},
		{
			name: "duplicate names",
			file: "permission_sets:\n  - name: A\n  - name: a\n",
			want: []string{`f.yaml:3:11: duplicate permission set "a": first declared at f.yaml:2:5`},
		},
		{
			name: "inline policy not JSON",
			file: "permission_sets:\n  - name: A\n    inline_policy: '{\"Version\": '\n",
			want: []string{`f.yaml:3:20: permission_sets[0].inline_policy: inline policy is not valid JSON: unexpected EOF`},
		},
		{
			name: "session duration too long",
			file: "permission_sets:\n  - name: A\n    session_duration: PT13H\n",
			want: []string{`f.yaml:3:23: permission_sets[0].session_duration: session duration PT13H is outside PT15M..PT12H, the range AWS allows`},
		},
		{
			name: "session duration too short",
			file: "permission_sets:\n  - name: A\n    session_duration: 10m\n",
			want: []string{`f.yaml:3:23: permission_sets[0].session_duration: session duration PT10M is outside PT15M..PT12H, the range AWS allows`},
		},
		{
			name: "undeclared permission set",
			file: "permission_sets:\n  - name: ReadOnly\nassignments:\n  - principal: group:X\n    permission_set: ReadOnyl\n    accounts: [all]\n",
			want: []string{`f.yaml:5:21: assignment names undeclared permission set "ReadOnyl" (did you mean ReadOnly?); declare it under permission_sets (with external: true if it is managed elsewhere)`},
		},
		{
			name: "bad principal and selector, every problem reported",
			file: "permission_sets:\n  - name: A\nassignments:\n  - principal: team:X\n    permission_set: A\n    accounts: [\"ou:\", name:web, \"12345\"]\n",
			want: []string{
				`f.yaml:4:16: assignments[0].principal: principal "team:X" must be user:USER_NAME or group:GROUP_NAME`,
				`f.yaml:6:16: assignments[0].accounts[0]: account selector "ou:" must be a 12-digit account ID, name:NAME, ou:PATH, tag:KEY=VALUE or all`,
				`f.yaml:6:33: assignments[0].accounts[2]: account selector "12345" must be a 12-digit account ID, name:NAME, ou:PATH, tag:KEY=VALUE or all`,
			},
		},
		{
			name: "external declares more than its name",
			file: "permission_sets:\n  - name: A\n    external: true\n    description: x\n",
			want: []string{`f.yaml:3:15: permission set "A" is external: declare only its name, or remove external to manage it`},
		},
		{
			name: "boundary needs exactly one",
			file: "permission_sets:\n  - name: A\n    permissions_boundary: {}\n",
			want: []string{`f.yaml:3:27: permissions_boundary takes exactly one of managed_policy and customer_managed_policy`},
		},
		{
			name: "syntax error",
			file: "permission_sets:\n  - name: [A\n",
			want: []string{`f.yaml:2:11: sequence end token ']' not found`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := identityconfig.Parse(map[string][]byte{"f.yaml": []byte(tt.file)})
			require.Error(t, err)
			require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
			var perr *identityconfig.Error
			require.ErrorAs(t, err, &perr)
			var got []string
			for _, p := range perr.Problems {
				got = append(got, p.String())
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseDuplicateAcrossFiles(t *testing.T) {
	t.Parallel()
	_, err := identityconfig.Parse(map[string][]byte{
		"a.yaml": []byte("permission_sets:\n  - name: Ops\n"),
		"b.yaml": []byte("groups:\n  - name: G\npermission_sets:\n  - name: Ops\n"),
	})
	require.EqualError(t, err, `b.yaml:4:11: duplicate permission set "Ops": first declared at a.yaml:2:5`)
}

func TestLoadFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sets.yaml"), []byte("permission_sets:\n  - name: Ops\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "assign.yml"), []byte("assignments:\n  - {principal: group:G, permission_set: Ops, accounts: [all]}\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("not yaml"), 0o600))
	d, err := identityconfig.Load(dir)
	require.NoError(t, err)
	require.Len(t, d.PermissionSets, 1)
	require.Len(t, d.Assignments, 1)
	require.False(t, d.ManagesIdentities)
}
