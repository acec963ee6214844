// Package broker issues third-party (external) users their AWS
// credentials: it assumes the broker role (default StintExternalBroker)
// in the account of the granted resource, with stint's own credentials,
// passing a session policy made by provider/scoped's policy builders for
// exactly that bucket, instance or database, and a duration the caller
// has bounded by the grant's remaining time. What the credentials can do
// is the intersection of the broker role's permissions and the session
// policy: the role may be broad, the session is not. Session names are
// "GRANT.EMAIL", so that CutOff can end one grant's credentials early: a
// statement in the broker role's inline policy stint-external-cutoff,
// written through the member role, denies everything to that grant's
// sessions issued before the revocation (aws:userid and
// aws:TokenIssueTime), until they would have expired anyway.
package broker

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/awserr"
	"github.com/stint-dev/stint/provider/scoped"
)

// DefaultRoleName is the broker role's name in each resource account.
const DefaultRoleName = "StintExternalBroker"

// MaxPolicyChars is the most characters AWS takes in a session policy
// (the plain text of an inline session policy).
const MaxPolicyChars = 2048

// Config configures a Broker.
type Config struct {
	// AWS is stint's SDK configuration (the standard credential chain,
	// the region, the endpoint): its identity assumes the broker roles.
	// Required.
	AWS aws.Config
	// RoleName is the broker role in each account. Default:
	// StintExternalBroker.
	RoleName string
	// Region is where EC2 instances and RDS databases are when the grant
	// does not say (discovery records each resource's region). Default:
	// AWS.Region.
	Region string
	// ExternalID, when set, is sent with every AssumeRole of a broker role.
	ExternalID string
	// Assumer reaches member accounts (the member role) to put the cut-off
	// policy on the broker role (CutOff). Without it CutOff is refused.
	Assumer *account.Assumer
	// CutoffTries bounds the writes of one cut-off before it is left to a
	// retry; CutoffBackoff is the wait before the second (growing by as
	// much each time). Defaults: 5 and 1s.
	CutoffTries   int
	CutoffBackoff time.Duration
}

// Broker is a stint.CredentialBroker. It is safe for concurrent use.
type Broker struct {
	cfg       Config
	sts       *sts.Client
	partition string
}

var (
	_ stint.CredentialBroker = (*Broker)(nil)
	_ stint.SessionCutter    = (*Broker)(nil)
)

var classifier = awserr.Classifier{Service: "STS",
	Forbidden: "the broker role must exist in that account and trust stint's identity with sts:AssumeRole; see docs/external.md",
	Codes: map[string]awserr.Rule{
		"ValidationError":         {Code: stint.EINVALID, Hint: "is the duration within the broker role's MaxSessionDuration (externals.max_session)?"},
		"MalformedPolicyDocument": {Code: stint.EINVALID},
		"PackedPolicyTooLarge":    {Code: stint.EINVALID},
		"RegionDisabledException": {Code: stint.EFORBIDDEN, Hint: "activate STS in the region"},
	}}

// New returns a Broker. It returns EINVALID without a region; it calls
// no AWS API.
func New(cfg Config) (*Broker, error) {
	cfg.RoleName = cmp.Or(cfg.RoleName, DefaultRoleName)
	cfg.Region = cmp.Or(cfg.Region, cfg.AWS.Region)
	cfg.CutoffTries = cmp.Or(cfg.CutoffTries, 5)
	cfg.CutoffBackoff = cmp.Or(cfg.CutoffBackoff, time.Second)
	if cfg.Region == "" {
		return nil, stint.Errorf(stint.EINVALID, "the credential broker needs a region")
	}
	return &Broker{cfg: cfg, sts: sts.NewFromConfig(cfg.AWS), partition: Partition(cfg.Region)}, nil
}

// Partition returns the AWS partition of a region.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// RoleARN returns the broker role's ARN in the account.
func (b *Broker) RoleARN(accountID string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", b.partition, accountID, b.cfg.RoleName)
}

// SessionPolicy returns the session policy of a grant: provider/scoped's
// policy of the grant's type for exactly its resource (S3: the bucket at
// the level; EC2: Session Manager on the instance; RDS: rds-db:connect as
// the database user). It returns EINVALID for another type, a malformed
// resource, an RDS instance without IAM authentication or its
// dbi_resource_id, and a policy longer than AWS takes.
func SessionPolicy(partition, region string, g *stint.Grant) (string, error) {
	ref, err := stint.ParseResourceID(g.ResourceID) // names checked: no wildcard reaches a Resource
	if err != nil {
		return "", err
	}
	if ref.Type != g.Type.Or() || ref.AccountID != g.AccountID || ref.Name != g.Name || ref.Level != g.Level {
		return "", stint.Errorf(stint.EINVALID, "grant %s: its resource ID %s does not match its fields", g.ID, g.ResourceID)
	}
	if r := g.Attributes["region"]; r != "" {
		region = r
	}
	if !regionForm.MatchString(region) {
		return "", stint.Errorf(stint.EINVALID, "grant %s: %q is not an AWS region", g.ID, region)
	}
	var policy string
	switch ref.Type {
	case stint.ResourceS3:
		policy = scoped.S3Policy(partition, ref.Name, ref.Level)
	case stint.ResourceEC2:
		policy = scoped.EC2Policy(partition, region, ref.AccountID, ref.Name)
	case stint.ResourceRDS:
		dbi := g.Attributes["dbi_resource_id"]
		if !dbiForm.MatchString(dbi) {
			return "", stint.Errorf(stint.EINVALID, "RDS instance %s in %s has no usable dbi_resource_id; sync the directory so that discovery reads it", ref.Name, ref.AccountID)
		}
		if on, err := strconv.ParseBool(g.Attributes["iam_auth"]); err == nil && !on {
			return "", stint.Errorf(stint.EINVALID, "RDS instance %s in %s has IAM database authentication off; turn it on before access can be given", ref.Name, ref.AccountID)
		}
		policy = scoped.RDSPolicy(partition, region, ref.AccountID, ref.Name, dbi, ref.Level)
	default:
		return "", stint.Errorf(stint.EINVALID, "grant %s is for %s; credentials are issued for S3 buckets, EC2 instances and RDS databases only", g.ID, ref.Type)
	}
	if n := len(policy); n > MaxPolicyChars {
		return "", stint.Errorf(stint.EINVALID, "the session policy of %s has %d characters; AWS takes at most %d", g.ResourceID, n, MaxPolicyChars)
	}
	return policy, nil
}

var (
	regionForm  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	dbiForm     = regexp.MustCompile(`^db-[A-Za-z0-9]{1,64}$`)
	sessionChar = regexp.MustCompile(`[^\w+=,.@-]`)
)

// SessionName makes a role session name of s (an email): the characters
// AWS allows, 2 to 64 of them. CloudTrail shows it as the session's name.
func SessionName(s string) string {
	s = sessionChar.ReplaceAllString(s, "-")
	if len(s) > 64 {
		s = s[:64]
	}
	if len(s) < 2 {
		s = "stint-" + s
	}
	return s
}

// Issue assumes the broker role in the grant's account with the grant's
// session policy, for d (whole seconds; STS takes 15 minutes at least),
// in a session named after the grant and person (an email): "GRANT.EMAIL",
// cut at 64 characters. Errors are coded: EFORBIDDEN when
// STS refuses the role (missing, or not trusting stint), EINVALID for a
// policy or duration it refuses, EUNAVAILABLE when it cannot be reached.
func (b *Broker) Issue(ctx context.Context, g *stint.Grant, person string, d time.Duration) (*stint.Credentials, error) {
	if d < stint.MinCredentialDuration {
		return nil, stint.Errorf(stint.EINVALID, "credentials last at least %s; got %s", stint.FormatDuration(stint.MinCredentialDuration), d)
	}
	policy, err := SessionPolicy(b.partition, b.cfg.Region, g)
	if err != nil {
		return nil, err
	}
	role := b.RoleARN(g.AccountID)
	in := &sts.AssumeRoleInput{
		RoleArn: aws.String(role), RoleSessionName: aws.String(sessionName(g, person)),
		Policy: aws.String(policy), DurationSeconds: aws.Int32(int32(d / time.Second)),
	}
	if b.cfg.ExternalID != "" {
		in.ExternalId = aws.String(b.cfg.ExternalID)
	}
	out, err := b.sts.AssumeRole(ctx, in)
	if err != nil {
		return nil, classifier.Wrap(err, "assume the broker role %s for %s", role, g.ResourceID)
	}
	c := out.Credentials
	if c == nil {
		return nil, stint.Errorf(stint.EUNAVAILABLE, "STS answered AssumeRole of %s without credentials", role)
	}
	region := b.cfg.Region
	if r := g.Attributes["region"]; r != "" {
		region = r
	}
	return &stint.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), Expiration: aws.ToTime(c.Expiration).UTC(),
		Region: region, GrantID: g.ID, ResourceID: g.ResourceID, RoleARN: role,
	}, nil
}
