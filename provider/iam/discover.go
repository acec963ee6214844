package iam

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint"
)

// tagReaders bounds the ListRoleTags calls in flight per account.
const tagReaders = 4

// Discover lists the IAM roles or groups of the accounts, Parallel
// accounts at a time, sorted by account and name. Roles skip service-linked
// ones (path /aws-service-role/), Identity Center's (/aws-reserved/) and
// SkipRoles; each carries its tags when opts.Tags asks (one ListRoleTags
// per role: ListRoles does not return them) and its path as the "path"
// attribute. Groups carry
// their path; IAM groups have no tags. An account that cannot be reached
// is a DiscoveryError with no type, one whose listing fails a
// DiscoveryError of type t; the other accounts are still read. The error
// return is for ctx ending, or a type this provider does not discover.
func (p *Provider) Discover(ctx context.Context, t stint.ResourceType, accounts []stint.Account, opts stint.DiscoverOptions) ([]stint.Resource, []stint.DiscoveryError, error) {
	if !slices.Contains(p.Types(), t) {
		return nil, nil, stint.Errorf(stint.EINVALID, "the IAM provider discovers %s and %s resources, not %s", stint.ResourceIAMRole, stint.ResourceIAMGroup, t)
	}
	var (
		mu    sync.Mutex
		found []stint.Resource
		errs  []stint.DiscoveryError
		g     errgroup.Group
	)
	g.SetLimit(p.parallel)
	for _, a := range accounts {
		g.Go(func() error {
			res, derr := p.discoverAccount(ctx, t, a.ID, opts.Tags)
			mu.Lock()
			defer mu.Unlock()
			found = append(found, res...)
			if derr != nil {
				errs = append(errs, *derr)
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through errs
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(found, func(a, b stint.Resource) int {
		return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Name, b.Name))
	})
	slices.SortFunc(errs, func(a, b stint.DiscoveryError) int { return strings.Compare(a.AccountID, b.AccountID) })
	return found, errs, nil
}

func (p *Provider) discoverAccount(ctx context.Context, t stint.ResourceType, accountID string, tags bool) ([]stint.Resource, *stint.DiscoveryError) {
	c, err := p.client(ctx, accountID)
	if err != nil {
		return nil, &stint.DiscoveryError{AccountID: accountID, Error: stint.ErrorMessage(err)}
	}
	var res []stint.Resource
	if t == stint.ResourceIAMRole {
		res, err = p.listRoles(ctx, c, accountID, tags)
	} else {
		res, err = p.listGroups(ctx, c, accountID)
	}
	if err != nil {
		return nil, &stint.DiscoveryError{AccountID: accountID, Type: t, Error: stint.ErrorMessage(err)}
	}
	return res, nil
}

// skipRole reports whether discovery leaves the role out.
func (p *Provider) skipRole(name, path string) bool {
	return strings.HasPrefix(path, "/aws-service-role/") || strings.HasPrefix(path, "/aws-reserved/") ||
		slices.ContainsFunc(p.skipRoles, func(s string) bool { return strings.EqualFold(s, name) })
}

func (p *Provider) listRoles(ctx context.Context, c *awsiam.Client, accountID string, tags bool) ([]stint.Resource, error) {
	var out []stint.Resource
	pages := awsiam.NewListRolesPaginator(c, &awsiam.ListRolesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError(err, "list the IAM roles of account %s", accountID)
		}
		for _, r := range page.Roles {
			name, path := aws.ToString(r.RoleName), aws.ToString(r.Path)
			if p.skipRole(name, path) {
				continue
			}
			out = append(out, stint.Resource{
				Type: stint.ResourceIAMRole, AccountID: accountID, Name: name, ARN: aws.ToString(r.Arn),
				Attributes: map[string]string{"path": path},
			})
		}
	}
	if !tags {
		return out, nil
	}
	g, gctx := errgroup.WithContext(ctx) // the first failure stops the others
	g.SetLimit(tagReaders)
	for i := range out {
		g.Go(func() error {
			tags, err := p.roleTags(gctx, c, out[i].Name)
			if err != nil {
				return awsError(err, "list the tags of IAM role %s in account %s", out[i].Name, accountID)
			}
			out[i].Tags = tags
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func (p *Provider) roleTags(ctx context.Context, c *awsiam.Client, role string) (map[string]string, error) {
	var tags map[string]string
	pages := awsiam.NewListRoleTagsPaginator(c, &awsiam.ListRoleTagsInput{RoleName: aws.String(role)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, tag := range page.Tags {
			if tags == nil {
				tags = map[string]string{}
			}
			tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
	}
	return tags, nil
}

func (p *Provider) listGroups(ctx context.Context, c *awsiam.Client, accountID string) ([]stint.Resource, error) {
	var out []stint.Resource
	pages := awsiam.NewListGroupsPaginator(c, &awsiam.ListGroupsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError(err, "list the IAM groups of account %s", accountID)
		}
		for _, g := range page.Groups {
			out = append(out, stint.Resource{
				Type: stint.ResourceIAMGroup, AccountID: accountID, Name: aws.ToString(g.GroupName), ARN: aws.ToString(g.Arn),
				Attributes: map[string]string{"path": aws.ToString(g.Path)},
			})
		}
	}
	return out, nil
}
