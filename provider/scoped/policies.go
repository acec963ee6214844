package scoped

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Session Manager documents a grant of an instance may start sessions with
// (docs/providers/ec2.md). SSM-SessionManagerRunShell is the account's own
// (it holds the session preferences); the others are AWS's.
var (
	awsSessionDocuments = []string{"AWS-StartSSHSession", "AWS-StartPortForwardingSession", "AWS-StartPortForwardingSessionToRemoteHost"}
	accountShellDoc     = "SSM-SessionManagerRunShell"
)

// statement is an IAM policy statement as these policies write them.
type statement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Action    any            `json:"Action"`
	Resource  any            `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

func allow(sid string, actions []string, resources ...string) statement {
	st := statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
	if len(actions) == 1 {
		st.Action = actions[0]
	}
	if len(resources) == 1 {
		st.Resource = resources[0]
	}
	return st
}

// policyJSON renders statements as a compact policy document. ${...}
// policy variables and ARNs are written as they are (no HTML escaping).
func policyJSON(statements ...statement) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Version   string
		Statement []statement
	}{policyVersion, statements})
	return strings.TrimSpace(b.String())
}

// S3 actions by level; each level has the ones below it.
var (
	s3ReadBucket   = []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketVersions"}
	s3ReadObjects  = []string{"s3:GetObject*"}
	s3WriteBucket  = []string{"s3:ListBucketMultipartUploads"}
	s3WriteObjects = []string{"s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
)

// S3Policy returns the policy of a level (read, write or admin) on one
// bucket: docs/providers/s3.md says what each allows and why.
func S3Policy(partition, bucket, level string) string {
	bucketARN := "arn:" + partition + ":s3:::" + bucket
	objects := bucketARN + "/*"
	// The console's bucket list and `aws s3 ls` call ListBuckets, which
	// takes no resource: without it a user cannot find the bucket.
	list := allow("StintListBuckets", []string{"s3:ListAllMyBuckets"}, "*")
	if level == "admin" {
		return policyJSON(list, allow("StintBucketAdmin", []string{"s3:*"}, bucketARN, objects))
	}
	bucketActions, objectActions := s3ReadBucket, s3ReadObjects
	if level == "write" {
		bucketActions = slices.Concat(s3ReadBucket, s3WriteBucket)
		objectActions = slices.Concat(s3ReadObjects, s3WriteObjects)
	}
	return policyJSON(list, allow("StintBucket", bucketActions, bucketARN), allow("StintObjects", objectActions, objects))
}

// EC2Policy returns the policy of Session Manager access to one instance:
// docs/providers/ec2.md.
func EC2Policy(partition, region, accountID, instanceID string) string {
	start := []string{fmt.Sprintf("arn:%s:ec2:%s:%s:instance/%s", partition, region, accountID, instanceID)}
	for _, doc := range awsSessionDocuments {
		start = append(start, fmt.Sprintf("arn:%s:ssm:%s::document/%s", partition, region, doc))
	}
	start = append(start, fmt.Sprintf("arn:%s:ssm:%s:%s:document/%s", partition, region, accountID, accountShellDoc))
	own := []string{"ssm:TerminateSession", "ssm:ResumeSession"}
	tagged := allow("StintOwnSessionsTagged", own, "arn:"+partition+":ssm:*:*:session/*")
	tagged.Condition = map[string]any{"StringLike": map[string]string{"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"}}
	return policyJSON(
		allow("StintStartSession", []string{"ssm:StartSession"}, start...),
		allow("StintOwnSessions", own, "arn:"+partition+":ssm:*:*:session/${aws:userid}-*"),
		tagged,
		allow("StintDescribe", []string{"ssm:DescribeSessions", "ssm:GetConnectionStatus", "ssm:DescribeInstanceInformation", "ec2:DescribeInstances"}, "*"),
	)
}

// RDSPolicy returns the policy of IAM database authentication to one DB
// instance as one database user: docs/providers/rds.md.
func RDSPolicy(partition, region, accountID, dbInstance, dbiResourceID, dbUser string) string {
	return policyJSON(
		allow("StintConnect", []string{"rds-db:connect"}, fmt.Sprintf("arn:%s:rds-db:%s:%s:dbuser:%s/%s", partition, region, accountID, dbiResourceID, dbUser)),
		allow("StintDescribe", []string{"rds:DescribeDBInstances"}, fmt.Sprintf("arn:%s:rds:%s:%s:db:%s", partition, region, accountID, dbInstance)),
	)
}
