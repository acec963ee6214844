package identitycenter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/stint-dev/stint"
)

// Assignment is one account assignment: a permission set assigned to a user
// or group in an account.
type Assignment struct {
	AccountID        string `json:"account_id"`
	PermissionSetARN string `json:"permission_set_arn"`
	PrincipalType    string `json:"principal_type"` // USER or GROUP
	PrincipalID      string `json:"principal_id"`
}

// Grant creates the effect's account assignment and waits until AWS reports
// it done: usually one create call and one status check. An assignment that
// already exists is success. It waits while MaxCreatesInFlight creations are
// in progress. It returns EINVALID for a malformed effect or when AWS
// rejects the assignment (the error carries AWS's reason), EUNAVAILABLE when
// AWS keeps throttling or failing or the operation outlasts
// OperationTimeout, and EFORBIDDEN when AWS denies the call.
func (p *Provider) Grant(ctx context.Context, e *stint.Effect) error {
	a, err := assignmentOf(e)
	if err != nil {
		return err
	}
	what := p.describe("create assignment", a)
	ctx, cancel := context.WithTimeout(ctx, p.operationTimeout)
	defer cancel()

	start := time.Now()
	release, err := p.limiter.AcquireCreate(ctx)
	if err != nil {
		return stint.Errorf(stint.EUNAVAILABLE, "%s: no creation slot freed up within %s (%d creations in progress); it is retried later", what, p.operationTimeout, p.limiter.CreatesInFlight())
	}
	defer release()
	out, err := p.sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
		InstanceArn: aws.String(p.instanceARN), TargetType: types.TargetTypeAwsAccount, TargetId: aws.String(a.AccountID),
		PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalType: types.PrincipalType(a.PrincipalType), PrincipalId: aws.String(a.PrincipalID),
	})
	if err != nil {
		return awsError(err, "%s", what)
	}
	err = p.wait(ctx, what, out.AccountAssignmentCreationStatus, p.creationStatus)
	if failed := (*failedError)(nil); errors.As(err, &failed) {
		// A failed creation of an assignment that exists (it did before) is
		// what the caller wants.
		if exists, xerr := p.exists(ctx, a); xerr == nil && exists {
			p.log.InfoContext(ctx, "account assignment already existed", "account", a.AccountID, "permission_set", a.PermissionSetARN, "principal", a.PrincipalID, "reason", failed.reason)
			return nil
		}
	}
	if err != nil {
		return err
	}
	p.log.InfoContext(ctx, "account assignment created", "account", a.AccountID, "permission_set", a.PermissionSetARN,
		"principal_type", a.PrincipalType, "principal", a.PrincipalID, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Revoke deletes the effect's account assignment and waits until AWS reports
// it done: usually one delete call and one status check. An assignment that
// is already gone is success, and so is ResourceNotFoundException for its
// permission set: either way the access is gone. A deletion AWS reports
// FAILED is success only if the assignment no longer exists. Errors are
// coded as for Grant.
func (p *Provider) Revoke(ctx context.Context, e *stint.Effect) error {
	a, err := assignmentOf(e)
	if err != nil {
		return err
	}
	what := p.describe("delete assignment", a)
	ctx, cancel := context.WithTimeout(ctx, p.operationTimeout)
	defer cancel()

	start := time.Now()
	out, err := p.sso.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{
		InstanceArn: aws.String(p.instanceARN), TargetType: types.TargetTypeAwsAccount, TargetId: aws.String(a.AccountID),
		PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalType: types.PrincipalType(a.PrincipalType), PrincipalId: aws.String(a.PrincipalID),
	})
	if notFound := (*types.ResourceNotFoundException)(nil); errors.As(err, &notFound) {
		p.log.DebugContext(ctx, "account assignment already gone", "account", a.AccountID, "permission_set", a.PermissionSetARN, "principal", a.PrincipalID)
		return nil
	}
	if err != nil {
		return awsError(err, "%s", what)
	}
	err = p.wait(ctx, what, out.AccountAssignmentDeletionStatus, p.deletionStatus)
	if failed := (*failedError)(nil); errors.As(err, &failed) {
		if exists, xerr := p.exists(ctx, a); xerr == nil && !exists {
			return nil // gone all the same
		}
	}
	if err != nil {
		return err
	}
	p.log.InfoContext(ctx, "account assignment deleted", "account", a.AccountID, "permission_set", a.PermissionSetARN,
		"principal_type", a.PrincipalType, "principal", a.PrincipalID, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Exists reports whether the effect's account assignment exists. It lists
// the assignments of the account and permission set, page by page, until it
// finds the principal.
func (p *Provider) Exists(ctx context.Context, e *stint.Effect) (bool, error) {
	a, err := assignmentOf(e)
	if err != nil {
		return false, err
	}
	return p.exists(ctx, a)
}

func (p *Provider) exists(ctx context.Context, a Assignment) (bool, error) {
	found := false
	err := p.listAssignments(ctx, a.AccountID, a.PermissionSetARN, func(got Assignment) bool {
		found = got == a
		return !found
	})
	if err != nil {
		return false, awsError(err, "%s", p.describe("check assignment", a))
	}
	return found, nil
}

// AccountAssignments returns every assignment of the permission set in the
// account, users' and groups'.
func (p *Provider) AccountAssignments(ctx context.Context, accountID, permissionSetARN string) ([]Assignment, error) {
	var all []Assignment
	err := p.listAssignments(ctx, accountID, permissionSetARN, func(a Assignment) bool {
		all = append(all, a)
		return true
	})
	if err != nil {
		return nil, awsError(err, "list assignments of %s in %s", p.psName(permissionSetARN), accountID)
	}
	return all, nil
}

// listAssignments calls fn for each assignment until fn returns false.
func (p *Provider) listAssignments(ctx context.Context, accountID, psARN string, fn func(Assignment) bool) error {
	in := &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(p.instanceARN), AccountId: aws.String(accountID), PermissionSetArn: aws.String(psARN),
	}
	pages := ssoadmin.NewListAccountAssignmentsPaginator(p.sso, in, func(o *ssoadmin.ListAccountAssignmentsPaginatorOptions) {
		o.Limit = p.pageSize
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, got := range page.AccountAssignments {
			a := Assignment{
				AccountID: aws.ToString(got.AccountId), PermissionSetARN: aws.ToString(got.PermissionSetArn),
				PrincipalType: string(got.PrincipalType), PrincipalID: aws.ToString(got.PrincipalId),
			}
			if !fn(a) {
				return nil
			}
		}
	}
	return nil
}

type statusFunc func(ctx context.Context, requestID string) (*types.AccountAssignmentOperationStatus, error)

// wait polls an operation's status until it is final: the first check after
// FirstPoll, then every PollInterval. A FAILED status is a *failedError.
func (p *Provider) wait(ctx context.Context, what string, st *types.AccountAssignmentOperationStatus, poll statusFunc) error {
	if st == nil {
		return stint.Errorf(stint.EINTERNAL, "%s: AWS answered without a status", what)
	}
	requestID := aws.ToString(st.RequestId)
	delay := p.firstPoll
	for {
		switch st.Status {
		case types.StatusValuesSucceeded:
			return nil
		case types.StatusValuesFailed:
			return newFailedError(what, aws.ToString(st.FailureReason))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return stillInProgress(ctx, what, requestID)
		case <-t.C:
		}
		var err error
		if st, err = poll(ctx, requestID); err != nil {
			if ctx.Err() != nil {
				return stillInProgress(ctx, what, requestID)
			}
			return awsError(err, "%s: check status of request %s", what, requestID)
		}
		if st == nil {
			return stint.Errorf(stint.EINTERNAL, "%s: AWS answered request %s without a status", what, requestID)
		}
		delay = p.pollInterval
	}
}

func stillInProgress(ctx context.Context, what, requestID string) error {
	return stint.Errorf(stint.EUNAVAILABLE, "%s: still in progress when we stopped waiting (request %s): %v; it is checked again later", what, requestID, ctx.Err())
}

func (p *Provider) creationStatus(ctx context.Context, requestID string) (*types.AccountAssignmentOperationStatus, error) {
	out, err := p.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
		InstanceArn: aws.String(p.instanceARN), AccountAssignmentCreationRequestId: aws.String(requestID),
	})
	if err != nil {
		return nil, err
	}
	return out.AccountAssignmentCreationStatus, nil
}

func (p *Provider) deletionStatus(ctx context.Context, requestID string) (*types.AccountAssignmentOperationStatus, error) {
	out, err := p.sso.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
		InstanceArn: aws.String(p.instanceARN), AccountAssignmentDeletionRequestId: aws.String(requestID),
	})
	if err != nil {
		return nil, err
	}
	return out.AccountAssignmentDeletionStatus, nil
}

// failedError is an operation AWS reported FAILED.
type failedError struct {
	coded  *stint.Error
	reason string
}

func (e *failedError) Error() string { return e.coded.Message }
func (e *failedError) Unwrap() error { return e.coded }

func newFailedError(what, reason string) *failedError {
	code := stint.EUNAVAILABLE
	lower := strings.ToLower(reason)
	for _, s := range []string{"not found", "does not exist", "doesn't exist", "invalid", "not valid", "validation", "400", "404"} {
		if strings.Contains(lower, s) {
			code = stint.EINVALID
			break
		}
	}
	if reason == "" {
		reason = "(AWS gave no reason)"
	}
	return &failedError{coded: stint.Errorf(code, "%s: AWS reports FAILED: %s", what, reason), reason: reason}
}

// assignmentOf validates an effect and returns its assignment.
func assignmentOf(e *stint.Effect) (Assignment, error) {
	if e == nil {
		return Assignment{}, stint.Errorf(stint.EINVALID, "no effect given")
	}
	a := Assignment{AccountID: e.AccountID, PermissionSetARN: e.PermissionSetARN, PrincipalType: e.PrincipalType, PrincipalID: e.PrincipalID}
	if a.PrincipalType == "" {
		a.PrincipalType = string(types.PrincipalTypeUser)
	}
	switch {
	case e.Kind != "" && e.Kind != stint.EffectKindSSO:
		return a, stint.Errorf(stint.EINVALID, "effect %s is of kind %q; the Identity Center provider handles %q", e.Key, e.Kind, stint.EffectKindSSO)
	case !isAccountID(a.AccountID):
		return a, stint.Errorf(stint.EINVALID, "effect %s: account ID %q is not 12 digits", e.Key, a.AccountID)
	case !strings.HasPrefix(a.PermissionSetARN, "arn:"):
		return a, stint.Errorf(stint.EINVALID, "effect %s: permission set %q is not an ARN", e.Key, a.PermissionSetARN)
	case a.PrincipalID == "":
		return a, stint.Errorf(stint.EINVALID, "effect %s has no principal ID", e.Key)
	case a.PrincipalType != string(types.PrincipalTypeUser) && a.PrincipalType != string(types.PrincipalTypeGroup):
		return a, stint.Errorf(stint.EINVALID, "effect %s: principal type %q is neither USER nor GROUP", e.Key, a.PrincipalType)
	}
	return a, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// describe names an operation on an assignment for messages, e.g. "create
// assignment of ReadOnlyAccess in 111111111111 for user alice (9067...)".
func (p *Provider) describe(verb string, a Assignment) string {
	principal := "user " + p.userName(a.PrincipalID)
	if a.PrincipalType == string(types.PrincipalTypeGroup) {
		principal = "group " + a.PrincipalID
	}
	return fmt.Sprintf("%s of %s in %s for %s", verb, p.psName(a.PermissionSetARN), a.AccountID, principal)
}
