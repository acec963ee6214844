package identityconfig_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
)

// testDirectory is a small organisation with nested OUs and tags.
func testDirectory() *stint.Directory {
	return &stint.Directory{
		Users:  []stint.User{{ID: "u-alice", UserName: "alice", Email: "alice@example.com"}},
		Groups: []stint.Group{{ID: "g-eng", Name: "Engineers"}, {ID: "g-ops", Name: "Ops"}},
		Accounts: []stint.Account{
			{ID: "111111111111", Name: "prod-web", OUPath: "Prod", Tags: map[string]string{"env": "prod"}},
			{ID: "222222222222", Name: "prod-payments", OUPath: "Prod/Payments", Tags: map[string]string{"env": "prod", "pci": "yes"}},
			{ID: "333333333333", Name: "prod-data", OUPath: "Prod/Data/Lake", Tags: map[string]string{"env": "prod"}},
			{ID: "444444444444", Name: "dev-001", OUPath: "Dev", Tags: map[string]string{"env": "dev"}},
			{ID: "555555555555", Name: "sandbox", OUPath: ""},
		},
		PermissionSets: []stint.PermissionSet{{ARN: "arn:ps-legacy", Name: "Legacy"}},
	}
}

func parse(t *testing.T, file string) *identityconfig.Desired {
	t.Helper()
	d, err := identityconfig.Parse(map[string][]byte{"f.yaml": []byte(file)})
	require.NoError(t, err)
	return d
}

func TestResolveSelectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		accounts string
		except   string
		want     []string
	}{
		{name: "nested OU", accounts: "[ou:Prod]", want: []string{"prod-data", "prod-payments", "prod-web"}},
		{name: "deeper OU", accounts: "[ou:Prod/Data]", want: []string{"prod-data"}},
		{name: "OU except child OU", accounts: "[ou:Prod]", except: "[ou:Prod/Payments]", want: []string{"prod-data", "prod-web"}},
		{name: "tag", accounts: "[tag:env=prod]", except: "[tag:pci=yes]", want: []string{"prod-data", "prod-web"}},
		{name: "all except by name and ID", accounts: "[all]", except: "[name:sandbox, \"444444444444\"]", want: []string{"prod-data", "prod-payments", "prod-web"}},
		{name: "union without duplicates", accounts: "[ou:Dev, tag:env=dev, name:dev-001]", want: []string{"dev-001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := "permission_sets:\n  - name: Ops\nassignments:\n  - principal: group:Engineers\n    permission_set: Ops\n    accounts: " + tt.accounts + "\n"
			if tt.except != "" {
				file += "    except: " + tt.except + "\n"
			}
			r, err := identityconfig.Resolve(parse(t, file), testDirectory())
			require.NoError(t, err)
			var got []string
			for _, tg := range r.Targets {
				require.Equal(t, "g-eng", tg.PrincipalID)
				got = append(got, tg.AccountName)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestResolveProblems(t *testing.T) {
	t.Parallel()
	file := `users:
  - {user_name: zoe, given_name: Zoe, family_name: Zed}
groups:
  - name: New
    members: [zoe, alicee]
permission_sets:
  - name: Ops
  - name: Legacyy
    external: true
assignments:
  - principal: group:Enginers
    permission_set: Ops
    accounts: [all]
  - principal: user:alice@example.com
    permission_set: Ops
    accounts: [ou:Prod/Paymnts, name:prod-wbe, tag:env=staging, tag:team=x, "999999999999"]
    except: [ou:Nowhere]
  - principal: group:New
    permission_set: Ops
    accounts: [ou:Dev]
    except: [tag:env=dev]
`
	_, err := identityconfig.Resolve(parse(t, file), testDirectory())
	require.Equal(t, stint.EINVALID, stint.ErrorCode(err))
	require.Equal(t, `f.yaml:5:20: group "New" member "alicee" is neither declared under users nor in the identity store (did you mean alice?)
f.yaml:8:11: external permission set "Legacyy" does not exist in the instance (did you mean Legacy?)
f.yaml:11:16: unknown group:Enginers (did you mean Engineers?)
f.yaml:16:16: selector "ou:Prod/Paymnts" matches no account (did you mean ou:Prod/Payments?)
f.yaml:16:33: selector "name:prod-wbe" matches no account (did you mean name:prod-web?)
f.yaml:16:48: selector "tag:env=staging" matches no account; tag env has values dev, prod
f.yaml:16:65: selector "tag:team=x" matches no account; no account has tag "team"; tag keys: env, pci
f.yaml:16:77: selector "999999999999" matches no account; no active account has this ID in the organisation
f.yaml:17:14: selector "ou:Nowhere" matches no account; OUs with accounts: Dev, Prod, Prod/Data, Prod/Data/Lake, Prod/Payments
f.yaml:21:13: assignment of Ops to group:New selects no account once except is applied`, err.Error())
}

func TestResolvePendingPrincipal(t *testing.T) {
	t.Parallel()
	file := "groups:\n  - name: New\npermission_sets:\n  - name: Ops\nassignments:\n  - {principal: group:New, permission_set: Ops, accounts: [name:dev-001]}\n"
	r, err := identityconfig.Resolve(parse(t, file), testDirectory())
	require.NoError(t, err)
	require.Equal(t, []identityconfig.Target{{PrincipalType: "GROUP", PrincipalName: "New", PermissionSet: "Ops", AccountID: "444444444444", AccountName: "dev-001"}}, r.Targets)
}
