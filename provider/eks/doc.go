// Package eks gives time-boxed access to Amazon EKS clusters (aws-eks
// effects) and discovers the clusters of member accounts.
//
// A grant of level view, edit or admin on a cluster, or on one of its
// namespaces, is made of two parts. The user is assigned a stint-managed
// Identity Center permission set of that cluster, namespace and level,
// whose inline policy lets its role find the cluster (eks:DescribeCluster,
// eks:ListClusters, eks:AccessKubernetesApi); Identity Center makes the
// permission set's role, AWSReservedSSO_<name>_<hash> under
// /aws-reserved/sso.amazonaws.com/, in the account. The cluster then has an
// access entry for that role associated with AmazonEKSViewPolicy,
// AmazonEKSEditPolicy or AmazonEKSClusterAdminPolicy in the grant's scope.
// Every user granted the same cluster, namespace and level shares the
// permission set, its role and its access entry: revoking removes the
// user's assignment, and the entry goes with the permission set, through
// Cleanup, once no user holds it. stint touches only the access entries of
// its own permission sets' roles (AWSReservedSSO_stint-...).
//
// The permission sets come from PermissionSets, which the scoped permission
// set provider implements; Scoped adapts *scoped.Provider to it.
//
// docs/providers/eks.md says what stint needs in member accounts and what
// users run to reach a cluster.
package eks
