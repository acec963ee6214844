package scoped

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// Ensure makes the user's access real: the permission set exists (created
// with PermissionSetName's name, the description, SessionDuration and the
// stint tags), its inline policy is exactly perm.Policy plus the cut-off
// statements still in force (rewritten when it differs, and then
// provisioned again), it is provisioned to perm.AccountID with its latest
// version (waiting on DescribePermissionSetProvisioningStatus), and the
// user is assigned to it there (waiting on the assignment's status). It
// returns the permission set's ARN.
//
// It is idempotent and serialised per permission set in the process; a
// permission set created meanwhile by another process is looked up, and one
// deleted meanwhile is made again. It returns EINVALID, having called no
// AWS API, when Check refuses perm or userID is empty; otherwise errors
// are coded as the identitycenter provider codes AWS's (EUNAVAILABLE when
// AWS kept throttling or an operation outlasted its wait, EFORBIDDEN when
// AWS denied a call). A failure can leave a permission set without the
// user's assignment: a later Ensure completes it, and Collect deletes it
// if nobody is ever assigned.
func (p *Provider) Ensure(ctx context.Context, perm Permission, userID string) (psARN string, err error) {
	if err := Check(perm); err != nil {
		return "", err
	}
	if userID == "" {
		return "", stint.Errorf(stint.EINVALID, "grant %s %s in %s: no identity store user ID", perm.Kind, perm.Target, perm.AccountID)
	}
	name := PermissionSetName(perm)
	unlock, err := p.locks.lock(ctx, name)
	if err != nil {
		return "", stint.Errorf(stint.EUNAVAILABLE, "grant %s %s in %s: gave up waiting for another operation on permission set %s: %v; it is retried later", perm.Kind, perm.Target, perm.AccountID, name, err)
	}
	defer unlock()
	arn, err := p.ensure(ctx, name, perm, userID)
	if gone(err) {
		// Deleted since this process last saw it (Collect in another
		// process): make it again, once.
		p.log.InfoContext(ctx, "permission set gone; making it again", "permission_set", name, "err", err)
		p.forget(name)
		arn, err = p.ensure(ctx, name, perm, userID)
	}
	if err != nil {
		return "", fmt.Errorf("grant %s %s in %s to user %s through permission set %s: %w", perm.Kind, perm.Target, perm.AccountID, userID, name, err)
	}
	return arn, nil
}

func (p *Provider) ensure(ctx context.Context, name string, perm Permission, userID string) (string, error) {
	ps, err := p.lookup(ctx, name, perm.AccountID, false)
	if err != nil {
		return "", err
	}
	fresh := false
	if ps == nil {
		if ps, fresh, err = p.create(ctx, name, perm); err != nil {
			return "", err
		}
	}
	if fresh {
		// Nothing to read, and provisioned nowhere: the assignment
		// provisions it.
		if _, err := p.putPolicy(ctx, ps, &document{}, perm.Policy, nil); err != nil {
			return "", err
		}
	} else {
		changed, err := p.update(ctx, ps, perm)
		if err != nil {
			return "", err
		}
		rewritten, err := p.writePolicy(ctx, ps, perm.Policy, nil)
		if err != nil {
			return "", err
		}
		if err := p.catchUp(ctx, ps, perm.AccountID, changed || rewritten); err != nil {
			return "", err
		}
	}
	if p.beforeAssign != nil {
		p.beforeAssign(name)
	}
	if err := p.ic.Assign(ctx, p.assignment(ps, perm, userID)); err != nil {
		return "", err
	}
	p.touch(name)
	return ps.arn, nil
}

func (p *Provider) assignment(ps *permissionSet, perm Permission, userID string) identitycenter.Assignment {
	return identitycenter.Assignment{AccountID: perm.AccountID, PermissionSetARN: ps.arn, PrincipalType: string(ssotypes.PrincipalTypeUser), PrincipalID: userID}
}

// update sets the description and session duration when they differ.
func (p *Provider) update(ctx context.Context, ps *permissionSet, perm Permission) (bool, error) {
	if ps.description == perm.Description && ps.sessionDuration == SessionDuration {
		return false, nil
	}
	_, err := p.sso().UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{
		InstanceArn: aws.String(p.instanceARN), PermissionSetArn: aws.String(ps.arn),
		Description: aws.String(perm.Description), SessionDuration: aws.String(SessionDuration)})
	if err != nil {
		return false, identitycenter.AWSError(err, "update permission set %s", ps.name)
	}
	p.mu.Lock()
	ps.description, ps.sessionDuration = perm.Description, SessionDuration
	p.mu.Unlock()
	return true, nil
}

// writePolicy writes the permission set's policy and reports whether it
// did. Without add (Ensure) it makes the policy exactly policy plus the
// cut-offs in force, writing only when the permission set's own statements
// differ from policy's. With add (a cut-off) it always writes: the
// permission set's own statements as they are (policy's when it has none
// yet), the cut-offs in force and add. Cut-offs that can no longer match a
// session are dropped whenever it writes.
func (p *Provider) writePolicy(ctx context.Context, ps *permissionSet, policy string, add *cutoff) (bool, error) {
	out, err := p.sso().GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{
		InstanceArn: aws.String(p.instanceARN), PermissionSetArn: aws.String(ps.arn)})
	if err != nil {
		return false, identitycenter.AWSError(err, "read the policy of permission set %s", ps.name)
	}
	current := &document{}
	if text := aws.ToString(out.InlinePolicy); text != "" {
		if current, err = parsePolicy(text, true); err != nil {
			p.log.WarnContext(ctx, "permission set policy unreadable; replacing it", "permission_set", ps.name, "err", err)
			current = &document{}
		}
	}
	return p.putPolicy(ctx, ps, current, policy, add)
}

// putPolicy writes what writePolicy says, given the current policy.
func (p *Provider) putPolicy(ctx context.Context, ps *permissionSet, current *document, policy string, add *cutoff) (bool, error) {
	next := &document{statements: current.statements, cutoffs: current.cutoffs, foreign: current.foreign}
	if add == nil || len(next.statements) == 0 {
		want, err := parsePolicy(policy, false)
		switch {
		case err != nil && add == nil:
			return false, err
		case err == nil && add == nil && sameBase(current, want):
			return false, nil
		case err == nil:
			next.statements = want.statements
		}
	}
	if add != nil {
		next.cutoffs = append(slices.Clone(next.cutoffs), *add)
	}
	text, err := next.policy(p.now())
	if err != nil {
		return false, err
	}
	if _, err := p.sso().PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{
		InstanceArn: aws.String(p.instanceARN), PermissionSetArn: aws.String(ps.arn), InlinePolicy: aws.String(text)}); err != nil {
		return false, identitycenter.AWSError(err, "put the policy of permission set %s", ps.name)
	}
	p.log.InfoContext(ctx, "permission set policy written", "permission_set", ps.name, "bytes", len(text), "cutoffs", len(next.cutoffs))
	return true, nil
}

// catchUp provisions the permission set's latest version to the account
// when the account runs an older one: after this call's change, or one an
// interrupted call made. An account it is not provisioned to yet gets it
// with the assignment.
func (p *Provider) catchUp(ctx context.Context, ps *permissionSet, accountID string, changed bool) error {
	behind, err := p.provisionedTo(ctx, ps.arn, ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned)
	if err != nil {
		return identitycenter.AWSError(err, "list the accounts where permission set %s is out of date", ps.name)
	}
	if !slices.Contains(behind, accountID) {
		return nil
	}
	p.log.InfoContext(ctx, "provisioning permission set", "permission_set", ps.name, "account", accountID, "changed_now", changed)
	return p.ic.Provision(ctx, ps.arn, accountID)
}

// Remove deletes the user's assignment to the permission set and waits
// until AWS reports it done; no permission set, or no assignment, is
// success. The permission set stays for its other users (Collect deletes
// it once nobody uses it).
//
// Of perm it needs AccountID, Kind and Target, which name the permission
// set, and Policy only for a cut-off on a permission set that has no
// policy yet.
//
// With cutoff it also ends the user's sessions already issued: once the
// assignment is gone, it adds to the permission set's policy a statement
// that denies everything when aws:userid is like "*:USERNAME" (Identity
// Center names role sessions after the user name) and aws:TokenIssueTime
// is before now, and provisions it to the account. Other users' sessions
// are untouched; the user's new sessions, should a new grant assign them
// again, are not denied. Statements older than the session duration match
// no live session and are dropped whenever the policy is written. When the
// permission set is no longer provisioned to the account, its role and
// every session of it are gone, and nothing is written.
//
// It returns EINVALID, having called no AWS API, when perm's account,
// kind or target is malformed or userID is empty, and EINVALID after
// deleting the assignment when
// cutoff is set without userName. Other errors are coded as for Ensure;
// calling it again finishes the work.
func (p *Provider) Remove(ctx context.Context, perm Permission, userID, userName string, cutoff bool) error {
	if err := checkRef(perm); err != nil {
		return err
	}
	if userID == "" {
		return stint.Errorf(stint.EINVALID, "revoke %s %s in %s: no identity store user ID", perm.Kind, perm.Target, perm.AccountID)
	}
	name := PermissionSetName(perm)
	what := fmt.Sprintf("revoke %s %s in %s from user %s (permission set %s)", perm.Kind, perm.Target, perm.AccountID, userID, name)
	unlock, err := p.locks.lock(ctx, name)
	if err != nil {
		return stint.Errorf(stint.EUNAVAILABLE, "%s: gave up waiting for another operation on it: %v; it is retried later", what, err)
	}
	defer unlock()
	ps, err := p.lookup(ctx, name, perm.AccountID, false)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if ps == nil {
		p.log.DebugContext(ctx, "no permission set; nothing to revoke", "permission_set", name, "account", perm.AccountID, "user", userID)
		return nil
	}
	if err := p.ic.Unassign(ctx, p.assignment(ps, perm, userID)); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	p.touch(name)
	p.tagLastUsed(ctx, ps)
	if !cutoff {
		return nil
	}
	if userName == "" {
		return stint.Errorf(stint.EINVALID, "%s: the assignment is deleted, but sessions already issued were not cut off (they end within %s): the effect names no user name", what, sessionLength)
	}
	if err := p.cutOff(ctx, ps, perm, userName); err != nil {
		return fmt.Errorf("%s: assignment deleted; cut off sessions of %s: %w", what, userName, err)
	}
	return nil
}

// cutOff denies the user's sessions issued before now.
func (p *Provider) cutOff(ctx context.Context, ps *permissionSet, perm Permission, userName string) error {
	accounts, err := p.provisionedTo(ctx, ps.arn, "")
	if gone(err) {
		p.forget(ps.name)
		return nil
	}
	if err != nil {
		return identitycenter.AWSError(err, "list the accounts permission set %s is provisioned to", ps.name)
	}
	if !slices.Contains(accounts, perm.AccountID) {
		p.log.InfoContext(ctx, "permission set not provisioned; no session to cut off", "permission_set", ps.name, "account", perm.AccountID)
		return nil
	}
	at := cutoffTime(p.now())
	if _, err := p.writePolicy(ctx, ps, perm.Policy, &cutoff{users: []string{userName}, at: at}); err != nil {
		return err
	}
	if err := p.ic.Provision(ctx, ps.arn, perm.AccountID); err != nil {
		return err
	}
	p.log.InfoContext(ctx, "sessions cut off", "permission_set", ps.name, "account", perm.AccountID, "user", userName, "issued_before", at)
	return nil
}

// tagLastUsed records the use on the permission set, for Collect in any
// process. A failure is logged: Collect then goes by an older time, and
// deleting an unassigned permission set costs only its re-creation.
func (p *Provider) tagLastUsed(ctx context.Context, ps *permissionSet) {
	_, err := p.sso().TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: aws.String(p.instanceARN), ResourceArn: aws.String(ps.arn),
		Tags: []ssotypes.Tag{{Key: aws.String(TagLastUsed), Value: aws.String(p.now().UTC().Format(time.RFC3339))}}})
	if err != nil {
		p.log.WarnContext(ctx, "cannot tag permission set with its last use", "permission_set", ps.name, "err", err)
	}
}

// Has reports whether the user is assigned to the permission set in its
// account. No permission set is false. Of perm it needs AccountID, Kind and
// Target; it returns EINVALID when they are malformed or userID is empty.
func (p *Provider) Has(ctx context.Context, perm Permission, userID string) (bool, error) {
	if err := checkRef(perm); err != nil {
		return false, err
	}
	if userID == "" {
		return false, stint.Errorf(stint.EINVALID, "check %s %s in %s: no identity store user ID", perm.Kind, perm.Target, perm.AccountID)
	}
	name := PermissionSetName(perm)
	ps, err := p.lookup(ctx, name, perm.AccountID, false)
	if err != nil || ps == nil {
		return false, err
	}
	ok, err := p.ic.Assigned(ctx, p.assignment(ps, perm, userID))
	if gone(err) {
		p.forget(name)
		return false, nil
	}
	return ok, err
}

// gone reports whether AWS answered that the permission set does not
// exist.
func gone(err error) bool { return identitycenter.ErrorCode(err) == "ResourceNotFoundException" }
