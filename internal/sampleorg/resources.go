package sampleorg

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/scoped"
)

// ResourcesSpec lists resources of member accounts (by account name) for
// resource-level access: what `make demo` offers besides permission sets.
type ResourcesSpec struct {
	Buckets   []ResourceSpec
	Instances []ResourceSpec // Name is the Name tag
	Databases []ResourceSpec // IAM database authentication on
	Clusters  []ResourceSpec // access entries on (authentication mode API)
	Roles     []ResourceSpec
	Groups    []ResourceSpec
	// IAMUsers are IAM users made in every account with a group, named as
	// identity store users (the IAM group provider's convention).
	IAMUsers []string
	// SSORoles are the Identity Center roles (AWSReservedSSO_NAME_HASH) that
	// IAM role grants are assumed from, made in the accounts of Roles:
	// Identity Center makes them when it provisions a permission set, moto
	// does not.
	SSORoles []string
	// EKSAccess are EKS targets ("CLUSTER[/NAMESPACE]:LEVEL") whose scoped
	// permission set's Identity Center role is made in the account (by
	// name) ahead of the grant, as Identity Center would make it when it
	// provisions that permission set (moto does not).
	EKSAccess []ResourceSpec
}

// ResourceSpec is one resource: its account (by name), name and tags.
type ResourceSpec struct {
	Account string
	Name    string
	Tags    map[string]string
}

// DefaultResources returns the demo's resources: buckets, a bastion
// instance, a database, a cluster, a deploy role and an on-call group.
func DefaultResources() ResourcesSpec {
	return ResourcesSpec{
		Buckets: []ResourceSpec{
			{Account: "prod-payments", Name: "payments-logs", Tags: tags("team", "payments")},
			{Account: "prod-payments", Name: "payments-exports", Tags: tags("team", "payments")},
			{Account: "dev-001", Name: "app-logs"},
		},
		Instances: []ResourceSpec{{Account: "prod-web", Name: "bastion", Tags: tags("Role", "bastion")}},
		Databases: []ResourceSpec{{Account: "prod-payments", Name: "ledger-db"}},
		Clusters:  []ResourceSpec{{Account: "prod-web", Name: "web"}},
		Roles:     []ResourceSpec{{Account: "shared-tooling", Name: "Deployer"}},
		Groups:    []ResourceSpec{{Account: "shared-tooling", Name: "ops-oncall"}},
		IAMUsers:  []string{"alice", "bob", "heidi"},
		SSORoles:  []string{"AWSReservedSSO_ReadOnlyAccess_0123456789abcdef"},
		EKSAccess: []ResourceSpec{{Account: "prod-web", Name: "web/web:view"}},
	}
}

const trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// SeedResources makes spec's resources in the organisation's member
// accounts, assuming their OrganizationAccountAccessRole.
func SeedResources(ctx context.Context, cfg aws.Config, org *Org, spec ResourcesSpec) error {
	assumer := account.New(account.Config{AWS: cfg})
	member := func(name string) (aws.Config, error) {
		id, ok := org.Accounts[name]
		if !ok {
			return aws.Config{}, fmt.Errorf("sample resources: no account %q", name)
		}
		return assumer.For(ctx, id)
	}
	each := func(list []ResourceSpec, fn func(aws.Config, ResourceSpec) error) error {
		for _, r := range list {
			c, err := member(r.Account)
			if err != nil {
				return err
			}
			if err := fn(c, r); err != nil {
				return fmt.Errorf("sample resource %s in %s: %w", r.Name, r.Account, err)
			}
		}
		return nil
	}
	steps := []func() error{
		func() error {
			return each(spec.Buckets, func(c aws.Config, r ResourceSpec) error {
				client := s3.NewFromConfig(c, func(o *s3.Options) { o.UsePathStyle = true })
				if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(r.Name)}); err != nil {
					return err
				}
				if len(r.Tags) == 0 {
					return nil
				}
				var set []s3types.Tag
				for k, v := range r.Tags {
					set = append(set, s3types.Tag{Key: aws.String(k), Value: aws.String(v)})
				}
				_, err := client.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(r.Name), Tagging: &s3types.Tagging{TagSet: set}})
				return err
			})
		},
		func() error {
			return each(spec.Instances, func(c aws.Config, r ResourceSpec) error {
				t := []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(r.Name)}}
				for k, v := range r.Tags {
					t = append(t, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
				}
				_, err := ec2.NewFromConfig(c).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
					TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: t}}})
				return err
			})
		},
		func() error {
			return each(spec.Databases, func(c aws.Config, r ResourceSpec) error {
				_, err := rds.NewFromConfig(c).CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String(r.Name),
					Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20),
					MasterUsername: aws.String("root"), MasterUserPassword: aws.String("sample-only-password-1"),
					EnableIAMDatabaseAuthentication: aws.Bool(true)})
				return err
			})
		},
		func() error {
			return each(spec.Clusters, func(c aws.Config, r ResourceSpec) error {
				role, err := iam.NewFromConfig(c).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.Name + "-cluster"),
					AssumeRolePolicyDocument: aws.String(trustEC2)})
				if err != nil {
					return err
				}
				_, err = eks.NewFromConfig(c).CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(r.Name), RoleArn: role.Role.Arn,
					ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
					AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
				return err
			})
		},
		func() error {
			return each(spec.Roles, func(c aws.Config, r ResourceSpec) error {
				client := iam.NewFromConfig(c)
				if _, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.Name), AssumeRolePolicyDocument: aws.String(trustEC2)}); err != nil {
					return err
				}
				for _, name := range spec.SSORoles {
					_, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
						Path: aws.String("/aws-reserved/sso.amazonaws.com/"), AssumeRolePolicyDocument: aws.String(trustEC2)})
					if err != nil && !exists(err) {
						return err
					}
				}
				return nil
			})
		},
		func() error {
			return each(spec.Groups, func(c aws.Config, r ResourceSpec) error {
				client := iam.NewFromConfig(c)
				if _, err := client.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(r.Name)}); err != nil {
					return err
				}
				for _, u := range spec.IAMUsers {
					if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}); err != nil && !exists(err) {
						return err
					}
				}
				return nil
			})
		},
	}
	steps = append(steps, func() error {
		return each(spec.EKSAccess, func(c aws.Config, r ResourceSpec) error {
			name := scoped.PermissionSetName(scoped.Permission{AccountID: org.Accounts[r.Account], Kind: stint.ResourceEKS, Target: r.Name})
			_, err := iam.NewFromConfig(c).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("AWSReservedSSO_" + name + "_0123456789abcdef"),
				Path: aws.String("/aws-reserved/sso.amazonaws.com/"), AssumeRolePolicyDocument: aws.String(trustEC2)})
			return err
		})
	})
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// exists reports whether err says the IAM entity is there already.
func exists(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "EntityAlreadyExists"
}
