package eks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	eksapi "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/stint-dev/stint"
)

// Grant gives the effect's user its level on the cluster (or namespace):
// it checks the cluster, ensures the user holds the permission set of the
// cluster, namespace and level (PermissionSets.Ensure), waits for the
// Identity Center role that permission set makes in the account, and makes
// sure the cluster has an access entry (type STANDARD) for that role with
// exactly the level's access policy in the grant's scope. Each step is
// idempotent, so a retried grant completes what an earlier one began.
//
// It returns ENOTFOUND for an unknown cluster, EINVALID for a malformed
// effect or a cluster whose authentication mode is CONFIG_MAP (access
// entries disabled), EUNAVAILABLE while the cluster is being created, while
// the role has not appeared within RoleWait, or when AWS cannot be
// reached, and EFORBIDDEN when the account or AWS refuses.
func (p *Provider) Grant(ctx context.Context, e *stint.Effect) error {
	cl, c, err := p.resolve(ctx, e)
	if err != nil {
		return err
	}
	sets, err := p.sets()
	if err != nil {
		return err
	}
	if err := p.usable(ctx, c, cl); err != nil {
		return err
	}
	perm := cl.permission()
	name := sets.Name(perm)
	if !strings.HasPrefix(name, ManagedPrefix) {
		return stint.Errorf(stint.EINTERNAL, "grant %s: permission set name %q does not begin with %q; the EKS provider makes access entries only for stint's permission sets", cl, name, ManagedPrefix)
	}
	if _, err := sets.Ensure(ctx, perm, e.PrincipalID); err != nil {
		return fmt.Errorf("grant %s to %s: %w", cl, user(e), err)
	}
	role, err := p.waitRole(ctx, c, cl.account, name)
	if err != nil {
		return fmt.Errorf("grant %s to %s: %w", cl, user(e), err)
	}
	if err := p.ensureEntry(ctx, c, cl, role); err != nil {
		return fmt.Errorf("grant %s to %s: %w", cl, user(e), err)
	}
	p.log.InfoContext(ctx, "EKS access granted", "account", cl.account, "cluster", cl.name, "namespace", cl.namespace,
		"level", cl.level, "user", e.Subject, "user_id", e.PrincipalID, "permission_set", name, "role", role)
	return nil
}

// Revoke removes the user's assignment of the permission set
// (PermissionSets.Remove, which with e.Spec["cutoff"] also ends the
// sessions it can). It needs nothing of the member account, so it works
// when the account cannot be reached or the cluster is gone.
//
// The access entry stays: it belongs to the permission set's role, which
// every user granted the same cluster, namespace and level shares, and only
// the owner of the permission sets knows when none holds it any more. Its
// garbage collector calls Cleanup before it deletes the permission set. A
// user without the assignment cannot get credentials for the role, so the
// entry gives them nothing new; sessions they already hold last until their
// credentials expire (the permission set's session duration), as with
// every EKS access through a shared role.
func (p *Provider) Revoke(ctx context.Context, e *stint.Effect) error {
	cl, err := clusterOf(e)
	if err != nil {
		return err
	}
	sets, err := p.sets()
	if err != nil {
		return err
	}
	if cl.region == "" && len(p.cfg.Regions) == 0 {
		// The effect names no region: the account configuration's.
		if _, err := p.resolveIn(ctx, cl); err != nil {
			return fmt.Errorf("revoke %s from %s: %w", cl, user(e), err)
		}
	}
	cl.locate(firstOr(p.cfg.Regions, ""))
	if err := sets.Remove(ctx, cl.permission(), e.PrincipalID, e.Subject, cutoff(e)); err != nil {
		return fmt.Errorf("revoke %s from %s: %w", cl, user(e), err)
	}
	p.log.InfoContext(ctx, "EKS access revoked", "account", cl.account, "cluster", cl.name, "namespace", cl.namespace,
		"level", cl.level, "user", e.Subject, "user_id", e.PrincipalID, "cutoff", cutoff(e))
	return nil
}

// Exists reports whether the user holds the permission set and the cluster
// has the access entry of its role with the level's access policy in the
// grant's scope. A cluster that is gone, or whose access entries are
// disabled, has none: false.
func (p *Provider) Exists(ctx context.Context, e *stint.Effect) (bool, error) {
	cl, c, err := p.resolve(ctx, e)
	if err != nil {
		return false, err
	}
	sets, err := p.sets()
	if err != nil {
		return false, err
	}
	perm := cl.permission()
	if has, err := sets.Has(ctx, perm, e.PrincipalID); err != nil || !has {
		return false, err
	}
	if err := p.usable(ctx, c, cl); err != nil {
		if stint.IsCode(err, stint.ENOTFOUND) || stint.IsCode(err, stint.EINVALID) {
			return false, nil
		}
		return false, err
	}
	role, err := p.findRole(ctx, c, cl.account, sets.Name(perm))
	if err != nil || role == "" {
		return false, err
	}
	got, err := p.associated(ctx, c, cl, role)
	if stint.IsCode(err, stint.ENOTFOUND) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	want := accessPolicyARN(cl.partition, cl.level)
	scope, ok := got[want]
	return ok && sameScope(scope, cl.scope()), nil
}

// Cleanup deletes the access entries of a stint permission set's Identity
// Center role from a cluster: its access policies are disassociated and the
// entry deleted. cluster is a name (in the first of Regions, or the account
// configuration's region) or a cluster ARN. The permission set garbage
// collector calls it once no user holds the permission set in the account,
// before deleting the permission set; it makes no such check itself.
//
// It touches only entries whose principal is an Identity Center role of
// that permission set (AWSReservedSSO_<psName>_<hash>) in the account, and
// returns EINVALID for a permission set name without the "stint-" prefix.
// A cluster that is gone, or has access entries disabled, has nothing to
// clean: nil.
func (p *Provider) Cleanup(ctx context.Context, accountID, cluster, psName string) error {
	if !strings.HasPrefix(psName, ManagedPrefix) {
		return stint.Errorf(stint.EINVALID, "clean up EKS access of permission set %q: it is not one of stint's (they begin with %q)", psName, ManagedPrefix)
	}
	name, region := cluster, ""
	if strings.HasPrefix(cluster, "arn:") {
		parts := strings.Split(cluster, ":")
		if len(parts) != 6 || !strings.HasPrefix(parts[5], "cluster/") || parts[4] != accountID {
			return stint.Errorf(stint.EINVALID, "clean up EKS access: %q is not the ARN of an EKS cluster in account %s", cluster, accountID)
		}
		name, region = strings.TrimPrefix(parts[5], "cluster/"), parts[3]
	}
	c, _, err := p.in(ctx, accountID, region)
	if err != nil {
		return fmt.Errorf("clean up EKS access of %s on cluster %s: %w", psName, name, err)
	}
	var mine []string
	pages := eksapi.NewListAccessEntriesPaginator(c.eks, &eksapi.ListAccessEntriesInput{ClusterName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if gone(err) {
			return nil
		}
		if err != nil {
			return awsError(err, "clean up EKS access of %s: list the access entries of cluster %s in %s", psName, name, accountID)
		}
		for _, arn := range page.AccessEntries {
			if role, ok := managedPrincipal(arn, accountID); ok && isRoleOf(role, psName) {
				mine = append(mine, arn)
			}
		}
	}
	for _, arn := range mine {
		if err := p.deleteEntry(ctx, c, accountID, name, arn); err != nil {
			return err
		}
	}
	return nil
}

// gone reports whether an EKS error says there is nothing to clean: the
// cluster (or entry) does not exist, or the cluster has access entries
// disabled.
func gone(err error) bool {
	var notFound *ekstypes.ResourceNotFoundException
	var invalid *ekstypes.InvalidRequestException
	return errors.As(err, &notFound) || errors.As(err, &invalid)
}

func (p *Provider) deleteEntry(ctx context.Context, c *clients, accountID, cluster, principal string) error {
	var policies []string
	pages := eksapi.NewListAssociatedAccessPoliciesPaginator(c.eks, &eksapi.ListAssociatedAccessPoliciesInput{
		ClusterName: aws.String(cluster), PrincipalArn: aws.String(principal),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if gone(err) {
			return nil
		}
		if err != nil {
			return awsError(err, "list the access policies of %s on cluster %s in %s", principal, cluster, accountID)
		}
		for _, ap := range page.AssociatedAccessPolicies {
			policies = append(policies, aws.ToString(ap.PolicyArn))
		}
	}
	for _, policy := range policies {
		_, err := c.eks.DisassociateAccessPolicy(ctx, &eksapi.DisassociateAccessPolicyInput{
			ClusterName: aws.String(cluster), PrincipalArn: aws.String(principal), PolicyArn: aws.String(policy),
		})
		if err != nil && !gone(err) {
			return awsError(err, "disassociate %s from %s on cluster %s in %s", policy, principal, cluster, accountID)
		}
	}
	_, err := c.eks.DeleteAccessEntry(ctx, &eksapi.DeleteAccessEntryInput{ClusterName: aws.String(cluster), PrincipalArn: aws.String(principal)})
	if err != nil && !gone(err) {
		return awsError(err, "delete the access entry of %s on cluster %s in %s", principal, cluster, accountID)
	}
	p.log.InfoContext(ctx, "EKS access entry deleted", "account", accountID, "cluster", cluster, "principal", principal, "policies", policies)
	return nil
}

// resolve validates the effect and returns its cluster, located, and the
// clients of its account and region.
func (p *Provider) resolve(ctx context.Context, e *stint.Effect) (*cluster, *clients, error) {
	cl, err := clusterOf(e)
	if err != nil {
		return nil, nil, err
	}
	c, err := p.resolveIn(ctx, cl)
	if err != nil {
		return nil, nil, fmt.Errorf("%s for %s: %w", cl, user(e), err)
	}
	return cl, c, nil
}

func (p *Provider) resolveIn(ctx context.Context, cl *cluster) (*clients, error) {
	c, region, err := p.in(ctx, cl.account, cl.region)
	if err != nil {
		return nil, err
	}
	cl.locate(region)
	return c, nil
}

func (p *Provider) sets() (PermissionSets, error) {
	if p.cfg.PermissionSets == nil {
		return nil, stint.Errorf(stint.EINVALID, "the EKS provider has no permission set provider configured; it cannot grant, revoke or check EKS access")
	}
	return p.cfg.PermissionSets, nil
}

// usable checks that the cluster exists and takes access entries. It
// returns ENOTFOUND for an unknown cluster, EINVALID when access entries
// are disabled (CONFIG_MAP) or the cluster is going away, and EUNAVAILABLE
// while it is being created.
func (p *Provider) usable(ctx context.Context, c *clients, cl *cluster) error {
	out, err := c.eks.DescribeCluster(ctx, &eksapi.DescribeClusterInput{Name: aws.String(cl.name)})
	var notFound *ekstypes.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return stint.Errorf(stint.ENOTFOUND, "EKS cluster %q not found in account %s, region %s; known: %s",
			cl.name, cl.account, cl.region, p.knownClusters(ctx, c))
	}
	if err != nil {
		return awsError(err, "describe EKS cluster %s in account %s", cl.name, cl.account)
	}
	k := out.Cluster
	mode := ekstypes.AuthenticationModeConfigMap // clusters older than access entries have no accessConfig
	if k.AccessConfig != nil && k.AccessConfig.AuthenticationMode != "" {
		mode = k.AccessConfig.AuthenticationMode
	}
	switch {
	case mode == ekstypes.AuthenticationModeConfigMap:
		return stint.Errorf(stint.EINVALID,
			"EKS cluster %s in account %s authenticates only through the aws-auth ConfigMap (authentication mode CONFIG_MAP), so stint cannot give access with an access entry; "+
				"enable access entries: aws eks update-cluster-config --name %s --region %s --access-config authenticationMode=API_AND_CONFIG_MAP (or API)",
			cl.name, cl.account, cl.name, cl.region)
	case k.Status == ekstypes.ClusterStatusCreating || k.Status == ekstypes.ClusterStatusPending:
		return stint.Errorf(stint.EUNAVAILABLE, "EKS cluster %s in account %s is still %s; the grant is retried", cl.name, cl.account, k.Status)
	case k.Status == ekstypes.ClusterStatusDeleting || k.Status == ekstypes.ClusterStatusFailed:
		return stint.Errorf(stint.EINVALID, "EKS cluster %s in account %s is %s; access to it cannot be given", cl.name, cl.account, k.Status)
	}
	if arn := aws.ToString(k.Arn); arn != "" && arn != cl.arn {
		p.log.WarnContext(ctx, "EKS cluster ARN differs from the effect's", "effect_arn", cl.arn, "arn", arn)
		cl.arn = arn
	}
	return nil
}

// knownClusters names some clusters of the account and region for messages.
func (p *Provider) knownClusters(ctx context.Context, c *clients) string {
	out, err := c.eks.ListClusters(ctx, &eksapi.ListClustersInput{MaxResults: aws.Int32(20)})
	if err != nil {
		return "(could not list them: " + awsMessage(err) + ")"
	}
	if len(out.Clusters) == 0 {
		return "(none)"
	}
	s := strings.Join(out.Clusters, ", ")
	if out.NextToken != nil {
		s += ", ..."
	}
	return s
}

// ensureEntry makes sure the cluster has a STANDARD access entry for the
// role with the level's policy in the grant's scope and no other policy:
// the entry belongs to the role of this one cluster, namespace and level.
func (p *Provider) ensureEntry(ctx context.Context, c *clients, cl *cluster, role string) error {
	_, err := c.eks.CreateAccessEntry(ctx, &eksapi.CreateAccessEntryInput{
		ClusterName: aws.String(cl.name), PrincipalArn: aws.String(role), Type: aws.String("STANDARD"),
	})
	var inUse *ekstypes.ResourceInUseException
	switch {
	case errors.As(err, &inUse):
		// Made by an earlier grant of this permission set.
	case err != nil:
		return awsError(err, "create the access entry of %s on EKS cluster %s", role, cl.name)
	default:
		p.log.InfoContext(ctx, "EKS access entry created", "account", cl.account, "cluster", cl.name, "principal", role)
	}
	got, err := p.associated(ctx, c, cl, role)
	if err != nil {
		return err
	}
	want := accessPolicyARN(cl.partition, cl.level)
	if scope, ok := got[want]; !ok || !sameScope(scope, cl.scope()) {
		scope := cl.scope()
		if _, err := c.eks.AssociateAccessPolicy(ctx, &eksapi.AssociateAccessPolicyInput{
			ClusterName: aws.String(cl.name), PrincipalArn: aws.String(role), PolicyArn: aws.String(want), AccessScope: &scope,
		}); err != nil {
			return awsError(err, "associate %s with the access entry of %s on EKS cluster %s", want, role, cl.name)
		}
	}
	for policy := range got {
		if policy == want {
			continue
		}
		p.log.WarnContext(ctx, "removing an access policy stint did not give from its access entry", "account", cl.account,
			"cluster", cl.name, "principal", role, "policy", policy, "level_policy", isLevelPolicy(cl.partition, policy))
		if _, err := c.eks.DisassociateAccessPolicy(ctx, &eksapi.DisassociateAccessPolicyInput{
			ClusterName: aws.String(cl.name), PrincipalArn: aws.String(role), PolicyArn: aws.String(policy),
		}); err != nil && !gone(err) {
			return awsError(err, "disassociate %s from the access entry of %s on EKS cluster %s", policy, role, cl.name)
		}
	}
	return nil
}

// associated returns the access entry's policies and their scopes; a
// missing entry is ENOTFOUND.
func (p *Provider) associated(ctx context.Context, c *clients, cl *cluster, role string) (map[string]ekstypes.AccessScope, error) {
	got := map[string]ekstypes.AccessScope{}
	pages := eksapi.NewListAssociatedAccessPoliciesPaginator(c.eks, &eksapi.ListAssociatedAccessPoliciesInput{
		ClusterName: aws.String(cl.name), PrincipalArn: aws.String(role),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, awsError(err, "list the access policies of %s on EKS cluster %s in %s", role, cl.name, cl.account)
		}
		for _, ap := range page.AssociatedAccessPolicies {
			if ap.AccessScope != nil {
				got[aws.ToString(ap.PolicyArn)] = *ap.AccessScope
			}
		}
	}
	return got, nil
}

// scope is the grant's access scope: the cluster, or its namespace.
func (c *cluster) scope() ekstypes.AccessScope {
	if c.namespace == "" {
		return ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}
	}
	return ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{c.namespace}}
}

func sameScope(a, b ekstypes.AccessScope) bool {
	x, y := slices.Clone(a.Namespaces), slices.Clone(b.Namespaces)
	slices.Sort(x)
	slices.Sort(y)
	return a.Type == b.Type && slices.Equal(x, y)
}

// user names the effect's user in messages.
func user(e *stint.Effect) string {
	if e.Subject != "" {
		return fmt.Sprintf("user %s (%s)", e.Subject, e.PrincipalID)
	}
	return "user " + e.PrincipalID
}
