package scoped

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// This file finds, creates and describes the provider's permission sets.
// Names are learnt from DescribePermissionSet (listings give ARNs only) and
// kept for the process: every ARN is described once, stint's or not.

func (p *Provider) sso() *ssoadmin.Client { return p.ic.SSOAdmin() }

func (p *Provider) cached(name string) *permissionSet {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byName[name]
}

// forget drops a permission set that AWS no longer has.
func (p *Provider) forget(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ps := p.byName[name]; ps != nil {
		delete(p.arnName, ps.arn)
	}
	delete(p.byName, name)
}

// touch records that the permission set was used now.
func (p *Provider) touch(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.touched[name] = p.now()
}

// lookup returns the named permission set, or nil when there is none: the
// cached one, else one among those provisioned to the account (where an
// assigned one is), else, with everywhere, one among all of the instance's.
func (p *Provider) lookup(ctx context.Context, name, accountID string, everywhere bool) (*permissionSet, error) {
	if ps := p.cached(name); ps != nil {
		return ps, nil
	}
	var arns []string
	pages := ssoadmin.NewListPermissionSetsProvisionedToAccountPaginator(p.sso(), &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
		InstanceArn: aws.String(p.instanceARN), AccountId: aws.String(accountID)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, identitycenter.AWSError(err, "list the permission sets provisioned to account %s", accountID)
		}
		arns = append(arns, page.PermissionSets...)
	}
	if err := p.learn(ctx, arns); err != nil {
		return nil, err
	}
	if ps := p.cached(name); ps != nil || !everywhere {
		return ps, nil
	}
	if _, err := p.scan(ctx); err != nil {
		return nil, err
	}
	return p.cached(name), nil
}

// scan learns every permission set of the instance and returns their ARNs.
func (p *Provider) scan(ctx context.Context) ([]string, error) {
	var arns []string
	pages := ssoadmin.NewListPermissionSetsPaginator(p.sso(), &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(p.instanceARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, identitycenter.AWSError(err, "list the permission sets of %s", p.instanceARN)
		}
		arns = append(arns, page.PermissionSets...)
	}
	return arns, p.learn(ctx, arns)
}

// learn describes the ARNs not seen before.
func (p *Provider) learn(ctx context.Context, arns []string) error {
	p.mu.Lock()
	arns = slices.DeleteFunc(slices.Clone(arns), func(arn string) bool { _, ok := p.arnName[arn]; return ok })
	p.mu.Unlock()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(p.parallel)
	for _, arn := range arns {
		g.Go(func() error {
			out, err := p.sso().DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{
				InstanceArn: aws.String(p.instanceARN), PermissionSetArn: aws.String(arn)})
			if identitycenter.ErrorCode(err) == "ResourceNotFoundException" {
				return nil // deleted since it was listed
			}
			if err != nil {
				return identitycenter.AWSError(err, "describe permission set %s", arn)
			}
			p.remember(out.PermissionSet)
			return nil
		})
	}
	return g.Wait()
}

// remember records a described (or created) permission set.
func (p *Provider) remember(ps *ssotypes.PermissionSet) *permissionSet {
	if ps == nil {
		return nil
	}
	info := &permissionSet{
		arn: aws.ToString(ps.PermissionSetArn), name: aws.ToString(ps.Name), description: aws.ToString(ps.Description),
		sessionDuration: aws.ToString(ps.SessionDuration), created: aws.ToTime(ps.CreatedDate),
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.arnName[info.arn] = info.name
	if !managedName.MatchString(info.name) {
		return nil
	}
	if old := p.byName[info.name]; old != nil && old.arn != info.arn {
		// Two with one name: stock moto allows it, AWS does not. Keep the
		// older, as every process does.
		if !info.created.Before(old.created) {
			return old
		}
	}
	p.byName[info.name] = info
	p.ic.NamePermissionSet(info.arn, info.name)
	return info
}

// create makes the permission set: name, description, session duration and
// tags; the policy is put by the caller. When the name is taken
// (ConflictException: another process made it since the lookup) it returns
// that one, and fresh false.
func (p *Provider) create(ctx context.Context, name string, perm Permission) (ps *permissionSet, fresh bool, err error) {
	now := p.now().UTC()
	out, err := p.sso().CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
		InstanceArn: aws.String(p.instanceARN), Name: aws.String(name), Description: aws.String(perm.Description),
		SessionDuration: aws.String(SessionDuration),
		Tags: []ssotypes.Tag{
			{Key: aws.String(TagManaged), Value: aws.String("true")},
			{Key: aws.String(TagKind), Value: aws.String(string(perm.Kind))},
			{Key: aws.String(TagAccount), Value: aws.String(perm.AccountID)},
			{Key: aws.String(TagTarget), Value: aws.String(perm.Target)},
			{Key: aws.String(TagLastUsed), Value: aws.String(now.Format(time.RFC3339))},
		},
	}, identitycenter.NoConflictRetry)
	if identitycenter.ErrorCode(err) == "ConflictException" {
		ps, lerr := p.lookup(ctx, name, perm.AccountID, true)
		if lerr != nil {
			return nil, false, lerr
		}
		if ps == nil {
			return nil, false, identitycenter.AWSError(err, "create permission set %s: AWS says it exists but it is not listed yet; it is retried later", name)
		}
		p.log.InfoContext(ctx, "permission set created by another process", "permission_set", name, "arn", ps.arn)
		return ps, false, nil
	}
	if err != nil {
		return nil, false, identitycenter.AWSError(err, "create permission set %s (%s)", name, perm.Description)
	}
	if ps = p.remember(out.PermissionSet); ps == nil {
		return nil, false, stint.Errorf(stint.EINTERNAL, "AWS created permission set %s without answering its ARN", name)
	}
	p.log.InfoContext(ctx, "permission set created", "permission_set", name, "arn", ps.arn, "description", perm.Description)
	return ps, true, nil
}

// provisionedTo lists the accounts the permission set is provisioned to,
// with status ("" for any).
func (p *Provider) provisionedTo(ctx context.Context, arn string, status ssotypes.ProvisioningStatus) ([]string, error) {
	var accounts []string
	pages := ssoadmin.NewListAccountsForProvisionedPermissionSetPaginator(p.sso(), &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
		InstanceArn: aws.String(p.instanceARN), PermissionSetArn: aws.String(arn), ProvisioningStatus: status})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, page.AccountIds...)
	}
	return accounts, nil
}

// forEach runs fn for each item, at most n at once, and returns the first
// error.
func forEach[T any](ctx context.Context, n int, items []T, fn func(context.Context, T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for _, it := range items {
		g.Go(func() error { return fn(ctx, it) })
	}
	return g.Wait()
}
