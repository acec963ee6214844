// Package scoped grants access to one resource in a member account (an S3
// bucket at a level, an EC2 instance through Session Manager, an RDS
// database as one database user) through an IAM Identity Center permission
// set that stint creates for that resource alone: its inline policy allows
// only that resource, it is provisioned to that one account, and users are
// assigned to it while they hold a grant.
//
// One permission set serves every user of one (account, type, target): its
// name is derived from them (PermissionSetName), so grants of the same
// resource and level share it and an Ensure for a second user only adds an
// assignment. Concurrent calls for one permission set are serialised in the
// process; a CreatePermissionSet that loses a race with another process
// (ConflictException) looks the winner up.
//
// Its session duration is PT1H, the shortest AWS allows: a session never
// outlives the grant that issued it by more than an hour. A revocation with
// cut-off (the flow's immediate_cutoff) also ends that hour at once: it adds
// to the permission set's policy a statement that denies everything to the
// user's sessions issued before now, and provisions it (see Remove).
//
// Permission sets nobody is assigned to are deleted by Collect once they
// have not been used for a while; Collect and Ensure are serialised per
// permission set, so a permission set about to be assigned is never deleted
// under an Ensure in this process.
//
// Provider implements stint.EffectProvider for aws-s3, aws-ec2 and aws-rds
// effects (the policies are documented in docs/providers) and
// stint.Discoverer for the same types: S3 buckets, EC2 instances and RDS DB
// instances in member accounts, read through account.Assumer. Other
// providers build on Ensure, Remove, Has and Collect with policies of their
// own (EKS: a scoped permission set plus an access entry for its role).
//
// Every Identity Center call goes through the identitycenter.Provider's
// client: its rate limiter, retry policy and verified assignment operations.
package scoped
