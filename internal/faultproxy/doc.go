// Package faultproxy is a reverse proxy for fault tests: it stands between an
// AWS SDK client and moto_server, counts calls per operation, answers chosen
// operations with throttling or server errors, and makes Identity Center
// account assignment and permission set provisioning operations look
// asynchronous (IN_PROGRESS for a few polls) or fail, which moto never does
// on its own.
//
// Operations are named as in the AWS API reference: the part of the
// X-Amz-Target header after the dot for JSON services (sso-admin,
// identitystore, organizations), or the Action parameter for query services
// (IAM, STS). A Proxy is safe for concurrent use.
package faultproxy
