package sampleorg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint/provider/account"
)

// IAMSpec is IAM state of member accounts (by account name) for discovery:
// customer managed policies, groups, users with their credentials, roles
// with their trust, and the roles Identity Center makes for permission
// sets (moto makes none).
//
// Times backdate what moto stamps with the time of the call (a user's or
// role's creation, access keys' creation and last use, a password's last
// use, a role's last use), as AWS would report them for an organisation
// that has run for years; they need motoserver.Options.IAMExtensions. Zero
// times leave moto's.
type IAMSpec struct {
	Policies []IAMPolicySpec
	Groups   []IAMGroupSpec
	Users    []IAMUserSpec
	Roles    []IAMRoleSpec
	SSORoles []SSORoleSpec
}

// IAMPolicySpec is a customer managed policy (path "/").
type IAMPolicySpec struct {
	Account, Name, Document string
}

// IAMGroupSpec is an IAM group and its policies: AWS managed ARNs or names
// of the account's customer managed ones.
type IAMGroupSpec struct {
	Account, Name string
	Policies      []string
	InlinePolicy  string
}

// IAMUserSpec is an IAM user.
type IAMUserSpec struct {
	Account, Name string
	Password      bool // a console password (login profile)
	MFA           bool // a virtual MFA device, enabled
	AccessKeys    int  // 0, 1 or 2
	// UseKeys signs a call with each access key now, so that AWS (moto)
	// records its last use.
	UseKeys                                              bool
	Groups                                               []string
	Policies                                             []string // AWS managed ARNs, or names of the account's customer managed policies
	InlinePolicy                                         string
	Created, KeysCreated, KeysLastUsed, PasswordLastUsed time.Time
}

// IAMRoleSpec is an IAM role with its trust policy, in which
// "{account:NAME}" stands for the ID of the organisation's account NAME.
type IAMRoleSpec struct {
	Account, Name, Trust string
	Policies             []string
	InlinePolicy         string
	Created, LastUsed    time.Time
}

// SSORoleSpec is the role Identity Center makes in an account for a
// permission set, AWSReservedSSO_<permission set>_<16 hex digits>.
type SSORoleSpec struct {
	Account, PermissionSet string
	Created, LastUsed      time.Time
}

// SSORoleName returns the name SeedIAM gives the Identity Center role of a
// permission set in an account.
func SSORoleName(accountID, permissionSet string) string {
	sum := sha256.Sum256([]byte(accountID + "/" + permissionSet))
	return "AWSReservedSSO_" + permissionSet + "_" + hex.EncodeToString(sum[:8])
}

const trustSAML = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"]}]}`

// SeedIAM makes spec in the organisation's member accounts, assuming their
// OrganizationAccountAccessRole, parallel accounts at a time (8 when 0).
func SeedIAM(ctx context.Context, cfg aws.Config, org *Org, spec IAMSpec, parallel int) error {
	byAccount := map[string]*IAMSpec{}
	part := func(name string) (*IAMSpec, error) {
		if _, ok := org.Accounts[name]; !ok {
			return nil, fmt.Errorf("sample IAM: no account %q", name)
		}
		if byAccount[name] == nil {
			byAccount[name] = &IAMSpec{}
		}
		return byAccount[name], nil
	}
	for _, p := range spec.Policies {
		s, err := part(p.Account)
		if err != nil {
			return err
		}
		s.Policies = append(s.Policies, p)
	}
	for _, g := range spec.Groups {
		s, err := part(g.Account)
		if err != nil {
			return err
		}
		s.Groups = append(s.Groups, g)
	}
	for _, u := range spec.Users {
		s, err := part(u.Account)
		if err != nil {
			return err
		}
		s.Users = append(s.Users, u)
	}
	for _, r := range spec.Roles {
		s, err := part(r.Account)
		if err != nil {
			return err
		}
		s.Roles = append(s.Roles, r)
	}
	for _, r := range spec.SSORoles {
		s, err := part(r.Account)
		if err != nil {
			return err
		}
		s.SSORoles = append(s.SSORoles, r)
	}
	var names []string
	for name, id := range org.Accounts {
		names = append(names, "{account:"+name+"}", id)
	}
	ids := strings.NewReplacer(names...)
	for _, s := range byAccount {
		for i := range s.Roles {
			s.Roles[i].Trust = ids.Replace(s.Roles[i].Trust)
		}
	}
	assumer := account.New(account.Config{AWS: cfg})
	g, gctx := errgroup.WithContext(ctx)
	if parallel <= 0 {
		parallel = parallelism
	}
	g.SetLimit(parallel)
	for name, s := range byAccount {
		g.Go(func() error {
			id := org.Accounts[name]
			c, err := assumer.For(gctx, id)
			if err != nil {
				return err
			}
			if err := seedAccountIAM(gctx, c, id, s); err != nil {
				return fmt.Errorf("sample IAM in %s: %w", name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

func seedAccountIAM(ctx context.Context, cfg aws.Config, accountID string, s *IAMSpec) error {
	c := iam.NewFromConfig(cfg)
	policyARN := func(p string) string {
		if strings.HasPrefix(p, "arn:") {
			return p
		}
		return "arn:aws:iam::" + accountID + ":policy/" + p
	}
	for _, p := range s.Policies {
		if _, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(p.Name), PolicyDocument: aws.String(p.Document)}); err != nil {
			return fmt.Errorf("policy %s: %w", p.Name, err)
		}
	}
	for _, g := range s.Groups {
		if _, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g.Name)}); err != nil {
			return fmt.Errorf("group %s: %w", g.Name, err)
		}
		for _, p := range g.Policies {
			if _, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(g.Name), PolicyArn: aws.String(policyARN(p))}); err != nil {
				return fmt.Errorf("group %s: attach %s: %w", g.Name, p, err)
			}
		}
		if g.InlinePolicy != "" {
			if _, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String(g.Name), PolicyName: aws.String("inline"), PolicyDocument: aws.String(g.InlinePolicy)}); err != nil {
				return fmt.Errorf("group %s: inline policy: %w", g.Name, err)
			}
		}
	}
	for _, u := range s.Users {
		if err := seedUser(ctx, cfg, c, policyARN, u); err != nil {
			return fmt.Errorf("user %s: %w", u.Name, err)
		}
	}
	for _, r := range s.Roles {
		if err := seedRole(ctx, c, policyARN, r.Name, "/", r.Trust, r.Policies, r.InlinePolicy, r.Created, r.LastUsed); err != nil {
			return fmt.Errorf("role %s: %w", r.Name, err)
		}
	}
	for _, r := range s.SSORoles {
		name := SSORoleName(accountID, r.PermissionSet)
		if err := seedRole(ctx, c, policyARN, name, "/aws-reserved/sso.amazonaws.com/", fmt.Sprintf(trustSAML, accountID), nil, "", r.Created, r.LastUsed); err != nil {
			return fmt.Errorf("the Identity Center role %s: %w", name, err)
		}
	}
	return nil
}

func seedUser(ctx context.Context, cfg aws.Config, c *iam.Client, policyARN func(string) string, u IAMUserSpec) error {
	name := aws.String(u.Name)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: name}); err != nil {
		return err
	}
	if u.Password {
		if _, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: name, Password: aws.String("Sample-only-password-1")}); err != nil {
			return err
		}
	}
	if u.MFA {
		dev, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(u.Name + "-mfa")})
		if err != nil {
			return err
		}
		if _, err := c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: name, SerialNumber: dev.VirtualMFADevice.SerialNumber,
			AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("654321")}); err != nil {
			return err
		}
	}
	for range u.AccessKeys {
		key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: name})
		if err != nil {
			return err
		}
		if u.UseKeys {
			kc := cfg.Copy()
			kc.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey)}, nil
			})
			if _, err := sts.NewFromConfig(kc).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				return fmt.Errorf("use access key: %w", err)
			}
		}
	}
	for _, g := range u.Groups {
		if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: name, GroupName: aws.String(g)}); err != nil {
			return fmt.Errorf("add to group %s: %w", g, err)
		}
	}
	for _, p := range u.Policies {
		if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: name, PolicyArn: aws.String(policyARN(p))}); err != nil {
			return fmt.Errorf("attach %s: %w", p, err)
		}
	}
	if u.InlinePolicy != "" {
		if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: name, PolicyName: aws.String("inline"), PolicyDocument: aws.String(u.InlinePolicy)}); err != nil {
			return err
		}
	}
	var tags []iamtypes.Tag
	for _, t := range []struct {
		key  string
		when time.Time
	}{{"created", u.Created}, {"access-keys-created", u.KeysCreated}, {"access-keys-last-used", u.KeysLastUsed}, {"password-last-used", u.PasswordLastUsed}} {
		if !t.when.IsZero() {
			tags = append(tags, backdate(t.key, t.when))
		}
	}
	if len(tags) > 0 {
		if _, err := c.TagUser(ctx, &iam.TagUserInput{UserName: name, Tags: tags}); err != nil {
			return fmt.Errorf("backdate (moto needs motoserver.Options.IAMExtensions): %w", err)
		}
	}
	return nil
}

func seedRole(ctx context.Context, c *iam.Client, policyARN func(string) string, name, path, trust string, policies []string, inline string, created, lastUsed time.Time) error {
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		return err
	}
	for _, p := range policies {
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(policyARN(p))}); err != nil {
			return fmt.Errorf("attach %s: %w", p, err)
		}
	}
	if inline != "" {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("inline"), PolicyDocument: aws.String(inline)}); err != nil {
			return err
		}
	}
	var tags []iamtypes.Tag
	if !created.IsZero() {
		tags = append(tags, backdate("created", created))
	}
	if !lastUsed.IsZero() {
		tags = append(tags, backdate("last-used", lastUsed))
	}
	if len(tags) > 0 {
		if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(name), Tags: tags}); err != nil {
			return fmt.Errorf("backdate (moto needs motoserver.Options.IAMExtensions): %w", err)
		}
	}
	return nil
}

func backdate(key string, t time.Time) iamtypes.Tag {
	return iamtypes.Tag{Key: aws.String("moto-ext:" + key), Value: aws.String(t.UTC().Format("2006-01-02T15:04:05Z"))}
}
