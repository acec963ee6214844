package identitycenter

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/stint-dev/stint"
)

var _ stint.Provider = (*Provider)(nil)

// Provider defaults not set by the Limiter or the retry policy.
const (
	DefaultPollInterval           = time.Second
	DefaultFirstPoll              = 250 * time.Millisecond
	DefaultOperationTimeout       = 5 * time.Minute
	DefaultOrganizationsRateLimit = 10.0
	DefaultParallelism            = 8
)

// Config configures a Provider. Zero fields take the documented defaults.
type Config struct {
	// AWS is the SDK configuration. When it is the zero value, New loads the
	// default one (environment, shared config files, SSO, IMDS; honours
	// AWS_ENDPOINT_URL) with Region. Its retryer is not used: the provider
	// retries as MaxAttempts, RetryBaseDelay and MaxBackoff say.
	AWS aws.Config
	// Region of the Identity Center instance. Default: AWS.Region, or the
	// SDK's default region (AWS_REGION) when AWS is loaded.
	Region string
	// InstanceARN is the Identity Center instance. Default: discovered with
	// ListInstances, which must list exactly one.
	InstanceARN string

	// Limiter is shared with other Identity Center callers in this process.
	// Default: a new Limiter from RateLimit, Burst, MaxCreatesInFlight and
	// OnLimiterWait, which are ignored when Limiter is set.
	Limiter *Limiter
	// RateLimit is calls per second across all Identity Center APIs,
	// sso-admin and identitystore alike; default 20.
	RateLimit float64
	// Burst is how many calls may go out back to back; default 1.
	Burst int
	// MaxCreatesInFlight bounds assignment creations in progress; default 10.
	MaxCreatesInFlight int
	// OnLimiterWait, if set, is called with the operation name each time a
	// call attempt is handed to the limiter, before it waits for a token.
	OnLimiterWait func(op string)
	// OrganizationsRateLimit is calls per second to AWS Organizations, which
	// has its own, unpublished, limits; default 10.
	OrganizationsRateLimit float64

	// PollInterval is the time between assignment status checks; default 1s.
	PollInterval time.Duration
	// FirstPoll is the wait before the first status check; default 250ms.
	FirstPoll time.Duration
	// OperationTimeout bounds one Grant or Revoke, retries and polling
	// included; default 5m.
	OperationTimeout time.Duration

	// MaxAttempts is the most attempts per call, the first included;
	// default 10.
	MaxAttempts int
	// RetryBaseDelay is the ceiling of the first backoff, doubled at each
	// retry; default 200ms.
	RetryBaseDelay time.Duration
	// MaxBackoff caps the backoff between attempts; default 20s.
	MaxBackoff time.Duration

	// Parallelism bounds concurrent per-item calls while reading the
	// directory (group memberships, account tags, permission sets);
	// default 8. The limiters still pace them.
	Parallelism int
	// Logger receives operational logs; default slog.Default().
	Logger *slog.Logger
}

// Provider implements stint.Provider with IAM Identity Center account
// assignments. It is safe for concurrent use.
type Provider struct {
	sso  *ssoadmin.Client
	ids  *identitystore.Client
	orgs *organizations.Client

	limiter          *Limiter
	log              *slog.Logger
	instanceARN      string
	identityStoreID  string
	pollInterval     time.Duration
	firstPoll        time.Duration
	operationTimeout time.Duration
	parallelism      int
	pageSize         int32 // 0: the service's default; tests set it small

	mu        sync.Mutex
	psNames   map[string]string // permission set ARN -> name, for messages
	userNames map[string]string // user ID -> user name, for messages
}

// New returns a Provider. It loads the AWS configuration if needed and finds
// the Identity Center instance and its identity store. It returns EINVALID
// when the instance cannot be determined and EUNAVAILABLE or EFORBIDDEN when
// AWS cannot be reached or refuses.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	awsCfg, err := loadAWS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	lim := cfg.Limiter
	if lim == nil {
		lim = NewLimiter(LimiterConfig{
			Rate: cfg.RateLimit, Burst: cfg.Burst, MaxCreatesInFlight: cfg.MaxCreatesInFlight, OnWait: cfg.OnLimiterWait,
		})
	}
	orgLim := NewLimiter(LimiterConfig{Rate: cmp.Or(cfg.OrganizationsRateLimit, DefaultOrganizationsRateLimit)})
	retries := retryPolicy{
		maxAttempts: cmp.Or(cfg.MaxAttempts, DefaultMaxAttempts),
		baseDelay:   cmp.Or(cfg.RetryBaseDelay, DefaultRetryBaseDelay),
		maxBackoff:  cmp.Or(cfg.MaxBackoff, DefaultMaxBackoff),
	}
	p := &Provider{
		sso: ssoadmin.NewFromConfig(awsCfg, func(o *ssoadmin.Options) {
			o.Retryer, o.RetryMaxAttempts = retries.retryer(true), 0
			o.APIOptions = append(o.APIOptions, lim.AddToStack)
		}),
		ids: identitystore.NewFromConfig(awsCfg, func(o *identitystore.Options) {
			o.Retryer, o.RetryMaxAttempts = retries.retryer(false), 0
			o.APIOptions = append(o.APIOptions, lim.AddToStack)
		}),
		orgs: organizations.NewFromConfig(awsCfg, func(o *organizations.Options) {
			o.Retryer, o.RetryMaxAttempts = retries.retryer(false), 0
			o.APIOptions = append(o.APIOptions, orgLim.AddToStack)
		}),
		limiter:          lim,
		log:              cmp.Or(cfg.Logger, slog.Default()),
		pollInterval:     cmp.Or(cfg.PollInterval, DefaultPollInterval),
		firstPoll:        cmp.Or(cfg.FirstPoll, DefaultFirstPoll),
		operationTimeout: cmp.Or(cfg.OperationTimeout, DefaultOperationTimeout),
		parallelism:      cmp.Or(cfg.Parallelism, DefaultParallelism),
		psNames:          map[string]string{},
		userNames:        map[string]string{},
	}
	if err := p.findInstance(ctx, cfg.InstanceARN); err != nil {
		return nil, err
	}
	return p, nil
}

// InstanceARN returns the Identity Center instance the provider manages.
func (p *Provider) InstanceARN() string { return p.instanceARN }

// IdentityStoreID returns the instance's identity store.
func (p *Provider) IdentityStoreID() string { return p.identityStoreID }

// Limiter returns the limiter every Identity Center call goes through, to
// share with other callers.
func (p *Provider) Limiter() *Limiter { return p.limiter }

func loadAWS(ctx context.Context, cfg Config) (aws.Config, error) {
	if !reflect.ValueOf(cfg.AWS).IsZero() {
		awsCfg := cfg.AWS.Copy()
		awsCfg.Region = cmp.Or(cfg.Region, awsCfg.Region)
		if awsCfg.Region == "" {
			return aws.Config{}, stint.Errorf(stint.EINVALID, "no AWS region: set the Identity Center region in the configuration")
		}
		return awsCfg, nil
	}
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, stint.Errorf(stint.EINVALID, "load AWS configuration: %v; check AWS_PROFILE, AWS_REGION and the shared config files", err)
	}
	if awsCfg.Region == "" {
		return aws.Config{}, stint.Errorf(stint.EINVALID, "no AWS region: set the Identity Center region in the configuration or AWS_REGION")
	}
	return awsCfg, nil
}

// findInstance sets the instance ARN and identity store ID.
func (p *Provider) findInstance(ctx context.Context, want string) error {
	var found []string
	pages := ssoadmin.NewListInstancesPaginator(p.sso, &ssoadmin.ListInstancesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return awsError(err, "list Identity Center instances")
		}
		for _, in := range page.Instances {
			arn := aws.ToString(in.InstanceArn)
			found = append(found, arn)
			if want == "" || arn == want {
				p.instanceARN, p.identityStoreID = arn, aws.ToString(in.IdentityStoreId)
			}
		}
	}
	switch {
	case want != "" && p.instanceARN == "":
		return stint.Errorf(stint.EINVALID, "Identity Center instance %s not found in this account and region; found: %s", want, listOrNone(found))
	case want == "" && len(found) == 0:
		return stint.Errorf(stint.EINVALID, "no Identity Center instance in this account and region; enable IAM Identity Center or set the region of the instance")
	case want == "" && len(found) > 1:
		return stint.Errorf(stint.EINVALID, "%d Identity Center instances found (%s); set the instance ARN in the configuration", len(found), strings.Join(found, ", "))
	}
	return nil
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// psName names a permission set in messages: its name when the directory
// was read, else its ARN.
func (p *Provider) psName(arn string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if name, ok := p.psNames[arn]; ok {
		return name
	}
	return arn
}

// userName names a user in messages: their user name when the directory was
// read, else their ID.
func (p *Provider) userName(id string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if name, ok := p.userNames[id]; ok {
		return fmt.Sprintf("%s (%s)", name, id)
	}
	return id
}
