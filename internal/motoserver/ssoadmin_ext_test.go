package motoserver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint/internal/motoserver"
)

// ssoAdmin starts moto with or without the sso-admin extensions and returns
// a client that does not retry (stock moto's 500s would be retried) and the
// default instance's ARN.
func ssoAdmin(t *testing.T, extensions bool) (*ssoadmin.Client, string) {
	t.Helper()
	c := start(t, extensions)
	return c.sso, c.instance
}

// clients are non-retrying sso-admin and identitystore clients of one moto,
// with its default instance.
type clients struct {
	sso      *ssoadmin.Client
	ids      *identitystore.Client
	instance string
	store    string
}

func start(t *testing.T, extensions bool) clients {
	t.Helper()
	s := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true, SSOAdminExtensions: extensions})
	c := clients{
		sso: ssoadmin.NewFromConfig(s.AWSConfig(), func(o *ssoadmin.Options) { o.RetryMaxAttempts = 1 }),
		ids: identitystore.NewFromConfig(s.AWSConfig(), func(o *identitystore.Options) { o.RetryMaxAttempts = 1 }),
	}
	out, err := c.sso.ListInstances(t.Context(), &ssoadmin.ListInstancesInput{})
	require.NoError(t, err)
	require.Len(t, out.Instances, 1)
	c.instance, c.store = *out.Instances[0].InstanceArn, *out.Instances[0].IdentityStoreId
	return c
}

func TestSSOAdminExtensions(t *testing.T) {
	t.Parallel()
	client, instance := ssoAdmin(t, true)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	// No SessionDuration: AWS and the wrapper answer "PT1H".
	created, err := client.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
		InstanceArn: &instance,
		Name:        aws.String("ReadOnly"),
		Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	})
	require.NoError(t, err)
	ps := created.PermissionSet.PermissionSetArn
	require.Equal(t, "PT1H", aws.ToString(created.PermissionSet.SessionDuration))

	t.Run("tags", func(t *testing.T) {
		tags := func() map[string]string {
			out, err := client.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{InstanceArn: &instance, ResourceArn: ps})
			require.NoError(t, err)
			m := map[string]string{}
			for _, tag := range out.Tags {
				m[*tag.Key] = *tag.Value
			}
			return m
		}
		require.Equal(t, map[string]string{"team": "core"}, tags())
		_, err := client.TagResource(ctx, &ssoadmin.TagResourceInput{
			InstanceArn: &instance, ResourceArn: ps,
			Tags: []types.Tag{
				{Key: aws.String("team"), Value: aws.String("platform")},
				{Key: aws.String("env"), Value: aws.String("prod")},
			},
		})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"team": "platform", "env": "prod"}, tags())
		_, err = client.UntagResource(ctx, &ssoadmin.UntagResourceInput{
			InstanceArn: &instance, ResourceArn: ps, TagKeys: []string{"team", "missing"},
		})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"env": "prod"}, tags())

		_, err = client.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{
			InstanceArn: &instance, ResourceArn: aws.String(instance + "/ps-doesnotexist"),
		})
		var notFound *types.ResourceNotFoundException
		require.ErrorAs(t, err, &notFound)
	})

	t.Run("provisioning status", func(t *testing.T) {
		var ids []string
		for _, in := range []*ssoadmin.ProvisionPermissionSetInput{
			{InstanceArn: &instance, PermissionSetArn: ps, TargetType: types.ProvisionTargetTypeAwsAccount, TargetId: aws.String(motoserver.AccountID)},
			{InstanceArn: &instance, PermissionSetArn: ps, TargetType: types.ProvisionTargetTypeAllProvisionedAccounts},
			{InstanceArn: &instance, PermissionSetArn: ps, TargetType: types.ProvisionTargetTypeAllProvisionedAccounts},
		} {
			out, err := client.ProvisionPermissionSet(ctx, in)
			require.NoError(t, err)
			ids = append(ids, *out.PermissionSetProvisioningStatus.RequestId)
		}
		require.NotEqual(t, ids[1], ids[2])
		for i, id := range ids {
			out, err := client.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
				InstanceArn: &instance, ProvisionPermissionSetRequestId: aws.String(id),
			})
			require.NoError(t, err)
			st := out.PermissionSetProvisioningStatus
			require.Equal(t, types.StatusValuesSucceeded, st.Status)
			require.Equal(t, *ps, *st.PermissionSetArn)
			if i == 0 {
				require.Equal(t, motoserver.AccountID, aws.ToString(st.AccountId), "an account target names the account")
			} else {
				require.Nil(t, st.AccountId)
			}
		}
		_, err := client.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
			InstanceArn: &instance, ProvisionPermissionSetRequestId: aws.String("unknown"),
		})
		var notFound *types.ResourceNotFoundException
		require.ErrorAs(t, err, &notFound)

		provisioned, err := client.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
			InstanceArn: &instance, AccountId: aws.String(motoserver.AccountID),
		})
		require.NoError(t, err)
		require.Equal(t, []string{*ps}, provisioned.PermissionSets, "provisioned three times, listed once")

		_, err = client.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{
			InstanceArn: &instance, PermissionSetArn: ps, TargetType: types.ProvisionTargetTypeAwsAccount,
		})
		var invalid *types.ValidationException
		require.ErrorAs(t, err, &invalid, "an account target needs TargetId")
	})

	t.Run("one assignment however often created", func(t *testing.T) {
		const account = "111111111111"
		list := func() []types.AccountAssignment {
			out, err := client.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{
				InstanceArn: &instance, AccountId: aws.String(account), PermissionSetArn: ps,
			})
			require.NoError(t, err)
			return out.AccountAssignments
		}
		var ids []string
		for range 2 {
			out, err := client.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
				InstanceArn: &instance, PermissionSetArn: ps,
				TargetId: aws.String(account), TargetType: types.TargetTypeAwsAccount,
				PrincipalId: aws.String("group-1"), PrincipalType: types.PrincipalTypeGroup,
			})
			require.NoError(t, err)
			require.Equal(t, types.StatusValuesSucceeded, out.AccountAssignmentCreationStatus.Status)
			ids = append(ids, *out.AccountAssignmentCreationStatus.RequestId)
		}
		require.Equal(t, ids[0], ids[1], "the second create answers the existing assignment")
		require.Len(t, list(), 1)

		del := &ssoadmin.DeleteAccountAssignmentInput{
			InstanceArn: &instance, PermissionSetArn: ps,
			TargetId: aws.String(account), TargetType: types.TargetTypeAwsAccount,
			PrincipalId: aws.String("group-1"), PrincipalType: types.PrincipalTypeGroup,
		}
		out, err := client.DeleteAccountAssignment(ctx, del)
		require.NoError(t, err)
		deletion := *out.AccountAssignmentDeletionStatus.RequestId
		require.NotEqual(t, ids[0], deletion, "a deletion has its own request ID")
		status, err := client.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
			InstanceArn: &instance, AccountAssignmentDeletionRequestId: &deletion,
		})
		require.NoError(t, err)
		require.Equal(t, types.StatusValuesSucceeded, status.AccountAssignmentDeletionStatus.Status)
		require.Empty(t, list())
		_, err = client.DeleteAccountAssignment(ctx, del)
		var notFound *types.ResourceNotFoundException
		require.ErrorAs(t, err, &notFound)
	})
}

// Without the option moto is stock: the gaps the wrapper fills are still
// there, so tests that forget the option fail loudly rather than pass on
// behaviour that only the wrapper has.
func TestStockMotoLacksSSOAdminExtensions(t *testing.T) {
	t.Parallel()
	client, instance := ssoAdmin(t, false)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	_, err := client.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
		InstanceArn: &instance, Name: aws.String("NoDuration"),
	})
	require.ErrorContains(t, err, "expected", "stock moto answers SessionDuration as a number")

	created, err := client.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
		InstanceArn: &instance, Name: aws.String("WithDuration"), SessionDuration: aws.String("PT2H"),
	})
	require.NoError(t, err)
	_, err = client.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{
		InstanceArn: &instance, ResourceArn: created.PermissionSet.PermissionSetArn,
	})
	require.Error(t, err)
	_, err = client.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{
		InstanceArn: &instance, PermissionSetArn: created.PermissionSet.PermissionSetArn,
	})
	var notFound *types.ResourceNotFoundException
	require.Error(t, err)
	require.False(t, errors.As(err, &notFound), "stock moto answers an HTML 500, not AWS's ResourceNotFoundException")
}

// TestProvisioningPerAccount: a permission set is provisioned to the
// accounts where it is assigned; each change leaves them behind until it is
// provisioned again, to one account or to all.
func TestProvisioningPerAccount(t *testing.T) {
	t.Parallel()
	c := start(t, true)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	inst := &c.instance
	created, err := c.sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: inst, Name: aws.String("Deploy")})
	require.NoError(t, err)
	ps := created.PermissionSet.PermissionSetArn
	const a, b, other = "111111111111", "222222222222", "333333333333"
	for _, acct := range []string{a, b, b} {
		_, err := c.sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
			InstanceArn: inst, PermissionSetArn: ps, TargetId: aws.String(acct), TargetType: types.TargetTypeAwsAccount,
			PrincipalId: aws.String("group-" + acct), PrincipalType: types.PrincipalTypeGroup,
		})
		require.NoError(t, err)
	}
	accounts := func(status types.ProvisioningStatus) []string {
		t.Helper()
		var out []string
		pages := ssoadmin.NewListAccountsForProvisionedPermissionSetPaginator(c.sso, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
			InstanceArn: inst, PermissionSetArn: ps, ProvisioningStatus: status, MaxResults: aws.Int32(1),
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page.AccountIds), 1, "MaxResults is honoured")
			out = append(out, page.AccountIds...)
		}
		return out
	}
	setsIn := func(acct string, status types.ProvisioningStatus) []string {
		t.Helper()
		out, err := c.sso.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
			InstanceArn: inst, AccountId: aws.String(acct), ProvisioningStatus: status,
		})
		require.NoError(t, err)
		return out.PermissionSets
	}
	const latest, behind = types.ProvisioningStatusLatestPermissionSetProvisioned, types.ProvisioningStatusLatestPermissionSetNotProvisioned
	// Assigning provisions; the account without an assignment has nothing.
	require.Equal(t, []string{a, b}, accounts(""))
	require.Equal(t, []string{a, b}, accounts(latest))
	require.Empty(t, accounts(behind))
	require.Equal(t, []string{*ps}, setsIn(a, ""))
	require.Empty(t, setsIn(other, ""))

	boundary := &types.PermissionsBoundary{ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/PowerUserAccess")}
	policy := aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")
	ref := &types.CustomerManagedPolicyReference{Name: aws.String("Extra")}
	changes := []struct {
		name   string
		change func() error
	}{
		{"update", func() error {
			_, err := c.sso.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, Description: aws.String("new")})
			return err
		}},
		{"put inline policy", func() error {
			_, err := c.sso.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, InlinePolicy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
			return err
		}},
		{"delete inline policy", func() error {
			_, err := c.sso.DeleteInlinePolicyFromPermissionSet(ctx, &ssoadmin.DeleteInlinePolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps})
			return err
		}},
		{"attach managed policy", func() error {
			_, err := c.sso.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, ManagedPolicyArn: policy})
			return err
		}},
		{"detach managed policy", func() error {
			_, err := c.sso.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, ManagedPolicyArn: policy})
			return err
		}},
		{"attach customer managed policy", func() error {
			_, err := c.sso.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, CustomerManagedPolicyReference: ref})
			return err
		}},
		{"detach customer managed policy", func() error {
			_, err := c.sso.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, CustomerManagedPolicyReference: ref})
			return err
		}},
		{"put boundary", func() error {
			_, err := c.sso.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, PermissionsBoundary: boundary})
			return err
		}},
		{"delete boundary", func() error {
			_, err := c.sso.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps})
			return err
		}},
	}
	provision := func(in *ssoadmin.ProvisionPermissionSetInput) {
		t.Helper()
		in.InstanceArn, in.PermissionSetArn = inst, ps
		_, err := c.sso.ProvisionPermissionSet(ctx, in)
		require.NoError(t, err)
	}
	for _, tc := range changes {
		require.NoError(t, tc.change(), tc.name)
		require.Equal(t, []string{a, b}, accounts(behind), "after %s", tc.name)
		require.Empty(t, accounts(latest), "after %s", tc.name)
		require.Equal(t, []string{*ps}, setsIn(b, behind), "after %s", tc.name)
		require.Empty(t, setsIn(b, latest), "after %s", tc.name)
		// One account, then all.
		provision(&ssoadmin.ProvisionPermissionSetInput{TargetType: types.ProvisionTargetTypeAwsAccount, TargetId: aws.String(a)})
		require.Equal(t, []string{b}, accounts(behind), "after %s, %s provisioned", tc.name, a)
		require.Equal(t, []string{a}, accounts(latest))
		provision(&ssoadmin.ProvisionPermissionSetInput{TargetType: types.ProvisionTargetTypeAllProvisionedAccounts})
		require.Empty(t, accounts(behind), "after %s, all provisioned", tc.name)
	}

	// Tags are not provisioned: tagging leaves the accounts current.
	_, err = c.sso.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: inst, ResourceArn: ps, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	require.NoError(t, err)
	require.Empty(t, accounts(behind))

	// Provisioning to an account without assignments puts it there.
	provision(&ssoadmin.ProvisionPermissionSetInput{TargetType: types.ProvisionTargetTypeAwsAccount, TargetId: aws.String(other)})
	require.Equal(t, []string{*ps}, setsIn(other, latest))

	var invalid *types.ValidationException
	_, err = c.sso.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
		InstanceArn: inst, PermissionSetArn: ps, ProvisioningStatus: "SOMETIMES"})
	require.ErrorAs(t, err, &invalid)
	var notFound *types.ResourceNotFoundException
	_, err = c.sso.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
		InstanceArn: inst, PermissionSetArn: aws.String(c.instance + "/ps-doesnotexist00")})
	require.ErrorAs(t, err, &notFound)

	// A deleted permission set is provisioned nowhere.
	_, err = c.sso.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: inst, PermissionSetArn: ps})
	require.NoError(t, err)
	require.Empty(t, setsIn(a, ""))
}

func TestPermissionsBoundary(t *testing.T) {
	t.Parallel()
	c := start(t, true)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	inst := &c.instance
	created, err := c.sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: inst, Name: aws.String("Bounded")})
	require.NoError(t, err)
	ps := created.PermissionSet.PermissionSetArn
	get := func() (*types.PermissionsBoundary, error) {
		out, err := c.sso.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps})
		if err != nil {
			return nil, err
		}
		return out.PermissionsBoundary, nil
	}
	put := func(b *types.PermissionsBoundary) error {
		_, err := c.sso.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps, PermissionsBoundary: b})
		return err
	}
	del := func() error {
		_, err := c.sso.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps})
		return err
	}
	var notFound *types.ResourceNotFoundException
	var invalid *types.ValidationException

	_, err = get()
	require.ErrorAs(t, err, &notFound, "no boundary: AWS answers ResourceNotFoundException")

	require.NoError(t, put(&types.PermissionsBoundary{ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/PowerUserAccess")}))
	b, err := get()
	require.NoError(t, err)
	require.Equal(t, "arn:aws:iam::aws:policy/PowerUserAccess", aws.ToString(b.ManagedPolicyArn))
	require.Nil(t, b.CustomerManagedPolicyReference)

	// Put replaces; the path defaults to "/".
	require.NoError(t, put(&types.PermissionsBoundary{CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("Boundary")}}))
	b, err = get()
	require.NoError(t, err)
	require.Nil(t, b.ManagedPolicyArn)
	require.Equal(t, "Boundary", aws.ToString(b.CustomerManagedPolicyReference.Name))
	require.Equal(t, "/", aws.ToString(b.CustomerManagedPolicyReference.Path))

	require.ErrorAs(t, put(&types.PermissionsBoundary{}), &invalid, "neither kind")
	require.ErrorAs(t, put(&types.PermissionsBoundary{
		ManagedPolicyArn:               aws.String("arn:aws:iam::aws:policy/PowerUserAccess"),
		CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("Boundary")},
	}), &invalid, "both kinds")
	require.ErrorAs(t, put(&types.PermissionsBoundary{ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")}), &notFound)

	require.NoError(t, del())
	_, err = get()
	require.ErrorAs(t, err, &notFound)
	require.ErrorAs(t, del(), &notFound, "nothing to delete")
}

func TestIdentityStoreUpdates(t *testing.T) {
	t.Parallel()
	c := start(t, true)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	store := &c.store
	user := func(name string) string {
		out, err := c.ids.CreateUser(ctx, &identitystore.CreateUserInput{
			IdentityStoreId: store, UserName: aws.String(name), DisplayName: aws.String(name + " Example"),
			Name:   &istypes.Name{GivenName: aws.String(name), FamilyName: aws.String("Example")},
			Emails: []istypes.Email{{Value: aws.String(name + "@example.com"), Type: aws.String("work"), Primary: true}},
		})
		require.NoError(t, err)
		return *out.UserId
	}
	ada, bob := user("ada"), user("bob")
	op := func(path string, value any) istypes.AttributeOperation {
		return istypes.AttributeOperation{AttributePath: aws.String(path), AttributeValue: document.NewLazyDocument(value)}
	}
	updateUser := func(id string, ops ...istypes.AttributeOperation) error {
		_, err := c.ids.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: store, UserId: aws.String(id), Operations: ops})
		return err
	}
	describe := func(id string) *identitystore.DescribeUserOutput {
		out, err := c.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(id)})
		require.NoError(t, err)
		return out
	}
	var invalid *istypes.ValidationException
	var conflict *istypes.ConflictException
	var notFound *istypes.ResourceNotFoundException

	t.Run("user", func(t *testing.T) {
		require.NoError(t, updateUser(ada,
			op("displayName", "Ada Lovelace"), op("name.givenName", "Augusta"), op("name.familyName", "King"),
			op("emails", []map[string]any{{"value": "ada@lovelace.example", "type": "work", "primary": true}}),
		))
		u := describe(ada)
		require.Equal(t, "Ada Lovelace", aws.ToString(u.DisplayName))
		require.Equal(t, "Augusta", aws.ToString(u.Name.GivenName))
		require.Equal(t, "King", aws.ToString(u.Name.FamilyName))
		require.Len(t, u.Emails, 1)
		require.Equal(t, "ada@lovelace.example", aws.ToString(u.Emails[0].Value))
		require.Equal(t, "work", aws.ToString(u.Emails[0].Type))
		require.True(t, u.Emails[0].Primary)
		// ListUsers sees the same (the Reader lists).
		list, err := c.ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store})
		require.NoError(t, err)
		for _, lu := range list.Users {
			if *lu.UserId == ada {
				require.Equal(t, "Ada Lovelace", aws.ToString(lu.DisplayName))
				require.Equal(t, "ada@lovelace.example", aws.ToString(lu.Emails[0].Value))
			}
		}

		// null removes an optional attribute.
		require.NoError(t, updateUser(ada, op("emails", nil), op("title", "Countess")))
		u = describe(ada)
		require.Empty(t, u.Emails)
		require.Equal(t, "Countess", aws.ToString(u.Title))

		require.NoError(t, updateUser(ada, op("userName", "augusta")))
		require.Equal(t, "augusta", aws.ToString(describe(ada).UserName))
		require.ErrorAs(t, updateUser(ada, op("userName", "bob")), &conflict, "bob's name")
	})

	t.Run("user refusals", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			ops  []istypes.AttributeOperation
			want string
		}{
			{"paths are camel case", []istypes.AttributeOperation{op("UserName", "x")}, "Updates for AttributePath: UserName is not supported"},
			{"lists are replaced whole", []istypes.AttributeOperation{op("emails.value", "x@example.com")}, "Updates for AttributePath: emails.value is not supported"},
			{"empty string", []istypes.AttributeOperation{op("nickName", "")}, "send null"},
			{"required", []istypes.AttributeOperation{op("displayName", nil)}, "is required"},
			{"required name part", []istypes.AttributeOperation{op("name.familyName", nil)}, "is required"},
			{"all or nothing", []istypes.AttributeOperation{op("displayName", "Changed"), op("bogus", "x")}, "bogus is not supported"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := updateUser(bob, tc.ops...)
				require.ErrorAs(t, err, &invalid)
				require.ErrorContains(t, err, tc.want)
			})
		}
		require.Equal(t, "bob Example", aws.ToString(describe(bob).DisplayName), "nothing applied")
		require.ErrorAs(t, updateUser("00000000-0000-0000-0000-000000000000", op("displayName", "x")), &notFound)
	})

	t.Run("group", func(t *testing.T) {
		group := func(name string) string {
			out, err := c.ids.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: store, DisplayName: aws.String(name), Description: aws.String(name + " team")})
			require.NoError(t, err)
			return *out.GroupId
		}
		ops, sec := group("Ops"), group("Security")
		update := func(id string, ops ...istypes.AttributeOperation) error {
			_, err := c.ids.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: store, GroupId: aws.String(id), Operations: ops})
			return err
		}
		describe := func(id string) *identitystore.DescribeGroupOutput {
			out, err := c.ids.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: aws.String(id)})
			require.NoError(t, err)
			return out
		}
		require.NoError(t, update(ops, op("description", "Runs production"), op("displayName", "Operations")))
		g := describe(ops)
		require.Equal(t, "Runs production", aws.ToString(g.Description))
		require.Equal(t, "Operations", aws.ToString(g.DisplayName))
		require.NoError(t, update(ops, op("description", nil)))
		require.Empty(t, aws.ToString(describe(ops).Description))

		require.ErrorAs(t, update(ops, op("displayName", "Security")), &conflict)
		require.ErrorAs(t, update(ops, op("description", "")), &invalid)
		require.ErrorAs(t, update(ops, op("displayName", nil)), &invalid)
		require.ErrorAs(t, update(ops, op("Description", "x")), &invalid)
		require.ErrorAs(t, update("00000000-0000-0000-0000-000000000000", op("description", "x")), &notFound)
		require.Equal(t, "Security team", aws.ToString(describe(sec).Description))
	})
}
