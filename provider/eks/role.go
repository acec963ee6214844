package eks

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/stint-dev/stint"
)

// roleNamePrefix is how the names of a permission set's Identity Center
// roles begin: AWSReservedSSO_<name>_<hash>.
func roleNamePrefix(psName string) string { return identityCenterRoles + psName + "_" }

// isRoleOf reports whether an IAM role name is the Identity Center role of
// the permission set: the prefix, then the hash Identity Center appends
// (hexadecimal, no underscore, so that "stint-a" does not claim the role of
// "stint-a_b").
func isRoleOf(roleName, psName string) bool {
	hash, ok := strings.CutPrefix(roleName, roleNamePrefix(psName))
	if !ok || hash == "" {
		return false
	}
	for _, r := range hash {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// managedPrincipal reports whether an access entry's principal is the
// Identity Center role, in the account, of a permission set stint manages,
// and returns the role name. Roles with a path other than Identity
// Center's, users, and roles of other permission sets are not stint's.
func managedPrincipal(principalARN, accountID string) (roleName string, ok bool) {
	_, rest, found := strings.Cut(principalARN, ":iam::"+accountID+":role"+identityCenterPath)
	if !found || !strings.HasPrefix(principalARN, "arn:") {
		return "", false
	}
	// Identity Center adds the instance's region to the path outside
	// us-east-1: /aws-reserved/sso.amazonaws.com/eu-west-1/.
	roleName = rest[strings.LastIndexByte(rest, '/')+1:]
	return roleName, strings.HasPrefix(roleName, identityCenterRoles+ManagedPrefix)
}

// findRole looks once for the permission set's Identity Center role in the
// account and returns its ARN, or "" when there is none (yet). With more
// than one (a permission set deleted and made again, its old role not yet
// removed), it returns the newest.
func (p *Provider) findRole(ctx context.Context, c *clients, accountID, psName string) (string, error) {
	var arn string
	var newest time.Time
	pages := iam.NewListRolesPaginator(c.iam, &iam.ListRolesInput{PathPrefix: aws.String(identityCenterPath)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", awsError(err, "look for the Identity Center role of permission set %s in account %s", psName, accountID)
		}
		for _, r := range page.Roles {
			if !isRoleOf(aws.ToString(r.RoleName), psName) {
				continue
			}
			if created := aws.ToTime(r.CreateDate); arn == "" || created.After(newest) {
				arn, newest = aws.ToString(r.Arn), created
			}
		}
	}
	return arn, nil
}

// waitRole waits for Identity Center to make the permission set's role in
// the account, which on AWS can take a while after provisioning: it looks
// at once, then after RolePoll, doubling the delay up to RolePollMax, for
// at most RoleWait. Not found in time is EUNAVAILABLE, which the job
// retries.
func (p *Provider) waitRole(ctx context.Context, c *clients, accountID, psName string) (string, error) {
	start := time.Now()
	delay := p.cfg.RolePoll
	for {
		arn, err := p.findRole(ctx, c, accountID, psName)
		if err != nil || arn != "" {
			return arn, err
		}
		waited := time.Since(start)
		if waited+delay > p.cfg.RoleWait {
			return "", stint.Errorf(stint.EUNAVAILABLE,
				"Identity Center has not made the role %s* (path %s) of permission set %s in account %s after %s; "+
					"check the permission set's provisioning to the account in Identity Center; the grant is retried",
				roleNamePrefix(psName), identityCenterPath, psName, accountID, waited.Round(time.Millisecond))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", stint.Errorf(stint.EUNAVAILABLE, "wait for the Identity Center role of permission set %s in account %s: %v; the grant is retried", psName, accountID, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, p.cfg.RolePollMax)
	}
}
