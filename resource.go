package stint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ResourceType is a kind of resource stint grants access to. It is also
// the kind of the effect a grant of it needs.
type ResourceType string

// Resource types and the form of their IDs ("TYPE:ACCOUNT/NAME").
const (
	ResourceSSO      ResourceType = "aws-sso"       // aws-sso:ACCOUNT/PERMISSION_SET
	ResourceIAMRole  ResourceType = "aws-iam-role"  // aws-iam-role:ACCOUNT/ROLE
	ResourceIAMGroup ResourceType = "aws-iam-group" // aws-iam-group:ACCOUNT/GROUP
	ResourceS3       ResourceType = "aws-s3"        // aws-s3:ACCOUNT/BUCKET:LEVEL
	ResourceEC2      ResourceType = "aws-ec2"       // aws-ec2:ACCOUNT/INSTANCE_ID
	ResourceEKS      ResourceType = "aws-eks"       // aws-eks:ACCOUNT/CLUSTER[/NAMESPACE]:LEVEL
	ResourceRDS      ResourceType = "aws-rds"       // aws-rds:ACCOUNT/DB_INSTANCE:DB_USER
)

// ResourceTypes lists every type, Identity Center first.
var ResourceTypes = []ResourceType{ResourceSSO, ResourceIAMRole, ResourceIAMGroup, ResourceS3, ResourceEC2, ResourceEKS, ResourceRDS}

// Levels of access the types that have them offer, weakest first.
var (
	S3Levels  = []string{"read", "write", "admin"}
	EKSLevels = []string{"view", "edit", "admin"}
)

// Levels returns the levels the type offers, or nil when it has none (an
// RDS grant's "level" is the database user it connects as).
func (t ResourceType) Levels() []string {
	switch t {
	case ResourceS3:
		return S3Levels
	case ResourceEKS:
		return EKSLevels
	}
	return nil
}

// Known reports whether t is one of ResourceTypes.
func (t ResourceType) Known() bool { return slices.Contains(ResourceTypes, t) }

// Or returns t, or aws-sso when t is empty (records made before other
// types existed).
func (t ResourceType) Or() ResourceType {
	if t == "" {
		return ResourceSSO
	}
	return t
}

// AdoptsStanding reports whether access of this type can exist without
// stint (an assignment or a group membership someone made by hand), in
// which case a grant that finds it adopts it as standing access and never
// removes it. Access made only by stint (its own permission sets, trust
// statements and access entries) is never standing.
func (t ResourceType) AdoptsStanding() bool {
	return t.Or() == ResourceSSO || t == ResourceIAMGroup
}

// Timed reports whether AWS itself is told when access of this type ends
// (an IAM role's trust statement carries a DateLessThan condition), so
// that the effect must be updated when a holder's end moves.
func (t ResourceType) Timed() bool { return t == ResourceIAMRole }

// Resource is something in a member account that discovery found and flows
// can grant: an S3 bucket, EC2 instance, EKS cluster, RDS instance, IAM
// role or IAM group. (Identity Center resources are (account, permission
// set) pairs of the directory.)
type Resource struct {
	Type      ResourceType      `json:"type"`
	AccountID string            `json:"account_id"`
	Name      string            `json:"name"` // bucket, instance ID, cluster, DB instance identifier, role or group name
	ARN       string            `json:"arn,omitempty"`
	Region    string            `json:"region,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
	// Attributes are type-specific facts: "dbi_resource_id" and "iam_auth"
	// of an RDS instance, "state" and "platform" of an EC2 instance,
	// "path" of an IAM role or group.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// ResourceRef names one resource of a request or grant: for Identity
// Center an (account, permission set) pair, otherwise a discovered
// resource with the level of access asked for.
type ResourceRef struct {
	ID               string       `json:"id"`
	Type             ResourceType `json:"type,omitempty"` // "" means aws-sso
	AccountID        string       `json:"account_id"`
	AccountName      string       `json:"account_name"`
	PermissionSet    string       `json:"permission_set,omitempty"`
	PermissionSetARN string       `json:"permission_set_arn,omitempty"`
	// Name, Level and Namespace locate other types: the bucket, instance,
	// cluster, DB instance, role or group; the level (S3 read|write|admin,
	// EKS view|edit|admin, the RDS database user); the EKS namespace ("":
	// the whole cluster).
	Name      string `json:"name,omitempty"`
	Level     string `json:"level,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	// ARN is the resource's ARN, when it has one.
	ARN string `json:"arn,omitempty"`
	// Tags are the discovered resource's tags, which flow selectors match.
	Tags map[string]string `json:"tags,omitempty"`
	// Attributes carry what the provider needs beyond the name (an RDS
	// instance's dbi_resource_id).
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Target returns what the resource is within its account, as the policy
// engine indexes it: the permission set name for Identity Center, else
// "TYPE:NAME[/NAMESPACE][:LEVEL]" (permission set names cannot contain a
// colon, so the two never collide).
func (r *ResourceRef) Target() string {
	if r.Type.Or() == ResourceSSO {
		return r.PermissionSet
	}
	return string(r.Type) + ":" + r.localName()
}

// localName is the part of the ID after "ACCOUNT/".
func (r *ResourceRef) localName() string {
	name := r.Name
	if r.Namespace != "" {
		name += "/" + r.Namespace
	}
	if r.Level != "" {
		name += ":" + r.Level
	}
	return name
}

// FormatID returns the resource's stable ID, e.g.
// "aws-s3:111111111111/payments-logs:read".
func (r *ResourceRef) FormatID() string {
	if r.Type.Or() == ResourceSSO {
		return ResourceID(r.AccountID, r.PermissionSet)
	}
	return string(r.Type) + ":" + r.AccountID + "/" + r.localName()
}

// Label is what a person reads: "read on S3 bucket payments-logs".
func (r *ResourceRef) Label() string {
	switch r.Type.Or() {
	case ResourceSSO:
		return r.PermissionSet
	case ResourceS3:
		return r.Level + " on S3 bucket " + r.Name
	case ResourceEC2:
		return "EC2 instance " + r.Name
	case ResourceEKS:
		if r.Namespace != "" {
			return fmt.Sprintf("%s on EKS cluster %s, namespace %s", r.Level, r.Name, r.Namespace)
		}
		return r.Level + " on EKS cluster " + r.Name
	case ResourceRDS:
		return fmt.Sprintf("RDS %s as %s", r.Name, r.Level)
	case ResourceIAMRole:
		return "IAM role " + r.Name
	case ResourceIAMGroup:
		return "IAM group " + r.Name
	}
	return r.localName()
}

var (
	accountPart   = regexp.MustCompile(`^[^/:\s]+$`)
	bucketName    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	instanceID    = regexp.MustCompile(`^i-[0-9a-f]{8,17}$`)
	clusterName   = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	namespaceName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	dbInstance    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,62}$`)
	dbUser        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$`)
	iamName       = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
)

// ParseResourceID parses a resource ID ("TYPE:ACCOUNT/NAME"). The account
// part may be an account ID or a name; callers resolve names. It checks
// the name's form for the type and returns EINVALID saying what is wrong.
func ParseResourceID(id string) (*ResourceRef, error) {
	typ, rest, ok := strings.Cut(strings.TrimSpace(id), ":")
	account, local, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || local == "" || !accountPart.MatchString(account) {
		return nil, Errorf(EINVALID, "resource %q is not of the form TYPE:ACCOUNT/NAME, e.g. aws-s3:111111111111/payments-logs:read", id)
	}
	r := &ResourceRef{Type: ResourceType(typ), AccountID: account}
	if !r.Type.Known() {
		return nil, Errorf(EINVALID, "resource %q has unknown type %q; known: %s", id, typ, joinTypes())
	}
	bad := func(format string, args ...any) (*ResourceRef, error) {
		return nil, Errorf(EINVALID, "resource %q: %s", id, fmt.Sprintf(format, args...))
	}
	switch r.Type {
	case ResourceSSO:
		r.PermissionSet = local
	case ResourceS3, ResourceEKS, ResourceRDS:
		name, level, ok := cutLast(local, ":")
		if !ok || level == "" {
			return bad("say the %s after a colon, e.g. %s", levelNoun(r.Type), exampleID(r.Type))
		}
		r.Name, r.Level = name, level
		if r.Type == ResourceEKS {
			r.Name, r.Namespace, _ = strings.Cut(name, "/")
		}
	default:
		r.Name = local
	}
	if err := r.checkForm(); err != nil {
		return bad("%s", ErrorMessage(err))
	}
	r.ID = r.FormatID()
	return r, nil
}

// checkForm checks the name, level and namespace against the type's rules.
func (r *ResourceRef) checkForm() error {
	check := func(ok bool, what, v string) error {
		if !ok {
			return Errorf(EINVALID, "%q is not a valid %s", v, what)
		}
		return nil
	}
	switch r.Type.Or() {
	case ResourceSSO:
		return check(iamName.MatchString(r.PermissionSet) && len(r.PermissionSet) <= 32, "permission set name", r.PermissionSet)
	case ResourceS3:
		if err := check(bucketName.MatchString(r.Name), "S3 bucket name", r.Name); err != nil {
			return err
		}
	case ResourceEC2:
		return check(instanceID.MatchString(r.Name), "EC2 instance ID (i-0123456789abcdef0)", r.Name)
	case ResourceEKS:
		if err := check(clusterName.MatchString(r.Name), "EKS cluster name", r.Name); err != nil {
			return err
		}
		if r.Namespace != "" {
			if err := check(namespaceName.MatchString(r.Namespace), "Kubernetes namespace", r.Namespace); err != nil {
				return err
			}
		}
	case ResourceRDS:
		if err := check(dbInstance.MatchString(r.Name), "RDS DB instance identifier", r.Name); err != nil {
			return err
		}
		return check(dbUser.MatchString(r.Level), "database user name", r.Level)
	case ResourceIAMRole:
		return check(iamName.MatchString(r.Name) && len(r.Name) <= 64, "IAM role name", r.Name)
	case ResourceIAMGroup:
		return check(iamName.MatchString(r.Name), "IAM group name", r.Name)
	}
	if levels := r.Type.Levels(); levels != nil && !slices.Contains(levels, r.Level) {
		return Errorf(EINVALID, "level %q is not offered for %s; use one of %s", r.Level, r.Type, strings.Join(levels, ", "))
	}
	return nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

func levelNoun(t ResourceType) string {
	if t == ResourceRDS {
		return "database user"
	}
	return "level (" + strings.Join(t.Levels(), ", ") + ")"
}

func exampleID(t ResourceType) string {
	switch t {
	case ResourceS3:
		return "aws-s3:111111111111/payments-logs:read"
	case ResourceEKS:
		return "aws-eks:111111111111/prod:view or aws-eks:111111111111/prod/payments:edit"
	case ResourceRDS:
		return "aws-rds:111111111111/orders-db:readonly"
	}
	return string(t) + ":111111111111/NAME"
}

func joinTypes() string {
	names := make([]string, len(ResourceTypes))
	for i, t := range ResourceTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
