package scoped

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/stint-dev/stint/provider/identitycenter"
)

// Collect deletes the permission sets this package made that nobody uses:
// named as PermissionSetName names them and tagged stint:managed=true, with
// no account assignment (of any user or group) in any account they are
// provisioned to or made for, and last used more than olderThan ago. Last
// use is the latest of its creation, its stint:last-used tag (set when an
// assignment is removed) and any use by this process. It returns the names
// it deleted, sorted.
//
// Each permission set is examined and deleted under the same lock as
// Ensure's, so one that an Ensure in this process is about to assign is
// never deleted; an Ensure in another process that finds its permission
// set deleted makes it again. AWS offers no call that deprovisions a
// permission set: deleting an account's last assignment does it, and
// DeletePermissionSet answers ConflictException until it is done, which is
// retried; one still refused is kept for the next run. Failures to examine
// or delete one permission set do not stop the others; they are returned
// together.
func (p *Provider) Collect(ctx context.Context, olderThan time.Duration) (deleted []string, err error) {
	if _, err := p.scan(ctx); err != nil {
		return nil, fmt.Errorf("collect unused permission sets: %w", err)
	}
	p.mu.Lock()
	var names []string
	for name := range p.byName {
		names = append(names, name)
	}
	p.mu.Unlock()
	slices.Sort(names)

	var mu sync.Mutex
	var errs []error
	_ = forEach(ctx, p.parallel, names, func(ctx context.Context, name string) error {
		ok, err := p.collect(ctx, name, olderThan)
		mu.Lock()
		defer mu.Unlock()
		if ok {
			deleted = append(deleted, name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("permission set %s: %w", name, err))
		}
		return nil
	})
	slices.Sort(deleted)
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return deleted, errors.Join(errs...)
}

// collect deletes one permission set if nobody uses it.
func (p *Provider) collect(ctx context.Context, name string, olderThan time.Duration) (bool, error) {
	if p.beforeCollect != nil {
		p.beforeCollect(name)
	}
	unlock, err := p.locks.lock(ctx, name)
	if err != nil {
		return false, err
	}
	defer unlock()
	ps := p.cached(name)
	if ps == nil {
		return false, nil // deleted meanwhile
	}
	tags, err := p.tags(ctx, ps.arn)
	if gone(err) {
		p.forget(name)
		return false, nil
	}
	if err != nil {
		return false, identitycenter.AWSError(err, "read its tags")
	}
	if tags[TagManaged] != "true" {
		return false, nil // named like ours, but not ours
	}
	last := ps.created
	if t, err := time.Parse(time.RFC3339, tags[TagLastUsed]); err == nil {
		last = later(last, t)
	}
	p.mu.Lock()
	last = later(last, p.touched[name])
	p.mu.Unlock()
	if age := p.now().Sub(last); age <= olderThan {
		return false, nil
	}
	used, err := p.assigned(ctx, ps, tags[TagAccount])
	if gone(err) {
		p.forget(name)
		return false, nil
	}
	if err != nil || used {
		return false, err
	}
	if p.preCollect != nil {
		if err := p.preCollect(ctx, name, tags); err != nil {
			return false, fmt.Errorf("before deleting it: %w", err)
		}
	}
	_, err = p.sso().DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: aws.String(p.instanceARN), PermissionSetArn: aws.String(ps.arn)})
	switch {
	case gone(err):
		p.forget(name)
		return false, nil
	case identitycenter.ErrorCode(err) == "ConflictException":
		p.log.InfoContext(ctx, "unused permission set not deleted yet: AWS is still deprovisioning it", "permission_set", name, "err", err)
		return false, nil
	case err != nil:
		return false, identitycenter.AWSError(err, "delete it")
	}
	p.forget(name)
	p.mu.Lock()
	delete(p.touched, name)
	p.mu.Unlock()
	p.log.InfoContext(ctx, "unused permission set deleted", "permission_set", name, "arn", ps.arn, "last_used", last)
	return true, nil
}

// assigned reports whether anyone is assigned to the permission set in an
// account it is provisioned to, or in the account it was made for.
func (p *Provider) assigned(ctx context.Context, ps *permissionSet, madeFor string) (bool, error) {
	accounts, err := p.provisionedTo(ctx, ps.arn, "")
	if err != nil {
		return false, err
	}
	if isAccountID(madeFor) && !slices.Contains(accounts, madeFor) {
		accounts = append(accounts, madeFor)
	}
	for _, account := range accounts {
		all, err := p.ic.AccountAssignments(ctx, account, ps.arn)
		if err != nil {
			return false, err
		}
		if len(all) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// tags returns the permission set's tags.
func (p *Provider) tags(ctx context.Context, arn string) (map[string]string, error) {
	tags := map[string]string{}
	pages := ssoadmin.NewListTagsForResourcePaginator(p.sso(), &ssoadmin.ListTagsForResourceInput{
		InstanceArn: aws.String(p.instanceARN), ResourceArn: aws.String(arn)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range page.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}
