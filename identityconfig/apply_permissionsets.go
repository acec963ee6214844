package identityconfig

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/stint-dev/stint"
)

// permissionSet creates or updates a permission set from the action's
// changes and, when an existing one changed, provisions it to every
// account that has it; an update with only a provisioning change
// provisions it to the accounts that change lists. A step that fails ends
// the action; what was done before it is still provisioned, and the next
// plan shows the rest.
func (r *run) permissionSet(ctx context.Context, act *Action) (err error) {
	inst := aws.String(r.a.cfg.InstanceARN)
	ch := map[string]Change{}
	for _, c := range act.Changes {
		ch[c.Field] = c
	}
	arn, changed := act.ID, false
	if act.Op == OpCreate {
		if arn, err = r.createPermissionSet(ctx, act.Name, ch); err != nil {
			r.mu.Lock()
			r.psFailed[strings.ToLower(act.Name)] = reason(err)
			r.mu.Unlock()
			return err
		}
		if err := r.record(ctx, KindPermissionSet, arn, act.Name, true); err != nil {
			return err
		}
	} else {
		behind := provisioningAccounts(ch[FieldProvisioning])
		defer func() {
			var perr error
			switch {
			case changed: // every account it is provisioned to is behind now
				perr = r.provision(ctx, act.Name, arn)
			case len(behind) > 0:
				perr = r.provisionBehind(ctx, act.Name, arn, behind)
			}
			if err == nil {
				err = perr
			}
		}()
		if in, ok := permissionSetUpdate(ch); ok {
			in.InstanceArn, in.PermissionSetArn = inst, aws.String(arn)
			if _, err := r.a.sso.UpdatePermissionSet(ctx, in); err != nil {
				return err
			}
			changed = true
		}
	}
	psArn := aws.String(arn)
	steps := r.policySteps(inst, psArn, ch, act.Op == OpCreate)
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
		changed = true
	}
	return nil
}

func (r *run) createPermissionSet(ctx context.Context, name string, ch map[string]Change) (string, error) {
	in := &ssoadmin.CreatePermissionSetInput{
		InstanceArn: aws.String(r.a.cfg.InstanceARN), Name: aws.String(name),
		// Always sent: AWS defaults it, moto answers a number without it.
		SessionDuration: aws.String(cmp.Or(ch["session_duration"].New, FormatISODuration(DefaultSessionDuration))),
		Description:     optionalString(ch["description"].New),
		RelayState:      optionalString(ch["relay_state"].New),
	}
	for _, kv := range ch["tags"].Added {
		k, v, _ := strings.Cut(kv, "=")
		in.Tags = append(in.Tags, ssotypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := r.a.sso.CreatePermissionSet(ctx, in, noConflictRetry)
	if err != nil {
		return "", err
	}
	if out.PermissionSet == nil || out.PermissionSet.PermissionSetArn == nil {
		return "", stint.Errorf(stint.EINTERNAL, "AWS created permission set %s without answering its ARN", name)
	}
	arn := aws.ToString(out.PermissionSet.PermissionSetArn)
	r.mu.Lock()
	r.psARNs[strings.ToLower(name)] = arn
	r.mu.Unlock()
	return arn, nil
}

// permissionSetUpdate returns the UpdatePermissionSet input for the
// description, session duration and relay state changes, if any.
func permissionSetUpdate(ch map[string]Change) (*ssoadmin.UpdatePermissionSetInput, bool) {
	in := &ssoadmin.UpdatePermissionSetInput{}
	ok := false
	if c, has := ch["description"]; has {
		in.Description, ok = aws.String(c.New), true
	}
	if c, has := ch["session_duration"]; has {
		in.SessionDuration, ok = aws.String(cmp.Or(c.New, FormatISODuration(DefaultSessionDuration))), true
	}
	if c, has := ch["relay_state"]; has {
		in.RelayState, ok = aws.String(c.New), true
	}
	return in, ok
}

// policySteps returns the calls that apply the policy, boundary and (for
// an update) tag changes, in that order.
func (r *run) policySteps(inst, psArn *string, ch map[string]Change, created bool) []func(context.Context) error {
	sso := r.a.sso
	var steps []func(context.Context) error
	add := func(fn func(context.Context) error) { steps = append(steps, fn) }
	for _, name := range ch["managed_policies"].Added {
		add(func(ctx context.Context) error {
			_, err := sso.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{
				InstanceArn: inst, PermissionSetArn: psArn, ManagedPolicyArn: aws.String(r.a.managedPolicyARN(name))})
			return err
		})
	}
	for _, name := range ch["managed_policies"].Removed {
		add(func(ctx context.Context) error {
			_, err := sso.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{
				InstanceArn: inst, PermissionSetArn: psArn, ManagedPolicyArn: aws.String(r.a.managedPolicyARN(name))})
			return ignoreCode(err, "ResourceNotFoundException")
		})
	}
	for _, ref := range ch["customer_managed_policies"].Added {
		add(func(ctx context.Context) error {
			_, err := sso.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
				InstanceArn: inst, PermissionSetArn: psArn, CustomerManagedPolicyReference: policyRef(ref)})
			return err
		})
	}
	for _, ref := range ch["customer_managed_policies"].Removed {
		add(func(ctx context.Context) error {
			_, err := sso.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{
				InstanceArn: inst, PermissionSetArn: psArn, CustomerManagedPolicyReference: policyRef(ref)})
			return ignoreCode(err, "ResourceNotFoundException")
		})
	}
	if c, ok := ch["inline_policy"]; ok {
		add(func(ctx context.Context) error {
			if c.New == "" {
				_, err := sso.DeleteInlinePolicyFromPermissionSet(ctx, &ssoadmin.DeleteInlinePolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn})
				return ignoreCode(err, "ResourceNotFoundException")
			}
			_, err := sso.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn, InlinePolicy: aws.String(c.New)})
			return err
		})
	}
	if c, ok := ch["permissions_boundary"]; ok {
		add(func(ctx context.Context) error {
			if c.New == "" {
				_, err := sso.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn})
				return ignoreCode(err, "ResourceNotFoundException")
			}
			_, err := sso.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{
				InstanceArn: inst, PermissionSetArn: psArn, PermissionsBoundary: r.a.boundary(c.New)})
			return err
		})
	}
	if c, ok := ch["tags"]; ok && !created { // a creation sent its tags
		tags, keys := tagChanges(c)
		if len(tags) > 0 {
			add(func(ctx context.Context) error {
				_, err := sso.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: inst, ResourceArn: psArn, Tags: tags})
				return err
			})
		}
		if len(keys) > 0 {
			add(func(ctx context.Context) error {
				_, err := sso.UntagResource(ctx, &ssoadmin.UntagResourceInput{InstanceArn: inst, ResourceArn: psArn, TagKeys: keys})
				return err
			})
		}
	}
	return steps
}

// tagChanges returns the tags to set and the keys to remove: removed keys
// that are not set again. Tags are "KEY=VALUE"; a key that itself holds
// "=" is not supported.
func tagChanges(c Change) ([]ssotypes.Tag, []string) {
	set := map[string]bool{}
	var tags []ssotypes.Tag
	for _, kv := range c.Added {
		k, v, _ := strings.Cut(kv, "=")
		set[k] = true
		tags = append(tags, ssotypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	var keys []string
	for _, kv := range c.Removed {
		if k, _, _ := strings.Cut(kv, "="); !set[k] {
			keys = append(keys, k)
		}
	}
	return tags, keys
}

// managedPolicyARN turns a plan's policy name ("ReadOnlyAccess",
// "job-function/ViewOnlyAccess") back into an ARN in the instance's
// partition.
func (a *Applier) managedPolicyARN(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return "arn:" + a.partition + ":iam::aws:policy/" + name
}

// policyRef parses PolicyRef.String ("/path/Name").
func policyRef(s string) *ssotypes.CustomerManagedPolicyReference {
	i := strings.LastIndexByte(s, '/')
	return &ssotypes.CustomerManagedPolicyReference{Name: aws.String(s[i+1:]), Path: aws.String(cmp.Or(s[:i+1], "/"))}
}

// boundary parses Boundary.String.
func (a *Applier) boundary(s string) *ssotypes.PermissionsBoundary {
	if ref, ok := strings.CutPrefix(s, "customer managed "); ok {
		return &ssotypes.PermissionsBoundary{CustomerManagedPolicyReference: policyRef(ref)}
	}
	return &ssotypes.PermissionsBoundary{ManagedPolicyArn: aws.String(a.managedPolicyARN(s))}
}

// provision provisions a changed permission set to every account that has
// it (none: nothing to do) and waits until AWS reports it done.
func (r *run) provision(ctx context.Context, name, arn string) error {
	some, err := r.provisionedAnywhere(ctx, arn, "")
	if err != nil || !some {
		return err
	}
	return r.provisionTo(ctx, name, arn, "")
}

// provisionBehind provisions the latest version of a permission set to the
// accounts that run an older one, and waits for each. When no account has
// the latest version (as after an apply interrupted between updating and
// provisioning) one request for all its accounts does it; otherwise one
// request per account, in turn, since AWS answers ConflictException to
// concurrent operations on one permission set.
func (r *run) provisionBehind(ctx context.Context, name, arn string, accounts []string) error {
	current, err := r.provisionedAnywhere(ctx, arn, ssotypes.ProvisioningStatusLatestPermissionSetProvisioned)
	if err != nil {
		return err
	}
	if !current {
		return r.provisionTo(ctx, name, arn, "")
	}
	for _, account := range accounts {
		if err := r.provisionTo(ctx, name, arn, account); err != nil {
			return err
		}
	}
	return nil
}

// provisionedAnywhere reports whether the permission set is provisioned to
// at least one account (with that status, when status is set).
func (r *run) provisionedAnywhere(ctx context.Context, arn string, status ssotypes.ProvisioningStatus) (bool, error) {
	out, err := r.a.sso.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
		InstanceArn: aws.String(r.a.cfg.InstanceARN), PermissionSetArn: aws.String(arn), ProvisioningStatus: status, MaxResults: aws.Int32(1)})
	if err != nil {
		return false, fmt.Errorf("list accounts it is provisioned to: %w", err)
	}
	return len(out.AccountIds) > 0, nil
}

// provisionTo provisions a permission set to one account, or with account
// "" to every account it is provisioned to, and waits until AWS reports it
// done.
func (r *run) provisionTo(ctx context.Context, name, arn, account string) error {
	inst := aws.String(r.a.cfg.InstanceARN)
	in := &ssoadmin.ProvisionPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(arn), TargetType: ssotypes.ProvisionTargetTypeAllProvisionedAccounts}
	what, target := "provision "+name, ""
	if account != "" {
		in.TargetType, in.TargetId = ssotypes.ProvisionTargetTypeAwsAccount, aws.String(account)
		target = " to account " + account
		what += target
	}
	out, err := r.a.sso.ProvisionPermissionSet(ctx, in)
	if err != nil {
		return fmt.Errorf("provision%s: %w", target, err)
	}
	st := out.PermissionSetProvisioningStatus
	if st == nil {
		return stint.Errorf(stint.EINTERNAL, "%s: AWS answered without a status", what)
	}
	requestID := aws.ToString(st.RequestId)
	check := func(st *ssotypes.PermissionSetProvisioningStatus) (bool, error) {
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
		out, err := r.a.sso.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
			InstanceArn: inst, ProvisionPermissionSetRequestId: aws.String(requestID)})
		if err != nil {
			return false, fmt.Errorf("check provisioning request %s: %w", requestID, err)
		}
		if out.PermissionSetProvisioningStatus == nil {
			return false, stint.Errorf(stint.EINTERNAL, "%s: AWS answered request %s without a status", what, requestID)
		}
		return check(out.PermissionSetProvisioningStatus)
	})
}

// deletePermissionSet deletes a permission set once its assignment
// deletions in this plan succeeded. One already gone is success.
func (r *run) deletePermissionSet(ctx context.Context, act *Action) error {
	r.mu.Lock()
	blocked := r.assignFailed[act.ID]
	r.mu.Unlock()
	if blocked {
		return stint.Errorf(stint.ECONFLICT, "kept: some of its assignments could not be deleted")
	}
	_, err := r.a.sso.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{
		InstanceArn: aws.String(r.a.cfg.InstanceARN), PermissionSetArn: aws.String(act.ID)})
	if err := ignoreCode(err, "ResourceNotFoundException"); err != nil {
		return err
	}
	return r.record(ctx, KindPermissionSet, act.ID, act.Name, false)
}

// permissionSetARN returns the ARN of a permission set named in an
// assignment: known from the plan or this apply, else listed once.
func (r *run) permissionSetARN(ctx context.Context, name string) (string, error) {
	if strings.HasPrefix(name, "arn:") {
		return name, nil
	}
	key := strings.ToLower(name)
	lookup := func() (string, string, bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		arn, ok := r.psARNs[key]
		return arn, r.psFailed[key], ok
	}
	if arn, failed, ok := lookup(); ok || failed != "" {
		if failed != "" {
			return "", stint.Errorf(stint.EUNAVAILABLE, "permission set %s was not created: %s", name, failed)
		}
		return arn, nil
	}
	r.listPS.Lock()
	defer r.listPS.Unlock()
	if !r.psListed {
		if err := r.listPermissionSets(ctx); err != nil {
			return "", err
		}
		r.psListed = true
	}
	if arn, _, ok := lookup(); ok {
		return arn, nil
	}
	return "", stint.Errorf(stint.ENOTFOUND, "no permission set named %s in the instance", name)
}

func (r *run) listPermissionSets(ctx context.Context) error {
	inst := aws.String(r.a.cfg.InstanceARN)
	pages := ssoadmin.NewListPermissionSetsPaginator(r.a.sso, &ssoadmin.ListPermissionSetsInput{InstanceArn: inst})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list permission sets: %w", err)
		}
		for _, arn := range page.PermissionSets {
			r.mu.Lock()
			known := false
			for _, v := range r.psARNs {
				known = known || v == arn
			}
			r.mu.Unlock()
			if known {
				continue
			}
			out, err := r.a.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(arn)})
			if err != nil {
				return fmt.Errorf("describe permission set %s: %w", arn, err)
			}
			r.mu.Lock()
			if _, ok := r.psARNs[strings.ToLower(aws.ToString(out.PermissionSet.Name))]; !ok {
				r.psARNs[strings.ToLower(aws.ToString(out.PermissionSet.Name))] = arn
			}
			r.mu.Unlock()
		}
	}
	return nil
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// ignoreCode returns nil when err is an AWS error with one of the codes.
func ignoreCode(err error, codes ...string) error {
	if err != nil && len(codes) > 0 {
		for _, c := range codes {
			if errorCode(err) == c {
				return nil
			}
		}
	}
	return err
}
