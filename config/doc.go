// Package config reads stint's one configuration file, stint.yaml:
//
//	store: sqlite:///var/lib/stint/stint.db   # or postgres://...
//	listen: 127.0.0.1:8080
//	admins: [bob@example.com]
//	aws:
//	  region: us-east-1
//	flows:
//	  - name: prod-admin
//	    requesters: [group:Engineers]
//	    resources:
//	      - identity_center: {accounts: ["ou:Prod"], permission_sets: [AdministratorAccess]}
//	    max_duration: 4h
//	    approvers: [group:Security]
//
// Load reads the file, decodes it strictly (unknown keys are errors), applies
// environment overrides, fills defaults and validates the result. Every
// problem found is reported at once, each as FILE:LINE:COL: message pointing
// at the offending key or value, in an *Error whose stint.ErrorCode is
// stint.EINVALID. LoadBytes does the same for content already read, with
// the environment passed in; Parse ignores the environment.
//
// Environment variables override the file:
//
//	STINT_STORE             store
//	STINT_LISTEN            listen
//	STINT_ADMINS            admins, comma-separated (replaces the file's list)
//	STINT_AWS_REGION        aws.region
//	STINT_AWS_INSTANCE_ARN  aws.instance_arn
//	STINT_AWS_ENDPOINT      aws.endpoint
//	STINT_LOG_LEVEL         log_level
//
// When neither STINT_AWS_REGION nor the file sets the region, AWS_REGION and
// then AWS_DEFAULT_REGION are used, as the AWS SDK would. An empty variable
// counts as unset.
package config
