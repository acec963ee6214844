package eks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stint-dev/stint"
)

// Permission is a stint-managed Identity Center permission set scoped to one
// resource in one account: what PermissionSets makes and assigns. Its
// fields are those of the scoped permission set provider's Permission, in
// the same order, so that one converts to the other.
type Permission struct {
	AccountID   string
	Kind        stint.ResourceType
	Target      string // the effect's target: "CLUSTER[/NAMESPACE]:LEVEL"
	Description string // "stint: view on EKS cluster prod, namespace payments in 111111111111"
	Policy      string // the inline policy (JSON)
}

// PermissionSets makes and assigns stint's scoped permission sets. The
// scoped permission set provider is one, through an adapter (see the
// package documentation).
type PermissionSets interface {
	// Name is the name of the permission set of the permission. It must
	// begin with "stint-" (stint recognises its access entries by their
	// Identity Center role, AWSReservedSSO_<Name>_<hash>) and differ for
	// permissions that differ in AccountID, Kind or Target, so that each
	// cluster, namespace and level has its own role and access entry.
	Name(perm Permission) string
	// Ensure makes the permission set with this policy, provisions it to
	// the account and assigns it to the user, verified, and returns its
	// ARN. Identity Center then makes the role in the account.
	Ensure(ctx context.Context, perm Permission, userID string) (psARN string, err error)
	// Remove removes the user's assignment; with cutoff it also ends the
	// sessions the user already has where it can.
	Remove(ctx context.Context, perm Permission, userID, userName string, cutoff bool) error
	// Has reports whether the user holds the permission set in the
	// account.
	Has(ctx context.Context, perm Permission, userID string) (bool, error)
}

// ManagedPrefix begins the names of the permission sets whose access entries
// stint makes: the role of permission set P is AWSReservedSSO_P_<hash>.
const ManagedPrefix = "stint-"

// AccessPolicies maps each level to the AWS-managed EKS access policy the
// access entry is associated with, in the grant's scope (the cluster or its
// namespace).
var AccessPolicies = map[string]string{
	"view":  "AmazonEKSViewPolicy",
	"edit":  "AmazonEKSEditPolicy",
	"admin": "AmazonEKSClusterAdminPolicy",
}

// accessPolicyARN is the ARN of the level's access policy in the partition.
func accessPolicyARN(partition, level string) string {
	return fmt.Sprintf("arn:%s:eks::aws:cluster-access-policy/%s", partition, AccessPolicies[level])
}

// isLevelPolicy reports whether an access policy ARN is one that a level
// maps to.
func isLevelPolicy(partition, arn string) bool {
	for level := range AccessPolicies {
		if arn == accessPolicyARN(partition, level) {
			return true
		}
	}
	return false
}

// permission returns the permission set a grant on the cluster needs: it
// lets its role find the cluster (eks:ListClusters, which has no resource
// level, and eks:DescribeCluster, which `aws eks update-kubeconfig` calls)
// and see its Kubernetes resources in the console (eks:AccessKubernetesApi).
// What the role may do inside Kubernetes is the access entry's policy.
func (c *cluster) permission() Permission {
	doc := policyDocument{Version: "2012-10-17", Statement: []statement{
		{Sid: "FindCluster", Effect: "Allow", Action: []string{"eks:DescribeCluster", "eks:AccessKubernetesApi"}, Resource: c.arn},
		{Sid: "ListClusters", Effect: "Allow", Action: []string{"eks:ListClusters"}, Resource: "*"},
	}}
	policy, _ := json.Marshal(doc) // cannot fail: strings only
	desc := fmt.Sprintf("stint: %s on EKS cluster %s", c.level, c.name)
	if c.namespace != "" {
		desc += ", namespace " + c.namespace
	}
	return Permission{
		AccountID: c.account, Kind: stint.ResourceEKS, Target: c.target,
		Description: desc + " in " + c.account, Policy: string(policy),
	}
}

type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource string   `json:"Resource"`
}
