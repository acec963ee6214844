package identityconfig

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/stint-dev/stint"
)

// permissionSets lists the instance's permission sets and reads each one's
// description, policies, boundary, tags and the accounts that run an older
// version of it: seven calls per permission set, plus pages.
func (r *Reader) permissionSets(ctx context.Context, live *Live) ([]LivePermissionSet, error) {
	inst := aws.String(r.cfg.InstanceARN)
	var arns []string
	pages := ssoadmin.NewListPermissionSetsPaginator(r.sso, &ssoadmin.ListPermissionSetsInput{InstanceArn: inst})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError(err, "list permission sets of %s", r.cfg.InstanceARN)
		}
		arns = append(arns, page.PermissionSets...)
	}
	sets := make([]LivePermissionSet, len(arns))
	err := r.forEach(ctx, len(arns), func(ctx context.Context, i int) error {
		ps, err := r.permissionSet(ctx, live, arns[i])
		sets[i] = ps
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(sets, func(a, b LivePermissionSet) int { return strings.Compare(a.Name, b.Name) })
	return sets, nil
}

func (r *Reader) permissionSet(ctx context.Context, live *Live, arn string) (LivePermissionSet, error) {
	inst, psArn := aws.String(r.cfg.InstanceARN), aws.String(arn)
	out := LivePermissionSet{ARN: arn}
	desc, err := r.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn})
	if err != nil {
		return out, awsError(err, "describe permission set %s", arn)
	}
	p := desc.PermissionSet
	out.Name, out.Description, out.RelayState = aws.ToString(p.Name), aws.ToString(p.Description), aws.ToString(p.RelayState)
	if d, err := parseISODuration(aws.ToString(p.SessionDuration)); err == nil {
		out.SessionDuration = SessionDuration(d)
	} else {
		out.SessionDuration = SessionDuration(time.Hour) // AWS's default when unset
	}

	mp := ssoadmin.NewListManagedPoliciesInPermissionSetPaginator(r.sso, &ssoadmin.ListManagedPoliciesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn})
	for mp.HasMorePages() {
		page, err := mp.NextPage(ctx)
		if err != nil {
			return out, awsError(err, "list managed policies of permission set %s", out.Name)
		}
		for _, m := range page.AttachedManagedPolicies {
			out.ManagedPolicies = append(out.ManagedPolicies, ManagedPolicy(aws.ToString(m.Arn)))
		}
	}
	cp := ssoadmin.NewListCustomerManagedPolicyReferencesInPermissionSetPaginator(r.sso, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn})
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			return out, awsError(err, "list customer managed policies of permission set %s", out.Name)
		}
		for _, c := range page.CustomerManagedPolicyReferences {
			out.CustomerManagedPolicies = append(out.CustomerManagedPolicies, PolicyRef{Name: aws.ToString(c.Name), Path: orRoot(aws.ToString(c.Path))})
		}
	}
	inline, err := r.sso.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn})
	if err != nil {
		return out, awsError(err, "get the inline policy of permission set %s", out.Name)
	}
	if canon, err := CanonicalJSON(aws.ToString(inline.InlinePolicy)); err == nil {
		out.InlinePolicy = InlinePolicy(canon)
	} else {
		out.InlinePolicy = InlinePolicy(aws.ToString(inline.InlinePolicy))
	}

	out.BoundaryKnown, err = r.optional(live, "GetPermissionsBoundaryForPermissionSet", func() error {
		b, err := r.sso.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn})
		if err != nil {
			if isNotFound(err) { // no boundary
				return nil
			}
			return err
		}
		if pb := b.PermissionsBoundary; pb != nil {
			switch {
			case pb.ManagedPolicyArn != nil:
				out.PermissionsBoundary = &Boundary{ManagedPolicy: ManagedPolicy(aws.ToString(pb.ManagedPolicyArn))}
			case pb.CustomerManagedPolicyReference != nil:
				ref := pb.CustomerManagedPolicyReference
				out.PermissionsBoundary = &Boundary{CustomerManagedPolicy: &PolicyRef{Name: aws.ToString(ref.Name), Path: orRoot(aws.ToString(ref.Path))}}
			}
		}
		return nil
	})
	if err != nil {
		return out, awsError(err, "get the permissions boundary of permission set %s", out.Name)
	}
	if out.NotProvisioned, err = r.notProvisioned(ctx, arn); err != nil {
		return out, awsError(err, "list the accounts that run an older version of permission set %s", out.Name)
	}
	if r.cfg.SkipTags {
		return out, nil
	}
	out.TagsKnown, err = r.optional(live, "ListTagsForResource", func() error {
		tp := ssoadmin.NewListTagsForResourcePaginator(r.sso, &ssoadmin.ListTagsForResourceInput{InstanceArn: inst, ResourceArn: psArn})
		for tp.HasMorePages() {
			page, err := tp.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, t := range page.Tags {
				if out.Tags == nil {
					out.Tags = map[string]string{}
				}
				out.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
		return nil
	})
	if err != nil {
		return out, awsError(err, "list tags of permission set %s", out.Name)
	}
	return out, nil
}

func orRoot(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// notProvisioned lists the accounts where the permission set's latest
// version is not provisioned, sorted.
func (r *Reader) notProvisioned(ctx context.Context, arn string) ([]string, error) {
	var accounts []string
	pages := ssoadmin.NewListAccountsForProvisionedPermissionSetPaginator(r.sso, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
		InstanceArn: aws.String(r.cfg.InstanceARN), PermissionSetArn: aws.String(arn),
		ProvisioningStatus: ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned,
	}, func(o *ssoadmin.ListAccountsForProvisionedPermissionSetPaginatorOptions) { o.Limit = pageSize })
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, page.AccountIds...)
	}
	slices.Sort(accounts)
	return slices.Compact(accounts), nil
}

// keepDirectoryAccounts drops, from each permission set's NotProvisioned,
// the accounts outside the directory: a plan covers only its accounts, as
// it does for assignments.
func keepDirectoryAccounts(sets []LivePermissionSet, dir *stint.Directory) {
	known := map[string]bool{}
	for _, a := range dir.Accounts {
		known[a.ID] = true
	}
	for i := range sets {
		sets[i].NotProvisioned = slices.DeleteFunc(sets[i].NotProvisioned, func(id string) bool { return !known[id] })
		if len(sets[i].NotProvisioned) == 0 {
			sets[i].NotProvisioned = nil
		}
	}
}
