package eks

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	eksapi "github.com/aws/aws-sdk-go-v2/service/eks"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint"
)

// Discover lists the EKS clusters of the accounts in each of Regions (or the
// account configuration's region), at most Parallelism accounts and
// regions at once: ListClusters, then DescribeCluster of each. A resource
// has the cluster's name, ARN, region and tags, and the attributes
// "version", "authentication_mode" (CONFIG_MAP for clusters without an
// access configuration) and "status". An account stint cannot reach is a
// DiscoveryError without a type; one whose EKS refuses or fails is a
// DiscoveryError of type aws-eks, and the other accounts are still read.
// The error return is for the context ending.
func (p *Provider) Discover(ctx context.Context, t stint.ResourceType, accounts []stint.Account, _ stint.DiscoverOptions) ([]stint.Resource, []stint.DiscoveryError, error) {
	if t != stint.ResourceEKS {
		return nil, nil, stint.Errorf(stint.EINVALID, "the EKS provider discovers %s resources, not %s", stint.ResourceEKS, t)
	}
	regions := p.cfg.Regions
	if len(regions) == 0 {
		regions = []string{""} // the account configuration's
	}
	var (
		mu    sync.Mutex
		found []stint.Resource
		errs  []stint.DiscoveryError
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.cfg.Parallelism)
	for _, a := range accounts {
		for _, region := range regions {
			g.Go(func() error {
				rs, derr := p.discover(gctx, a.ID, region)
				mu.Lock()
				defer mu.Unlock()
				found = append(found, rs...)
				if derr != nil {
					errs = append(errs, *derr)
				}
				return nil
			})
		}
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(found, func(a, b stint.Resource) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(errs, func(a, b stint.DiscoveryError) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Error, b.Error))
	})
	errs = slices.Compact(errs) // one AssumeRole failure, not one per region
	return found, errs, nil
}

// discover reads one account and region.
func (p *Provider) discover(ctx context.Context, accountID, region string) ([]stint.Resource, *stint.DiscoveryError) {
	c, region, err := p.in(ctx, accountID, region)
	if err != nil {
		return nil, &stint.DiscoveryError{AccountID: accountID, Error: stint.ErrorMessage(err)}
	}
	fail := func(err error) ([]stint.Resource, *stint.DiscoveryError) {
		return nil, &stint.DiscoveryError{AccountID: accountID, Type: stint.ResourceEKS, Error: err.Error()}
	}
	var names []string
	pages := eksapi.NewListClustersPaginator(c.eks, &eksapi.ListClustersInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fail(awsError(err, "list EKS clusters in account %s, region %s", accountID, region))
		}
		names = append(names, page.Clusters...)
	}
	out := make([]stint.Resource, 0, len(names))
	for _, name := range names {
		d, err := c.eks.DescribeCluster(ctx, &eksapi.DescribeClusterInput{Name: aws.String(name)})
		if gone(err) {
			continue // deleted since it was listed
		}
		if err != nil {
			return fail(awsError(err, "describe EKS cluster %s in account %s, region %s", name, accountID, region))
		}
		k := d.Cluster
		mode := "CONFIG_MAP"
		if k.AccessConfig != nil && k.AccessConfig.AuthenticationMode != "" {
			mode = string(k.AccessConfig.AuthenticationMode)
		}
		r := stint.Resource{
			Type: stint.ResourceEKS, AccountID: accountID, Name: name, ARN: aws.ToString(k.Arn), Region: region,
			Attributes: map[string]string{"version": aws.ToString(k.Version), "authentication_mode": mode, "status": string(k.Status)},
		}
		if len(k.Tags) > 0 {
			r.Tags = k.Tags
		}
		out = append(out, r)
	}
	return out, nil
}
