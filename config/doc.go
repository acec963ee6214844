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
// A groups section defines nested groups that flows use like identity store
// groups (members are "user:EMAIL" or "group:NAME"; cycles are errors):
//
//	groups:
//	  Oncall: [group:SRE, user:carol@example.com]
//
// Flows also take requester_attributes, exclude, bundles,
// activation_window, ticket, approval_steps, auto_approve_when (time
// windows, requester groups, on_call), break_glass, extensions, mfa and a
// cedar block of forbid policies; each is decoded strictly and checked with
// positions (see stint.Flow for their meaning).
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
//	STINT_SLACK_APPROVALS_CHANNEL  slack.approvals_channel (turns the Slack app on)
//	STINT_PORTAL_BASE_URL   portal.base_url
//	STINT_PORTAL_ISSUER     portal.issuer
//	STINT_PORTAL_CLIENT_ID  portal.client_id
//
// When neither STINT_AWS_REGION nor the file sets the region, AWS_REGION and
// then AWS_DEFAULT_REGION are used, as the AWS SDK would. An empty variable
// counts as unset.
//
// The slack section turns on the Slack app (see SlackConfig); its bot token
// and signing secret are read from the environment variables it names
// (STINT_SLACK_BOT_TOKEN and STINT_SLACK_SIGNING_SECRET by default).
//
// Beyond the file itself: Config.CheckAgainst checks names against a
// directory snapshot (unknown groups, users, permission sets, OUs and
// accounts with "did you mean" hints; unreachable and contradicting flows as
// warnings); Diff says what changed between two configs, with the SHA-256 of
// both files, for the audit; Watch polls the file (every 2s by default) and
// calls back when its content changes.
package config
