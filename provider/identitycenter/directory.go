package identitycenter

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint"
)

// Directory reads the identity store's users and groups (with each user's
// direct group memberships), the organisation's active accounts with their
// OU paths and tags, and the instance's permission sets. Lists are sorted by
// name. Call counts: one per page of users, groups and permission sets, one
// per group (memberships) and per permission set (description), one per OU
// and the root for each of accounts and child OUs, and one per account for
// tags. Errors are coded as in awsError; the message names the listing that
// failed.
func (p *Provider) Directory(ctx context.Context) (*stint.Directory, error) {
	return p.DirectoryWith(ctx, DirectoryOptions{})
}

// DirectoryOptions trim what DirectoryWith reads.
type DirectoryOptions struct {
	// NoAccountTags leaves the accounts' tags out: one Organizations call
	// per account (at 10 calls/s, most of a large organisation's read) that
	// a caller without tag selectors does not need.
	NoAccountTags bool
	// NoMemberships leaves users' group memberships out: one call per
	// group that a caller binding names to IDs (an identity file's plan)
	// does not need.
	NoMemberships bool
	// NoPermissionSets leaves the permission sets out: a call per
	// permission set that a caller reading them in detail anyway (stint
	// discover) need not make twice.
	NoPermissionSets bool
}

// DirectoryWith is Directory with options.
func (p *Provider) DirectoryWith(ctx context.Context, opts DirectoryOptions) (*stint.Directory, error) {
	d := &stint.Directory{InstanceARN: p.instanceARN, IdentityStoreID: p.identityStoreID}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		d.Users, d.Groups, err = p.people(gctx, !opts.NoMemberships)
		return err
	})
	g.Go(func() (err error) {
		d.Accounts, err = p.accounts(gctx, !opts.NoAccountTags)
		return err
	})
	if !opts.NoPermissionSets {
		g.Go(func() (err error) {
			d.PermissionSets, err = p.permissionSets(gctx)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	d.SyncedAt = time.Now().UTC()
	p.remember(d)
	return d, nil
}

// remember keeps names for messages.
func (p *Provider) remember(d *stint.Directory) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ps := range d.PermissionSets {
		p.psNames[ps.ARN] = ps.Name
	}
	for _, u := range d.Users {
		p.userNames[u.ID] = u.UserName
	}
}

// people lists users and groups, and fills each user's group names.
func (p *Provider) people(ctx context.Context, memberships bool) ([]stint.User, []stint.Group, error) {
	users, err := p.users(ctx)
	if err != nil {
		return nil, nil, err
	}
	groups, err := p.groups(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !memberships {
		return users, groups, nil
	}
	memberOf := map[string][]string{} // user ID -> group names
	var mu sync.Mutex
	err = forEach(ctx, p.parallelism, groups, func(ctx context.Context, g stint.Group) error {
		members, err := p.members(ctx, g.ID)
		if err != nil {
			return awsError(err, "list members of group %s in identity store %s", g.Name, p.identityStoreID)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, id := range members {
			memberOf[id] = append(memberOf[id], g.Name)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for i := range users {
		users[i].Groups = memberOf[users[i].ID]
		slices.Sort(users[i].Groups)
	}
	return users, groups, nil
}

func (p *Provider) users(ctx context.Context) ([]stint.User, error) {
	users, err := p.listUsers(ctx, []string{enterpriseExtension})
	if isValidation(err) {
		// An identity store that refuses the extension: its users
		// simply carry no manager.
		users, err = p.listUsers(ctx, nil)
	}
	if err != nil {
		return nil, awsError(err, "list users of identity store %s", p.identityStoreID)
	}
	slices.SortFunc(users, func(a, b stint.User) int { return strings.Compare(a.UserName, b.UserName) })
	return users, nil
}

// enterpriseExtension is the identity store's SCIM enterprise user
// extension, whose manager access reviews ask.
const enterpriseExtension = "aws:identitystore:enterprise"

// listUsers lists the users, with the extensions asked for.
func (p *Provider) listUsers(ctx context.Context, extensions []string) ([]stint.User, error) {
	var users []stint.User
	pages := identitystore.NewListUsersPaginator(p.ids, &identitystore.ListUsersInput{IdentityStoreId: aws.String(p.identityStoreID), Extensions: extensions},
		func(o *identitystore.ListUsersPaginatorOptions) { o.Limit = p.pageSize })
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range page.Users {
			users = append(users, stint.User{
				ID: aws.ToString(u.UserId), UserName: aws.ToString(u.UserName),
				Email: email(u.Emails), DisplayName: aws.ToString(u.DisplayName),
				ManagerID: managerOf(u.Extensions),
			})
		}
	}
	return users, nil
}

// managerOf reads the manager's user ID from the enterprise extension:
// {"manager": {"value": "USER_ID"}} as SCIM has it (a bare string is
// accepted too). Moto does not serve extensions; there the managers come
// from the config (reviews.managers).
func managerOf(ext map[string]document.Interface) string {
	doc, ok := ext[enterpriseExtension]
	if !ok || doc == nil {
		return ""
	}
	var v struct {
		Manager any `json:"manager"`
	}
	b, err := doc.MarshalSmithyDocument()
	if err != nil || json.Unmarshal(b, &v) != nil {
		return ""
	}
	switch m := v.Manager.(type) {
	case string:
		return m
	case map[string]any:
		id, _ := m["value"].(string)
		return id
	}
	return ""
}

// isValidation reports an AWS ValidationException.
func isValidation(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationException"
}

// email returns the primary email, or the first.
func email(emails []istypes.Email) string {
	for _, e := range emails {
		if e.Primary {
			return aws.ToString(e.Value)
		}
	}
	if len(emails) > 0 {
		return aws.ToString(emails[0].Value)
	}
	return ""
}

func (p *Provider) groups(ctx context.Context) ([]stint.Group, error) {
	var groups []stint.Group
	pages := identitystore.NewListGroupsPaginator(p.ids, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(p.identityStoreID)},
		func(o *identitystore.ListGroupsPaginatorOptions) { o.Limit = p.pageSize })
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError(err, "list groups of identity store %s", p.identityStoreID)
		}
		for _, g := range page.Groups {
			groups = append(groups, stint.Group{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.DisplayName)})
		}
	}
	slices.SortFunc(groups, func(a, b stint.Group) int { return strings.Compare(a.Name, b.Name) })
	return groups, nil
}

// members returns the user IDs in a group.
func (p *Provider) members(ctx context.Context, groupID string) ([]string, error) {
	var ids []string
	in := &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(p.identityStoreID), GroupId: aws.String(groupID)}
	pages := identitystore.NewListGroupMembershipsPaginator(p.ids, in,
		func(o *identitystore.ListGroupMembershipsPaginatorOptions) { o.Limit = p.pageSize })
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range page.GroupMemberships {
			if u, ok := m.MemberId.(*istypes.MemberIdMemberUserId); ok {
				ids = append(ids, u.Value)
			}
		}
	}
	return ids, nil
}

// ouNode is an organisation root or OU and its path of OU names.
type ouNode struct {
	id, path string
}

// accounts walks the organisation level by level from its roots, listing
// each node's accounts and child OUs, then reads the active accounts' tags.
func (p *Provider) accounts(ctx context.Context, withTags bool) ([]stint.Account, error) {
	roots, err := p.orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return nil, awsError(err, "list the organisation's roots")
	}
	var level []ouNode
	for _, r := range roots.Roots {
		level = append(level, ouNode{id: aws.ToString(r.Id)})
	}
	var accounts []stint.Account
	var mu sync.Mutex
	for len(level) > 0 {
		var next []ouNode
		err := forEach(ctx, p.parallelism, level, func(ctx context.Context, n ouNode) error {
			accts, children, err := p.walkNode(ctx, n)
			mu.Lock()
			defer mu.Unlock()
			accounts, next = append(accounts, accts...), append(next, children...)
			return err
		})
		if err != nil {
			return nil, err
		}
		level = next
	}
	if withTags {
		err = forEach(ctx, p.parallelism, indexes(accounts), func(ctx context.Context, i int) error {
			tags, err := p.tags(ctx, accounts[i].ID)
			accounts[i].Tags = tags
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(accounts, func(a, b stint.Account) int { return strings.Compare(a.Name, b.Name) })
	return accounts, nil
}

// walkNode lists a node's active accounts and its child OUs.
func (p *Provider) walkNode(ctx context.Context, n ouNode) ([]stint.Account, []ouNode, error) {
	var accounts []stint.Account
	apages := organizations.NewListAccountsForParentPaginator(p.orgs, &organizations.ListAccountsForParentInput{ParentId: aws.String(n.id)},
		func(o *organizations.ListAccountsForParentPaginatorOptions) { o.Limit = p.pageSize })
	for apages.HasMorePages() {
		page, err := apages.NextPage(ctx)
		if err != nil {
			return nil, nil, awsError(err, "list accounts in %s", n.name())
		}
		for _, a := range page.Accounts {
			if active(a) {
				accounts = append(accounts, stint.Account{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), OUPath: n.path})
			}
		}
	}
	var children []ouNode
	opages := organizations.NewListOrganizationalUnitsForParentPaginator(p.orgs, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(n.id)},
		func(o *organizations.ListOrganizationalUnitsForParentPaginatorOptions) { o.Limit = p.pageSize })
	for opages.HasMorePages() {
		page, err := opages.NextPage(ctx)
		if err != nil {
			return nil, nil, awsError(err, "list OUs in %s", n.name())
		}
		for _, ou := range page.OrganizationalUnits {
			path := aws.ToString(ou.Name)
			if n.path != "" {
				path = n.path + "/" + path
			}
			children = append(children, ouNode{id: aws.ToString(ou.Id), path: path})
		}
	}
	return accounts, children, nil
}

func (n ouNode) name() string {
	if n.path == "" {
		return "root " + n.id
	}
	return "OU " + n.path + " (" + n.id + ")"
}

// active reports whether an account is ACTIVE, by State or, from older
// APIs, by the deprecated Status.
func active(a orgtypes.Account) bool {
	if a.State != "" {
		return a.State == orgtypes.AccountStateActive
	}
	return a.Status == orgtypes.AccountStatusActive //nolint:staticcheck // older APIs only set Status
}

func (p *Provider) tags(ctx context.Context, accountID string) (map[string]string, error) {
	var tags map[string]string
	pages := organizations.NewListTagsForResourcePaginator(p.orgs, &organizations.ListTagsForResourceInput{ResourceId: aws.String(accountID)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError(err, "list tags of account %s", accountID)
		}
		for _, t := range page.Tags {
			if tags == nil {
				tags = map[string]string{}
			}
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}

// permissionSets lists the instance's permission sets and describes each.
func (p *Provider) permissionSets(ctx context.Context) ([]stint.PermissionSet, error) {
	var arns []string
	pages := ssoadmin.NewListPermissionSetsPaginator(p.sso, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(p.instanceARN)},
		func(o *ssoadmin.ListPermissionSetsPaginatorOptions) { o.Limit = p.pageSize })
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError(err, "list permission sets of %s", p.instanceARN)
		}
		arns = append(arns, page.PermissionSets...)
	}
	sets := make([]stint.PermissionSet, len(arns))
	err := forEach(ctx, p.parallelism, indexes(arns), func(ctx context.Context, i int) error {
		out, err := p.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
			InstanceArn: aws.String(p.instanceARN), PermissionSetArn: aws.String(arns[i]),
		})
		if err != nil {
			return awsError(err, "describe permission set %s", arns[i])
		}
		ps := out.PermissionSet
		sets[i] = stint.PermissionSet{ARN: arns[i], Name: aws.ToString(ps.Name), SessionDuration: aws.ToString(ps.SessionDuration)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(sets, func(a, b stint.PermissionSet) int { return strings.Compare(a.Name, b.Name) })
	return sets, nil
}

// forEach calls fn for every item with at most limit calls at once, and
// returns the first error; the others' contexts are then cancelled.
func forEach[T any](ctx context.Context, limit int, items []T, fn func(context.Context, T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for _, it := range items {
		g.Go(func() error { return fn(ctx, it) })
	}
	return g.Wait()
}

func indexes[T any](s []T) []int {
	out := make([]int, len(s))
	for i := range out {
		out[i] = i
	}
	return out
}
