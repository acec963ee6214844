package sampleorg

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"golang.org/x/sync/errgroup"
)

// parallelism bounds concurrent calls while seeding.
const parallelism = 8

// Org is what Seed built, with the IDs AWS (moto) gave it.
type Org struct {
	ManagementAccountID string
	RootID              string
	InstanceARN         string
	IdentityStoreID     string
	OUs                 map[string]string // OU path -> OU ID
	Accounts            map[string]string // account name -> account ID
	Users               map[string]string // email -> identity store user ID
	Groups              map[string]string // group name -> group ID
	PermissionSets      map[string]string // name -> permission set ARN
	Spec                Spec
}

// Seed builds spec in the organisation management account that cfg acts as:
// it creates the organisation (all features), the OU tree, the accounts with
// their tags, then the identity store users, groups and memberships, the
// permission sets with their AWS managed policies, and the standing
// assignments, in the account's Identity Center instance. It expects a fresh
// moto (or one just reset): it fails if the account is already in an
// organisation.
func Seed(ctx context.Context, cfg aws.Config, spec Spec) (*Org, error) {
	s := &seeder{
		orgs: organizations.NewFromConfig(cfg),
		sso:  ssoadmin.NewFromConfig(cfg),
		ids:  identitystore.NewFromConfig(cfg),
		org: &Org{
			OUs: map[string]string{}, Accounts: map[string]string{}, Users: map[string]string{},
			Groups: map[string]string{}, PermissionSets: map[string]string{}, Spec: spec,
		},
	}
	steps := []struct {
		name string
		fn   func(context.Context, Spec) error
	}{
		{"create organisation", s.organization},
		{"create OUs", s.ous},
		{"create accounts", s.accounts},
		{"find Identity Center instance", s.instance},
		{"create groups", s.groups},
		{"create users", s.users},
		{"create permission sets", s.permissionSets},
		{"create standing assignments", s.assignments},
	}
	for _, step := range steps {
		if err := step.fn(ctx, spec); err != nil {
			return nil, fmt.Errorf("seed sample organisation: %s: %w", step.name, err)
		}
	}
	return s.org, nil
}

type seeder struct {
	orgs *organizations.Client
	sso  *ssoadmin.Client
	ids  *identitystore.Client

	mu  sync.Mutex // guards org's maps while steps run in parallel
	org *Org
}

func (s *seeder) set(m map[string]string, k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m[k] = v
}

func (s *seeder) organization(ctx context.Context, _ Spec) error {
	out, err := s.orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		var already *orgtypes.AlreadyInOrganizationException
		if errors.As(err, &already) {
			return fmt.Errorf("the account is already in an organisation; seed a fresh moto or reset it first: %w", err)
		}
		return err
	}
	s.org.ManagementAccountID = aws.ToString(out.Organization.MasterAccountId)
	roots, err := s.orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return err
	}
	if len(roots.Roots) != 1 {
		return fmt.Errorf("expected one root, got %d", len(roots.Roots))
	}
	s.org.RootID = aws.ToString(roots.Roots[0].Id)
	return nil
}

// ous creates every OU path named in the spec, and their parents, parents
// first.
func (s *seeder) ous(ctx context.Context, spec Spec) error {
	for _, level := range ouLevels(spec) {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(parallelism)
		for _, path := range level {
			g.Go(func() error {
				parent := s.org.RootID
				if i := strings.LastIndexByte(path, '/'); i >= 0 {
					parent = s.org.OUs[path[:i]]
				}
				out, err := s.orgs.CreateOrganizationalUnit(gctx, &organizations.CreateOrganizationalUnitInput{
					ParentId: aws.String(parent), Name: aws.String(path[strings.LastIndexByte(path, '/')+1:]),
				})
				if err != nil {
					return fmt.Errorf("OU %s: %w", path, err)
				}
				s.set(s.org.OUs, path, aws.ToString(out.OrganizationalUnit.Id))
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// ouLevels returns all OU paths grouped by depth, shallowest first.
func ouLevels(spec Spec) [][]string {
	all := map[string]bool{}
	add := func(path string) {
		parts := strings.Split(path, "/")
		for i := range parts {
			all[strings.Join(parts[:i+1], "/")] = true
		}
	}
	for _, p := range spec.OUs {
		add(p)
	}
	for _, a := range spec.Accounts {
		if a.OU != "" {
			add(a.OU)
		}
	}
	var levels [][]string
	for path := range all {
		d := strings.Count(path, "/")
		for len(levels) <= d {
			levels = append(levels, nil)
		}
		levels[d] = append(levels[d], path)
	}
	for _, l := range levels {
		slices.Sort(l)
	}
	return levels
}

func (s *seeder) accounts(ctx context.Context, spec Spec) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelism)
	for _, a := range spec.Accounts {
		g.Go(func() error {
			if err := s.account(ctx, a); err != nil {
				return fmt.Errorf("account %s: %w", a.Name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

func (s *seeder) account(ctx context.Context, a AccountSpec) error {
	in := &organizations.CreateAccountInput{AccountName: aws.String(a.Name), Email: aws.String("aws+" + a.Name + "@example.com")}
	for _, k := range sortedKeys(a.Tags) {
		in.Tags = append(in.Tags, orgtypes.Tag{Key: aws.String(k), Value: aws.String(a.Tags[k])})
	}
	out, err := s.orgs.CreateAccount(ctx, in)
	if err != nil {
		return err
	}
	id, err := s.accountID(ctx, out.CreateAccountStatus)
	if err != nil {
		return err
	}
	s.set(s.org.Accounts, a.Name, id)
	if a.OU == "" {
		return nil
	}
	_, err = s.orgs.MoveAccount(ctx, &organizations.MoveAccountInput{
		AccountId: aws.String(id), SourceParentId: aws.String(s.org.RootID), DestinationParentId: aws.String(s.org.OUs[a.OU]),
	})
	return err
}

// accountID waits for an account creation to finish (moto finishes at once;
// AWS takes minutes) and returns the new account's ID.
func (s *seeder) accountID(ctx context.Context, st *orgtypes.CreateAccountStatus) (string, error) {
	for {
		switch st.State {
		case orgtypes.CreateAccountStateSucceeded:
			return aws.ToString(st.AccountId), nil
		case orgtypes.CreateAccountStateFailed:
			return "", fmt.Errorf("creation failed: %s", st.FailureReason)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(2 * time.Second):
		}
		out, err := s.orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
		if err != nil {
			return "", err
		}
		st = out.CreateAccountStatus
	}
}

func (s *seeder) instance(ctx context.Context, _ Spec) error {
	out, err := s.sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		return err
	}
	if len(out.Instances) != 1 {
		return fmt.Errorf("expected one Identity Center instance, got %d", len(out.Instances))
	}
	s.org.InstanceARN = aws.ToString(out.Instances[0].InstanceArn)
	s.org.IdentityStoreID = aws.ToString(out.Instances[0].IdentityStoreId)
	return nil
}

func (s *seeder) groups(ctx context.Context, spec Spec) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelism)
	for _, gs := range spec.Groups {
		g.Go(func() error {
			out, err := s.ids.CreateGroup(ctx, &identitystore.CreateGroupInput{
				IdentityStoreId: aws.String(s.org.IdentityStoreID), DisplayName: aws.String(gs.Name), Description: optional(gs.Description),
			})
			if err != nil {
				return fmt.Errorf("group %s: %w", gs.Name, err)
			}
			s.set(s.org.Groups, gs.Name, aws.ToString(out.GroupId))
			return nil
		})
	}
	return g.Wait()
}

func (s *seeder) users(ctx context.Context, spec Spec) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelism)
	for _, u := range spec.Users {
		g.Go(func() error {
			if err := s.user(ctx, u); err != nil {
				return fmt.Errorf("user %s: %w", u.UserName, err)
			}
			return nil
		})
	}
	return g.Wait()
}

func (s *seeder) user(ctx context.Context, u UserSpec) error {
	out, err := s.ids.CreateUser(ctx, &identitystore.CreateUserInput{
		IdentityStoreId: aws.String(s.org.IdentityStoreID),
		UserName:        aws.String(u.UserName),
		DisplayName:     aws.String(u.GivenName + " " + u.FamilyName),
		Name:            &istypes.Name{GivenName: aws.String(u.GivenName), FamilyName: aws.String(u.FamilyName)},
		Emails:          []istypes.Email{{Value: aws.String(u.EmailAddress()), Type: aws.String("work"), Primary: true}},
	})
	if err != nil {
		return err
	}
	userID := aws.ToString(out.UserId)
	s.set(s.org.Users, u.EmailAddress(), userID)
	for _, group := range u.Groups {
		groupID, ok := s.org.Groups[group]
		if !ok {
			return fmt.Errorf("unknown group %q; add it to Spec.Groups", group)
		}
		_, err := s.ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{
			IdentityStoreId: aws.String(s.org.IdentityStoreID), GroupId: aws.String(groupID),
			MemberId: &istypes.MemberIdMemberUserId{Value: userID},
		})
		if err != nil {
			return fmt.Errorf("add to group %s: %w", group, err)
		}
	}
	return nil
}

func (s *seeder) permissionSets(ctx context.Context, spec Spec) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelism)
	for _, ps := range spec.PermissionSets {
		g.Go(func() error {
			if err := s.permissionSet(ctx, ps); err != nil {
				return fmt.Errorf("permission set %s: %w", ps.Name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

func (s *seeder) permissionSet(ctx context.Context, ps PermissionSetSpec) error {
	duration := ps.SessionDuration
	if duration == "" {
		duration = "PT1H"
	}
	out, err := s.sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
		InstanceArn: aws.String(s.org.InstanceARN), Name: aws.String(ps.Name),
		Description: optional(ps.Description), SessionDuration: aws.String(duration),
	})
	if err != nil {
		return err
	}
	arn := aws.ToString(out.PermissionSet.PermissionSetArn)
	s.set(s.org.PermissionSets, ps.Name, arn)
	for _, policy := range ps.ManagedPolicies {
		_, err := s.sso.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{
			InstanceArn: aws.String(s.org.InstanceARN), PermissionSetArn: aws.String(arn),
			ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/" + policy),
		})
		if err != nil {
			return fmt.Errorf("attach %s: %w", policy, err)
		}
	}
	for _, name := range ps.CustomerManagedPolicies {
		_, err := s.sso.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
			InstanceArn: aws.String(s.org.InstanceARN), PermissionSetArn: aws.String(arn),
			CustomerManagedPolicyReference: &ssotypes.CustomerManagedPolicyReference{Name: aws.String(name), Path: aws.String("/")},
		})
		if err != nil {
			return fmt.Errorf("reference customer managed policy %s: %w", name, err)
		}
	}
	if ps.InlinePolicy != "" {
		_, err := s.sso.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{
			InstanceArn: aws.String(s.org.InstanceARN), PermissionSetArn: aws.String(arn), InlinePolicy: aws.String(ps.InlinePolicy),
		})
		if err != nil {
			return fmt.Errorf("put inline policy: %w", err)
		}
	}
	return nil
}

func (s *seeder) assignments(ctx context.Context, spec Spec) error {
	for _, a := range spec.Assignments {
		if err := s.assignment(ctx, a); err != nil {
			return fmt.Errorf("%s in %s: %w", a.PermissionSet, a.Account, err)
		}
	}
	return nil
}

func (s *seeder) assignment(ctx context.Context, a AssignmentSpec) error {
	principalType, principalID := ssotypes.PrincipalTypeUser, ""
	switch {
	case a.User != "":
		principalID = s.userIDByName(a.User)
	case a.Group != "":
		principalType, principalID = ssotypes.PrincipalTypeGroup, s.org.Groups[a.Group]
	}
	accountID, psARN := s.org.Accounts[a.Account], s.org.PermissionSets[a.PermissionSet]
	if principalID == "" || accountID == "" || psARN == "" {
		return fmt.Errorf("unknown user, group, account or permission set in %+v", a)
	}
	out, err := s.sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
		InstanceArn: aws.String(s.org.InstanceARN), TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(accountID),
		PermissionSetArn: aws.String(psARN), PrincipalType: principalType, PrincipalId: aws.String(principalID),
	})
	if err != nil {
		return err
	}
	if st := out.AccountAssignmentCreationStatus; st != nil && st.Status == ssotypes.StatusValuesFailed {
		return fmt.Errorf("creation failed: %s", aws.ToString(st.FailureReason))
	}
	// moto creates assignments at once; the demo runs on moto only.
	return nil
}

func (s *seeder) userIDByName(name string) string {
	for _, u := range s.org.Spec.Users {
		if u.UserName == name {
			return s.org.Users[u.EmailAddress()]
		}
	}
	return ""
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
