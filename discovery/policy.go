package discovery

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
)

// A policy document, as much of it as judging needs.
type policyDoc struct {
	Statement statements `json:"Statement"`
}

type statement struct {
	Sid         string                     `json:"Sid"`
	Effect      string                     `json:"Effect"`
	Action      stringList                 `json:"Action"`
	NotAction   stringList                 `json:"NotAction"`
	Resource    stringList                 `json:"Resource"`
	NotResource stringList                 `json:"NotResource"`
	Principal   json.RawMessage            `json:"Principal"`
	Condition   map[string]json.RawMessage `json:"Condition"`
}

// statements is a Statement member: one statement or a list.
type statements []statement

func (s *statements) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var one statement
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = statements{one}
		return nil
	}
	var list []statement
	err := json.Unmarshal(b, &list)
	*s = list
	return err
}

// stringList is a member that is a string or a list of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = stringList{one}
		return nil
	}
	var list []string
	err := json.Unmarshal(b, &list)
	*l = list
	return err
}

// parsePolicy decodes a policy document. IAM returns documents URL-encoded
// (RFC 3986) from GetAccountAuthorizationDetails; sso-admin and trust
// policies may come as plain JSON: both are accepted.
func parsePolicy(text string) (*policyDoc, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return &policyDoc{}, nil
	}
	if !strings.HasPrefix(text, "{") {
		decoded, err := url.PathUnescape(text)
		if err != nil {
			return nil, fmt.Errorf("policy document is neither JSON nor URL-encoded JSON: %w", err)
		}
		text = decoded
	}
	var d policyDoc
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		return nil, fmt.Errorf("policy document is not valid JSON: %w", err)
	}
	return &d, nil
}

// judgement is what a set of policies allows, and why.
type judgement struct {
	level  stint.AccessLevel
	reason string
}

func rank(l stint.AccessLevel) int {
	switch l {
	case stint.AccessAdmin:
		return 3
	case stint.AccessWrite:
		return 2
	case stint.AccessRead:
		return 1
	}
	return 0
}

// max returns the higher judgement (the first of equals).
func (j judgement) max(o judgement) judgement {
	if rank(o.level) > rank(j.level) {
		return o
	}
	return j
}

// AWS managed policies judged by name: stint does not download AWS's
// 1,400-odd managed policies (IAM answers them all, 8 MB, to an unfiltered
// GetAccountAuthorizationDetails), so it knows these by name. Others are
// read-only when their name says so (ReadOnly, ViewOnly), else write.
var (
	adminManaged = map[string]string{
		"AdministratorAccess": "AWS managed policy AdministratorAccess allows every action on every resource",
		"IAMFullAccess":       "AWS managed policy IAMFullAccess allows iam:*, so it can grant itself any permission",
	}
	readManaged = map[string]bool{"SecurityAudit": true, "ViewOnlyAccess": true, "job-function/ViewOnlyAccess": true,
		"AWSSupportAccess": true, "AWSBillingReadOnlyAccess": true}
)

// managedName returns an AWS managed policy's name with its path
// ("job-function/ViewOnlyAccess"), or "" for a customer managed one.
func managedName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":iam::aws:policy/")
	if !ok {
		return ""
	}
	return rest
}

// judgeManaged judges an AWS managed policy by its name.
func judgeManaged(arn string) judgement {
	name := managedName(arn)
	base := name[strings.LastIndexByte(name, '/')+1:]
	switch {
	case adminManaged[base] != "":
		return judgement{stint.AccessAdmin, adminManaged[base]}
	case readManaged[name] || readManaged[base] || strings.Contains(base, "ReadOnly") || strings.Contains(base, "ViewOnly"):
		return judgement{stint.AccessRead, "AWS managed policy " + base + " only reads"}
	}
	return judgement{stint.AccessWrite, "AWS managed policy " + base + " changes resources"}
}

// Privilege escalation: IAM actions that let a principal with them on
// every resource give itself (or a principal it controls) more
// permissions, and services that run code as a role passed to them.
var (
	escalationActions = []string{
		"iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
		"iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy",
		"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AddUserToGroup",
		"iam:UpdateAssumeRolePolicy", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
		"iam:DeleteUserPermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
	}
	passRoleTargets = []string{
		"ec2:RunInstances", "lambda:CreateFunction", "lambda:UpdateFunctionConfiguration", "cloudformation:CreateStack",
		"cloudformation:UpdateStack", "ecs:RunTask", "ecs:RegisterTaskDefinition", "glue:CreateDevEndpoint",
		"glue:CreateJob", "sagemaker:CreateNotebookInstance", "codebuild:CreateProject", "datapipeline:CreatePipeline",
		"ssm:SendCommand", "states:CreateStateMachine",
	}
	// readVerbs start the actions that only read.
	readVerbs = []string{"Get", "List", "Describe", "View", "Search", "Lookup", "BatchGet", "Query", "Scan", "Select",
		"Head", "Check", "Validate", "Estimate", "Preview", "Test", "Simulate"}
)

// wide reports whether a Resource element covers every resource of its
// kind.
func wide(r string) bool { return r == "*" || strings.HasSuffix(r, ":*") || strings.HasSuffix(r, "/*") }

// allows reports whether one of the statement's action patterns matches
// the action (IAM actions ignore case; * matches anything).
func allows(patterns []string, action string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return stint.MatchName(p, action) })
}

// readOnly reports whether an action pattern names only reads.
func readOnly(pattern string) bool {
	_, verb, ok := strings.Cut(pattern, ":")
	if !ok || verb == "" || verb == "*" {
		return false
	}
	return slices.ContainsFunc(readVerbs, func(v string) bool {
		return len(verb) >= len(v) && strings.EqualFold(verb[:len(v)], v)
	})
}

// judgeDocs judges what policy documents allow together. The rule, highest
// first: admin-equivalent when an Allow statement on every resource allows
// every action (* or *:*), or every action but some that leave iam out
// (NotAction), or iam:*, or an action that escalates privileges (attaching
// or writing policies, new credentials for others, editing trust); or when
// the statements together allow iam:PassRole on every role with an action
// that runs code as the passed role (ec2:RunInstances, lambda:CreateFunction,
// ...). Read when every Allow statement's actions only read (Get*, List*,
// Describe*, ...). Write otherwise. Deny statements and conditions are not
// evaluated: a policy is judged by what it allows, so a judgement may be
// higher than what AWS would let through, never lower. Documents that do not
// parse are judged write, with the reason.
func judgeDocs(docs map[string]string) judgement {
	j := judgement{level: stint.AccessRead, reason: "allows nothing but reads"}
	if len(docs) == 0 {
		return judgement{level: stint.AccessRead, reason: "no policy: allows nothing"}
	}
	var passRole, codeRunner string
	for _, name := range sortedKeys(docs) {
		d, err := parsePolicy(docs[name])
		if err != nil {
			j = j.max(judgement{stint.AccessWrite, fmt.Sprintf("policy %s could not be read (%v)", name, err)})
			continue
		}
		for _, st := range d.Statement {
			if !strings.EqualFold(st.Effect, "Allow") {
				continue
			}
			everywhere := slices.ContainsFunc(st.Resource, wide) || len(st.NotResource) > 0
			if len(st.NotAction) > 0 {
				if everywhere && !allowsAllIAM(st.NotAction) {
					return judgement{stint.AccessAdmin, fmt.Sprintf("policy %s allows every action but %s on every resource", name, strings.Join(st.NotAction, ", "))}
				}
				j = j.max(judgement{stint.AccessWrite, fmt.Sprintf("policy %s allows every action but %s", name, strings.Join(st.NotAction, ", "))})
				continue
			}
			if everywhere {
				switch {
				case slices.Contains(st.Action, "*") || slices.Contains(st.Action, "*:*"):
					return judgement{stint.AccessAdmin, fmt.Sprintf("policy %s allows every action (*) on every resource", name)}
				case slices.ContainsFunc(st.Action, coversIAM):
					return judgement{stint.AccessAdmin, fmt.Sprintf("policy %s allows iam:* on every resource, so it can grant itself any permission", name)}
				}
				for _, a := range escalationActions {
					if allows(st.Action, a) {
						return judgement{stint.AccessAdmin, fmt.Sprintf("policy %s allows %s on every resource, so it can give itself more permissions", name, a)}
					}
				}
				if passRole == "" && allows(st.Action, "iam:PassRole") {
					passRole = name
				}
			}
			for _, a := range passRoleTargets {
				if codeRunner == "" && allows(st.Action, a) {
					codeRunner = a
				}
			}
			if slices.ContainsFunc(st.Action, func(p string) bool { return !readOnly(p) }) {
				j = j.max(judgement{stint.AccessWrite, fmt.Sprintf("policy %s allows changes (%s)", name, firstWrite(st.Action))})
			}
		}
	}
	if passRole != "" && codeRunner != "" {
		return judgement{stint.AccessAdmin, fmt.Sprintf("policy %s allows iam:PassRole on every role, with %s: it can run code as any role", passRole, codeRunner)}
	}
	return j
}

// allowsAllIAM reports whether a NotAction list leaves out every IAM
// action (so the statement cannot touch IAM).
func allowsAllIAM(notActions []string) bool { return slices.ContainsFunc(notActions, coversIAM) }

// coversIAM reports whether an action pattern covers every IAM action.
func coversIAM(p string) bool {
	switch strings.ToLower(p) {
	case "*", "*:*", "iam:*":
		return true
	}
	return false
}

func firstWrite(actions []string) string {
	for _, a := range actions {
		if !readOnly(a) {
			return a
		}
	}
	return ""
}

// judgePolicies judges managed policy ARNs (AWS managed ones by name,
// customer managed ones by their document in docs, keyed by ARN) with
// inline and other documents.
func judgePolicies(managed []string, docs map[string]string) judgement {
	j := judgement{}
	for _, arn := range managed {
		if managedName(arn) != "" {
			j = j.max(judgeManaged(arn))
		}
	}
	if j.level == stint.AccessAdmin {
		return j
	}
	if len(docs) > 0 || j.level == "" {
		j = j.max(judgeDocs(docs))
	}
	return j
}

// capBy lowers j to what a permissions boundary allows: an identity's
// permissions are the intersection of its policies and its boundary.
func capBy(j, boundary judgement, name string) judgement {
	if rank(boundary.level) < rank(j.level) {
		return judgement{boundary.level, fmt.Sprintf("%s, but its permissions boundary %s caps it at %s", j.reason, name, boundary.level)}
	}
	return j
}
