// Package account reaches an organisation's member accounts: it assumes a
// role in each (by default OrganizationAccountAccessRole, which
// Organizations creates in accounts it makes) with the standard credential
// chain's identity, and caches the temporary credentials until shortly
// before they expire. The account the base credentials belong to is used
// as it is.
package account

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/stint-dev/stint"
)

// DefaultRoleName is the role assumed in member accounts.
const DefaultRoleName = "OrganizationAccountAccessRole"

// DefaultSessionName names stint's sessions in member accounts (CloudTrail
// shows it).
const DefaultSessionName = "stint"

// Config configures an Assumer.
type Config struct {
	// AWS is the base configuration: region, endpoint and the credentials
	// that may assume RoleName in member accounts. Required.
	AWS aws.Config
	// RoleName is the role assumed in each member account. Default:
	// OrganizationAccountAccessRole.
	RoleName string
	// SessionName names the sessions. Default: "stint".
	SessionName string
	// ExternalID, if set, is sent with every AssumeRole.
	ExternalID string
}

// Assumer hands out SDK configurations acting in member accounts. It is
// safe for concurrent use.
type Assumer struct {
	cfg Config
	sts *sts.Client

	mu      sync.Mutex
	self    string // the base credentials' account, once asked
	configs map[string]aws.Config
}

// New returns an Assumer.
func New(cfg Config) *Assumer {
	cfg.RoleName = cmp.Or(cfg.RoleName, DefaultRoleName)
	cfg.SessionName = cmp.Or(cfg.SessionName, DefaultSessionName)
	return &Assumer{cfg: cfg, sts: sts.NewFromConfig(cfg.AWS), configs: map[string]aws.Config{}}
}

// RoleName returns the role assumed in member accounts.
func (a *Assumer) RoleName() string { return a.cfg.RoleName }

// For returns an SDK configuration acting in the account. It assumes the
// role once per account and checks the credentials at once, so a denied
// AssumeRole is reported here, as EFORBIDDEN saying which role in which
// account; an unreachable STS is EUNAVAILABLE.
func (a *Assumer) For(ctx context.Context, accountID string) (aws.Config, error) {
	self, err := a.Self(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	if accountID == self {
		return a.cfg.AWS, nil
	}
	a.mu.Lock()
	cfg, ok := a.configs[accountID]
	a.mu.Unlock()
	if ok {
		return cfg, nil
	}
	role := a.roleARN(accountID)
	cfg = a.cfg.AWS.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(a.sts, role, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = a.cfg.SessionName
		if a.cfg.ExternalID != "" {
			o.ExternalID = aws.String(a.cfg.ExternalID)
		}
	}))
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, assumeError(accountID, role, err)
	}
	a.mu.Lock()
	a.configs[accountID] = cfg
	a.mu.Unlock()
	return cfg, nil
}

// Self returns the account of the base credentials (asked of STS once).
func (a *Assumer) Self(ctx context.Context) (string, error) {
	a.mu.Lock()
	self := a.self
	a.mu.Unlock()
	if self != "" {
		return self, nil
	}
	out, err := a.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", stint.Errorf(stint.EUNAVAILABLE, "ask STS which account stint's credentials belong to: %v", err)
	}
	a.mu.Lock()
	a.self = aws.ToString(out.Account)
	a.mu.Unlock()
	return aws.ToString(out.Account), nil
}

func (a *Assumer) roleARN(accountID string) string {
	partition := "aws"
	if r := a.cfg.AWS.Region; len(r) > 3 && r[:3] == "cn-" {
		partition = "aws-cn"
	} else if len(r) > 7 && r[:7] == "us-gov-" {
		partition = "aws-us-gov"
	}
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, accountID, a.cfg.RoleName)
}

// assumeError says why a member account cannot be reached.
func assumeError(accountID, role string, err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "ExpiredToken", "RegionDisabledException":
			return stint.Errorf(stint.EFORBIDDEN, "cannot reach account %s: AssumeRole of %s was refused (%s: %s); check that the role exists and trusts stint's identity",
				accountID, role, apiErr.ErrorCode(), apiErr.ErrorMessage())
		}
	}
	return stint.Errorf(stint.EUNAVAILABLE, "cannot reach account %s: AssumeRole of %s: %v", accountID, role, err)
}
