package app

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/jobs"
	"github.com/stint-dev/stint/provider"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/eks"
	"github.com/stint-dev/stint/provider/iam"
	"github.com/stint-dev/stint/provider/scoped"
)

// Collection of stint's unused permission sets (S3, EC2, EKS, RDS).
const (
	collectInterval = 15 * time.Minute
	collectAfter    = time.Hour // unused this long before it goes
)

// providers are the resource providers around Identity Center.
type providers struct {
	scoped *scoped.Provider
	eks    *eks.Provider
}

// members returns the Assumer of member accounts: one per server, shared
// by the providers and the externals' broker, so that each account's
// member role is assumed once.
func (m *Main) members(cfg *config.Config, ac aws.Config) *account.Assumer {
	if m.assumer == nil {
		m.assumer = account.New(account.Config{AWS: ac, RoleName: cfg.AWS.MemberRole})
	}
	return m.assumer
}

// newProviders builds the Identity Center provider and, around it, the
// router that sends every other resource type to its provider, reaching
// member accounts through the configured member role.
func (m *Main) newProviders(ctx context.Context, cfg *config.Config, mets *metrics) (stint.Provider, error) {
	ic, err := m.newProvider(ctx, cfg, mets)
	if err != nil {
		return nil, err
	}
	m.identity = ic
	assumer := m.members(cfg, *m.awsConfig)
	iamp, err := iam.New(iam.Config{Assumer: assumer, Logger: m.Logger})
	if err != nil {
		return nil, err
	}
	p := &providers{}
	p.scoped, err = scoped.New(scoped.Config{IdentityCenter: ic, Assumer: assumer, Region: cfg.AWS.Region,
		S3PathStyle: localEndpoint(cfg.AWS.Endpoint), Logger: m.Logger, BeforeCollect: p.beforeCollect})
	if err != nil {
		return nil, err
	}
	p.eks, err = eks.New(eks.Config{Accounts: assumer, PermissionSets: eks.Scoped(p.scoped), Regions: []string{cfg.AWS.Region}, Logger: m.Logger})
	if err != nil {
		return nil, err
	}
	m.resources = p
	return &provider.Router{
		Identity: ic,
		Effects: map[stint.ResourceType]stint.EffectProvider{
			stint.ResourceIAMGroup: iamp, stint.ResourceIAMRole: iamp,
			stint.ResourceS3: p.scoped, stint.ResourceEC2: p.scoped, stint.ResourceRDS: p.scoped,
			stint.ResourceEKS: p.eks,
		},
		Discoverers: []stint.Discoverer{iamp, p.scoped, p.eks},
		Wanted:      func() []stint.Selector { return provider.Selectors(m.cfg.Load().Flows) },
		Logger:      m.Logger,
	}, nil
}

// tasks are the periodic maintenance jobs of the resource providers.
func (p *providers) tasks() []jobs.Task {
	if p == nil {
		return nil
	}
	return []jobs.Task{{Name: "collect_permission_sets", Interval: collectInterval, Run: func(ctx context.Context) error {
		_, err := p.scoped.Collect(ctx, collectAfter)
		return err
	}}}
}

// beforeCollect removes the EKS access entry of an EKS permission set's
// role before the permission set goes.
func (p *providers) beforeCollect(ctx context.Context, name string, tags map[string]string) error {
	if tags[scoped.TagKind] != string(stint.ResourceEKS) || p.eks == nil {
		return nil
	}
	target := tags[scoped.TagTarget]
	if target == "" {
		return nil // made before targets were tagged: nothing to find the cluster by
	}
	cluster, _, _ := strings.Cut(strings.SplitN(target, ":", 2)[0], "/")
	return p.eks.Cleanup(ctx, tags[scoped.TagAccount], cluster, name)
}

// localEndpoint reports whether the AWS endpoint is a local emulator
// (moto): S3 then needs path-style addressing, as bucket.localhost does not
// resolve.
func localEndpoint(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || endpoint == "" {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "::1" || strings.HasPrefix(h, "127.")
}
