package identityconfig

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/stint-dev/stint"
)

// assignment creates or deletes an account assignment and waits until AWS
// reports it done. Creating one that exists and deleting one that is gone
// are success; so is a FAILED status when the assignment turns out to be
// as wanted.
func (r *run) assignment(ctx context.Context, act *Action) (err error) {
	t := act.Assignment
	if t == nil {
		return stint.Errorf(stint.EINVALID, "assignment action without an assignment")
	}
	psARN, err := r.permissionSetARN(ctx, t.PermissionSet)
	if err != nil {
		return err
	}
	if act.Op == OpDelete {
		defer func() {
			if err != nil {
				r.mu.Lock()
				r.assignFailed[psARN] = true
				r.mu.Unlock()
			}
		}()
	}
	principalID, err := r.principalID(ctx, t.PrincipalType, t.PrincipalName, t.PrincipalID)
	if err != nil {
		return err
	}
	a := LiveAssignment{AccountID: t.AccountID, PermissionSetARN: psARN, PrincipalType: t.PrincipalType, PrincipalID: principalID}
	if act.Op == OpDelete {
		err = r.deleteAssignment(ctx, a)
	} else {
		err = r.createAssignment(ctx, a)
	}
	if err != nil {
		return err
	}
	return r.record(ctx, KindAssignment, a.Key().String(), act.Name, act.Op != OpDelete)
}

func (r *run) createAssignment(ctx context.Context, a LiveAssignment) error {
	release, err := r.a.lim.AcquireCreate(ctx)
	if err != nil {
		return err
	}
	defer release()
	inst := aws.String(r.a.cfg.InstanceARN)
	out, err := r.a.sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
		InstanceArn: inst, TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(a.AccountID),
		PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalType: ssotypes.PrincipalType(a.PrincipalType), PrincipalId: aws.String(a.PrincipalID),
	})
	if err != nil {
		return err
	}
	err = r.waitAssignment(ctx, "creation", out.AccountAssignmentCreationStatus, func(ctx context.Context, id string) (*ssotypes.AccountAssignmentOperationStatus, error) {
		out, err := r.a.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: inst, AccountAssignmentCreationRequestId: aws.String(id)})
		if err != nil {
			return nil, err
		}
		return out.AccountAssignmentCreationStatus, nil
	})
	if failed := (*operationFailed)(nil); asFailed(err, &failed) {
		if strings.Contains(strings.ToLower(failed.reason), "already exist") {
			return nil
		}
		if exists, xerr := r.assignmentExists(ctx, a); xerr == nil && exists {
			return nil
		}
	}
	return err
}

func (r *run) deleteAssignment(ctx context.Context, a LiveAssignment) error {
	inst := aws.String(r.a.cfg.InstanceARN)
	out, err := r.a.sso.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{
		InstanceArn: inst, TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(a.AccountID),
		PermissionSetArn: aws.String(a.PermissionSetARN), PrincipalType: ssotypes.PrincipalType(a.PrincipalType), PrincipalId: aws.String(a.PrincipalID),
	})
	if errorCode(err) == "ResourceNotFoundException" {
		return nil // already gone
	}
	if err != nil {
		return err
	}
	err = r.waitAssignment(ctx, "deletion", out.AccountAssignmentDeletionStatus, func(ctx context.Context, id string) (*ssotypes.AccountAssignmentOperationStatus, error) {
		out, err := r.a.sso.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
			InstanceArn: inst, AccountAssignmentDeletionRequestId: aws.String(id)})
		if err != nil {
			return nil, err
		}
		return out.AccountAssignmentDeletionStatus, nil
	})
	if failed := (*operationFailed)(nil); asFailed(err, &failed) {
		if exists, xerr := r.assignmentExists(ctx, a); xerr == nil && !exists {
			return nil
		}
	}
	return err
}

// waitAssignment polls an assignment operation until it is final. FAILED
// is an *operationFailed.
func (r *run) waitAssignment(ctx context.Context, kind string, st *ssotypes.AccountAssignmentOperationStatus,
	poll func(context.Context, string) (*ssotypes.AccountAssignmentOperationStatus, error)) error {
	if st == nil {
		return stint.Errorf(stint.EINTERNAL, "assignment %s: AWS answered without a status", kind)
	}
	requestID := aws.ToString(st.RequestId)
	what := fmt.Sprintf("assignment %s (request %s)", kind, requestID)
	check := func(st *ssotypes.AccountAssignmentOperationStatus) (bool, error) {
		switch st.Status {
		case ssotypes.StatusValuesSucceeded:
			return true, nil
		case ssotypes.StatusValuesFailed:
			return true, &operationFailed{what: what, reason: aws.ToString(st.FailureReason)}
		}
		return false, nil
	}
	final, err := check(st)
	if err != nil {
		return err
	}
	return r.waitFor(ctx, what, final, func(ctx context.Context) (bool, error) {
		st, err := poll(ctx, requestID)
		if err != nil {
			return false, fmt.Errorf("check status of %s: %w", what, err)
		}
		if st == nil {
			return false, stint.Errorf(stint.EINTERNAL, "%s: AWS answered without a status", what)
		}
		return check(st)
	})
}

// assignmentExists lists the account's assignments of the permission set.
func (r *run) assignmentExists(ctx context.Context, a LiveAssignment) (bool, error) {
	pages := ssoadmin.NewListAccountAssignmentsPaginator(r.a.sso, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(r.a.cfg.InstanceARN), AccountId: aws.String(a.AccountID), PermissionSetArn: aws.String(a.PermissionSetARN),
	}, func(o *ssoadmin.ListAccountAssignmentsPaginatorOptions) { o.Limit = pageSize })
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, got := range page.AccountAssignments {
			if aws.ToString(got.PrincipalId) == a.PrincipalID && string(got.PrincipalType) == a.PrincipalType {
				return true, nil
			}
		}
	}
	return false, nil
}
