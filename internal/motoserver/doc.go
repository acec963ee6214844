// Package motoserver starts moto_server, the AWS emulator from python moto, on
// a free 127.0.0.1 port for tests and for the demo, and builds AWS SDK
// configurations that talk to it.
//
// One moto process serves every account and region; its state is global to
// the process, so a test package starts one server and keeps tests apart by
// using distinct accounts, users or resources rather than resetting it.
//
// Options.SSOAdminExtensions runs moto through ssoadmin_ext.py, which adds
// the sso-admin and identitystore behaviour moto 5.2.1 lacks (tagging,
// permissions boundaries, provisioning per account and its status, user and
// group updates, ...) for Identity Center tests and the Terraform
// benchmark; TERRAFORM.md has the Terraform recipe. Test rig only.
//
// Options.EKSExtensions adds EKS access entries, access policies and
// clusters' authentication modes (eks_ext.py), which moto 5.2.1 lacks, for
// the EKS provider's tests; with both options set, moto gets both patch
// sets. Test rig only.
//
// Options.IAMExtensions (iam_ext.py) lets tests backdate IAM users, access
// keys, console passwords and roles with moto-ext:* tags, for discovery's
// old keys and unused access, which moto always stamps with the time of
// the call. Test rig only.
package motoserver
