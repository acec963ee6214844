package eks

import (
	"cmp"
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eksapi "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/stint-dev/stint"
)

var (
	_ stint.EffectProvider = (*Provider)(nil)
	_ stint.Discoverer     = (*Provider)(nil)
)

// Defaults.
const (
	DefaultRoleWait     = 5 * time.Minute
	DefaultRolePoll     = 2 * time.Second
	DefaultRolePollMax  = 20 * time.Second
	DefaultParallelism  = 8
	defaultPartition    = "aws"
	identityCenterPath  = "/aws-reserved/sso.amazonaws.com/"
	identityCenterRoles = "AWSReservedSSO_"
)

// Accounts hands out SDK configurations acting in member accounts;
// *account.Assumer is one. Errors should be coded (EFORBIDDEN when the
// account refuses, EUNAVAILABLE when it cannot be reached).
type Accounts interface {
	For(ctx context.Context, accountID string) (aws.Config, error)
}

// Config configures a Provider. Zero fields take the documented defaults.
type Config struct {
	// Accounts reaches member accounts. Required.
	Accounts Accounts
	// PermissionSets makes and assigns the permission sets grants need.
	// Required by Grant, Revoke and Exists; discovery works without.
	PermissionSets PermissionSets
	// Regions are the regions discovery lists clusters in. Default: the
	// region of the configurations Accounts returns. Effects name their
	// cluster's region in its ARN (Spec "arn"); without one, the first
	// region is used.
	Regions []string
	// RoleWait bounds the wait for Identity Center to make a permission
	// set's role in the account after Ensure; default 5m. A grant that
	// outwaits it fails with EUNAVAILABLE and is retried.
	RoleWait time.Duration
	// RolePoll is the first delay between looks for the role, doubled at
	// each look up to RolePollMax; defaults 2s and 20s.
	RolePoll    time.Duration
	RolePollMax time.Duration
	// Parallelism bounds the accounts (and regions) discovered at once;
	// default 8.
	Parallelism int
	// Logger receives operational logs; default slog.Default().
	Logger *slog.Logger
}

// Provider makes aws-eks effects real and discovers EKS clusters. It is safe
// for concurrent use.
type Provider struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	clients map[string]*clients // "ACCOUNT/REGION"
}

type clients struct {
	eks *eksapi.Client
	iam *iam.Client
}

// New returns a Provider. It returns EINVALID when Accounts is missing.
func New(cfg Config) (*Provider, error) {
	if cfg.Accounts == nil {
		return nil, stint.Errorf(stint.EINVALID, "the EKS provider needs a way to reach member accounts (Accounts)")
	}
	cfg.RoleWait = cmp.Or(cfg.RoleWait, DefaultRoleWait)
	cfg.RolePoll = cmp.Or(cfg.RolePoll, DefaultRolePoll)
	cfg.RolePollMax = max(cmp.Or(cfg.RolePollMax, DefaultRolePollMax), cfg.RolePoll)
	cfg.Parallelism = cmp.Or(cfg.Parallelism, DefaultParallelism)
	return &Provider{cfg: cfg, log: cmp.Or(cfg.Logger, slog.Default()), clients: map[string]*clients{}}, nil
}

// Types lists the resource types the provider discovers: aws-eks.
func (p *Provider) Types() []stint.ResourceType { return []stint.ResourceType{stint.ResourceEKS} }

// in returns the clients acting in the account and region (region "" is the
// account configuration's). Errors of Accounts are returned as they are.
func (p *Provider) in(ctx context.Context, accountID, region string) (*clients, string, error) {
	cfg, err := p.cfg.Accounts.For(ctx, accountID)
	if err != nil {
		return nil, "", err
	}
	region = cmp.Or(region, firstOr(p.cfg.Regions, cfg.Region))
	if region == "" {
		return nil, "", stint.Errorf(stint.EINVALID, "no AWS region for EKS in account %s: set the EKS provider's regions or AWS_REGION", accountID)
	}
	key := accountID + "/" + region
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[key]; ok {
		return c, region, nil
	}
	cfg = cfg.Copy()
	cfg.Region = region
	c := &clients{eks: eksapi.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg)}
	p.clients[key] = c
	return c, region, nil
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// cluster is what an effect says of its cluster and the access asked for.
type cluster struct {
	account, region, partition string
	name, namespace, level     string
	target                     string // "NAME[/NAMESPACE]:LEVEL"
	arn                        string // "" until known
}

// clusterOf validates an aws-eks effect and returns its cluster. The target
// is checked as a resource ID is; Spec's name, level and namespace, when
// present, must agree with it.
func clusterOf(e *stint.Effect) (*cluster, error) {
	if e == nil {
		return nil, stint.Errorf(stint.EINVALID, "no effect given")
	}
	if e.Type() != stint.ResourceEKS {
		return nil, stint.Errorf(stint.EINVALID, "effect %s is of kind %q; the EKS provider handles %q", e.Key, e.Kind, stint.ResourceEKS)
	}
	if !isAccountID(e.AccountID) {
		return nil, stint.Errorf(stint.EINVALID, "effect %s: account ID %q is not 12 digits", e.Key, e.AccountID)
	}
	if e.PrincipalID == "" {
		return nil, stint.Errorf(stint.EINVALID, "effect %s has no principal ID (the identity store user ID)", e.Key)
	}
	ref, err := stint.ParseResourceID(string(stint.ResourceEKS) + ":" + e.AccountID + "/" + e.Target)
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "effect %s: %s", e.Key, stint.ErrorMessage(err))
	}
	for key, want := range map[string]string{"name": ref.Name, "level": ref.Level, "namespace": ref.Namespace} {
		if got, ok := e.Spec[key]; ok && got != want {
			return nil, stint.Errorf(stint.EINVALID, "effect %s: spec %s %q disagrees with its target %q", e.Key, key, got, e.Target)
		}
	}
	c := &cluster{account: e.AccountID, name: ref.Name, namespace: ref.Namespace, level: ref.Level, target: e.Target}
	if arn := e.Spec["arn"]; arn != "" {
		parts := strings.Split(arn, ":")
		if len(parts) != 6 || parts[2] != "eks" || parts[4] != e.AccountID || parts[5] != "cluster/"+ref.Name {
			return nil, stint.Errorf(stint.EINVALID, "effect %s: spec arn %q is not the ARN of EKS cluster %s in account %s", e.Key, arn, ref.Name, e.AccountID)
		}
		c.partition, c.region, c.arn = parts[1], parts[3], arn
	}
	return c, nil
}

// locate fills in the region and ARN of a cluster whose effect named none.
func (c *cluster) locate(region string) {
	if c.region == "" {
		c.region = region
	}
	if c.partition == "" {
		c.partition = partitionOf(c.region)
	}
	if c.arn == "" {
		c.arn = "arn:" + c.partition + ":eks:" + c.region + ":" + c.account + ":cluster/" + c.name
	}
}

func (c *cluster) String() string {
	s := c.level + " on EKS cluster " + c.name
	if c.namespace != "" {
		s += ", namespace " + c.namespace
	}
	return s + " in " + c.account
}

// partitionOf returns the partition of a region.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return defaultPartition
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// cutoff reports whether the effect asks for sessions to be cut off.
func cutoff(e *stint.Effect) bool {
	v := e.Spec["cutoff"]
	return v != "" && v != "false"
}
