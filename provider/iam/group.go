package iam

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/stint-dev/stint"
)

// membership is an aws-iam-group effect: an IAM user in an IAM group.
type membership struct {
	account, group, user string
}

func (m membership) String() string {
	return fmt.Sprintf("IAM user %s in group %s in account %s", m.user, m.group, m.account)
}

// iamUserName is the form of IAM user names.
var iamUserName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// membershipOf reads an aws-iam-group effect. The IAM user is named as the
// requester's identity store user name (e.Subject), by convention.
func membershipOf(e *stint.Effect) (membership, error) {
	m := membership{account: e.AccountID, group: e.Spec["name"], user: e.Subject}
	switch {
	case m.account == "" || m.group == "":
		return m, stint.Errorf(stint.EINVALID, "effect %s names no account or IAM group", e.Key)
	case m.user == "":
		return m, stint.Errorf(stint.EINVALID, "effect %s has no user name: IAM group access adds the IAM user named as the requester's Identity Center user name", e.Key)
	case !iamUserName.MatchString(m.user):
		return m, stint.Errorf(stint.EINVALID, "the requester's user name %q is not a valid IAM user name (letters, digits and +=,.@_-, at most 64), so no IAM user can match it for group %s in account %s",
			m.user, m.group, m.account)
	}
	return m, nil
}

// grantGroup adds the user to the group and checks that IAM shows the
// membership. A membership that exists is success. It returns EINVALID
// saying the IAM user must exist when it does not, ENOTFOUND when the group
// does not exist, EFORBIDDEN when the account cannot be reached or IAM
// refuses, and EUNAVAILABLE when IAM keeps failing or never shows the
// membership.
func (p *Provider) grantGroup(ctx context.Context, e *stint.Effect) error {
	m, err := membershipOf(e)
	if err != nil {
		return err
	}
	c, err := p.client(ctx, m.account)
	if err != nil {
		return fmt.Errorf("add %s: %w", m, err)
	}
	_, err = c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String(m.group), UserName: aws.String(m.user)})
	if isNotFound(err) {
		return p.whatIsMissing(ctx, c, m, err)
	}
	if err != nil {
		return awsError(err, "add %s", m)
	}
	if err := p.verify(ctx, "add "+m.String(), func(ctx context.Context) (bool, error) { return p.member(ctx, c, m) }); err != nil {
		return err
	}
	p.log.InfoContext(ctx, "IAM user added to group", "account", m.account, "group", m.group, "user", m.user)
	return nil
}

// whatIsMissing says whether the user or the group is missing after IAM
// answered NoSuchEntity for both.
func (p *Provider) whatIsMissing(ctx context.Context, c *awsiam.Client, m membership, cause error) error {
	_, err := c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String(m.user)})
	if isNotFound(err) {
		return stint.Errorf(stint.EINVALID, "cannot add %s: the IAM user named %q must exist in account %s; IAM group access adds the IAM user named as the requester's Identity Center user name, so create it (or ask an administrator to), then retry",
			m, m.user, m.account)
	}
	_, gerr := c.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: aws.String(m.group), MaxItems: aws.Int32(1)})
	if isNotFound(gerr) {
		return stint.Errorf(stint.ENOTFOUND, "cannot add %s: IAM group %q does not exist in account %s; check the flow's iam_group selector and discover the account's resources again",
			m, m.group, m.account)
	}
	return awsError(cause, "add %s", m)
}

// revokeGroup removes the user from the group and checks that IAM no
// longer shows the membership. A membership that is gone (or whose user or
// group is) is success.
func (p *Provider) revokeGroup(ctx context.Context, e *stint.Effect) error {
	m, err := membershipOf(e)
	if err != nil {
		return err
	}
	c, err := p.client(ctx, m.account)
	if err != nil {
		return fmt.Errorf("remove %s: %w", m, err)
	}
	_, err = c.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String(m.group), UserName: aws.String(m.user)})
	if isNotFound(err) {
		p.log.DebugContext(ctx, "IAM group membership already gone", "account", m.account, "group", m.group, "user", m.user)
		return nil
	}
	if err != nil {
		return awsError(err, "remove %s", m)
	}
	err = p.verify(ctx, "remove "+m.String(), func(ctx context.Context) (bool, error) {
		in, err := p.member(ctx, c, m)
		return !in, err
	})
	if err != nil {
		return err
	}
	p.log.InfoContext(ctx, "IAM user removed from group", "account", m.account, "group", m.group, "user", m.user)
	return nil
}

// groupExists reports whether the user is in the group, whoever put them
// there: a membership that predates stint is standing access.
func (p *Provider) groupExists(ctx context.Context, e *stint.Effect) (bool, error) {
	m, err := membershipOf(e)
	if err != nil {
		return false, err
	}
	c, err := p.client(ctx, m.account)
	if err != nil {
		return false, fmt.Errorf("check %s: %w", m, err)
	}
	return p.member(ctx, c, m)
}

// member lists the user's groups (at most 10 in IAM). A missing user is in
// no group.
func (p *Provider) member(ctx context.Context, c *awsiam.Client, m membership) (bool, error) {
	pages := awsiam.NewListGroupsForUserPaginator(c, &awsiam.ListGroupsForUserInput{UserName: aws.String(m.user)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if isNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, awsError(err, "check %s", m)
		}
		for _, g := range page.Groups {
			if strings.EqualFold(aws.ToString(g.GroupName), m.group) {
				return true, nil
			}
		}
	}
	return false, nil
}

// verify checks, up to EditAttempts times with backoff, that a change IAM
// accepted shows: IAM is eventually consistent. It returns EUNAVAILABLE when
// the change never shows.
func (p *Provider) verify(ctx context.Context, what string, done func(context.Context) (bool, error)) error {
	for attempt := 1; ; attempt++ {
		ok, err := done(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if attempt >= p.editTries {
			return stint.Errorf(stint.EUNAVAILABLE, "%s: IAM accepted the change but did not show it after %d checks; it is checked again later", what, attempt)
		}
		if err := p.backoff(ctx, attempt); err != nil {
			return stint.Errorf(stint.EUNAVAILABLE, "%s: IAM accepted the change but did not show it before the operation ended (%v); it is checked again later", what, err)
		}
	}
}
