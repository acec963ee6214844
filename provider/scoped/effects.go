package scoped

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stint-dev/stint"
)

// Types lists the resource types whose effects and discovery Provider
// handles.
var Types = []stint.ResourceType{stint.ResourceS3, stint.ResourceEC2, stint.ResourceRDS}

var (
	regionForm = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	dbiForm    = regexp.MustCompile(`^db-[A-Za-z0-9]{1,64}$`)
)

// Permission returns the scoped permission set an aws-s3, aws-ec2 or
// aws-rds effect needs: its target, a description and the type's policy
// (docs/providers/s3.md, ec2.md and rds.md). The resource comes from the
// effect's Spec ("name" and "level", else its Target); EC2 and RDS use
// Spec["region"] when discovery set it, else the configured region; RDS
// needs Spec["dbi_resource_id"]. It returns EINVALID, without calling AWS,
// saying what is missing or malformed.
func (p *Provider) Permission(e *stint.Effect) (Permission, error) { return p.permission(e, true) }

// permission is Permission; with full false (to revoke or check an effect)
// only what names the permission set must be right: an RDS effect without
// a usable dbi_resource_id, or whose instance lost IAM authentication,
// gets no policy rather than an error, so that its access can still be
// removed.
func (p *Provider) permission(e *stint.Effect, full bool) (Permission, error) {
	if e == nil {
		return Permission{}, stint.Errorf(stint.EINVALID, "no effect given")
	}
	t := e.Type()
	if !slices.Contains(Types, t) {
		return Permission{}, stint.Errorf(stint.EINVALID, "effect %s is of kind %q; the scoped provider handles %s", e.Key, e.Kind, typeList())
	}
	name, level := e.Spec["name"], e.Spec["level"]
	if name == "" {
		name = e.Target
		if t != stint.ResourceEC2 {
			name, level, _ = cutLast(e.Target, ":")
		}
	}
	if !isAccountID(e.AccountID) {
		return Permission{}, stint.Errorf(stint.EINVALID, "effect %s: account ID %q is not 12 digits", e.Key, e.AccountID)
	}
	// The domain's own parser checks the names' forms (no wildcards can
	// reach a policy's Resource).
	id := string(t) + ":" + e.AccountID + "/" + name
	if t != stint.ResourceEC2 {
		id += ":" + level
	}
	ref, err := stint.ParseResourceID(id)
	if err != nil {
		return Permission{}, stint.Errorf(stint.EINVALID, "effect %s: %s", e.Key, stint.ErrorMessage(err))
	}
	region := p.region
	if r := e.Spec["region"]; r != "" {
		if !regionForm.MatchString(r) {
			return Permission{}, stint.Errorf(stint.EINVALID, "effect %s: region %q is not an AWS region", e.Key, r)
		}
		region = r
	}
	perm := Permission{AccountID: e.AccountID, Kind: t, Target: ref.Name}
	switch t {
	case stint.ResourceS3:
		perm.Target += ":" + ref.Level
		perm.Description = description(fmt.Sprintf("stint: %s on S3 bucket %s in %s", ref.Level, ref.Name, e.AccountID))
		perm.Policy = S3Policy(p.partition, ref.Name, ref.Level)
	case stint.ResourceEC2:
		perm.Description = description(fmt.Sprintf("stint: Session Manager on EC2 instance %s in %s (%s)", ref.Name, e.AccountID, region))
		perm.Policy = EC2Policy(p.partition, region, e.AccountID, ref.Name)
	case stint.ResourceRDS:
		perm.Target += ":" + ref.Level
		perm.Description = description(fmt.Sprintf("stint: connect as %s on RDS instance %s in %s (%s)", ref.Level, ref.Name, e.AccountID, region))
		dbi := e.Spec["dbi_resource_id"]
		var bad error
		switch {
		case dbi == "":
			bad = stint.Errorf(stint.EINVALID, "effect %s: RDS instance %s has no dbi_resource_id; sync the directory so that discovery reads it, then retry", e.Key, ref.Name)
		case !dbiForm.MatchString(dbi):
			bad = stint.Errorf(stint.EINVALID, "effect %s: dbi_resource_id %q is not of the form db-ABC123", e.Key, dbi)
		}
		if on, err := strconv.ParseBool(e.Spec["iam_auth"]); bad == nil && err == nil && !on {
			bad = stint.Errorf(stint.EINVALID, "RDS instance %s in %s does not have IAM database authentication enabled; enable it (modify-db-instance --enable-iam-database-authentication), sync the directory, then retry", ref.Name, e.AccountID)
		}
		switch {
		case bad != nil && full:
			return Permission{}, bad
		case dbiForm.MatchString(dbi):
			perm.Policy = RDSPolicy(p.partition, region, e.AccountID, ref.Name, dbi, ref.Level)
		}
	}
	return perm, nil
}

func typeList() string {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// Grant makes an aws-s3, aws-ec2 or aws-rds effect real: Ensure of the
// effect's Permission for its principal. Errors are coded as for
// Permission and Ensure.
func (p *Provider) Grant(ctx context.Context, e *stint.Effect) error {
	perm, err := p.Permission(e)
	if err != nil {
		return err
	}
	_, err = p.Ensure(ctx, perm, e.PrincipalID)
	return err
}

// Revoke removes the effect: Remove of the effect's Permission for its
// principal, cutting off the sessions already issued when
// e.Spec["cutoff"] is true (the grant's immediate_cutoff), by the
// effect's Subject (the user name their sessions are named after). An
// effect whose resource is named right revokes even when Grant would
// refuse it (an RDS instance without dbi_resource_id), so that a failed
// grant can be cleaned up. Errors are coded as for Remove.
func (p *Provider) Revoke(ctx context.Context, e *stint.Effect) error {
	perm, err := p.permission(e, false)
	if err != nil {
		return err
	}
	cutoff, _ := strconv.ParseBool(e.Spec["cutoff"])
	return p.Remove(ctx, perm, e.PrincipalID, e.Subject, cutoff)
}

// Exists reports whether the effect's principal is assigned to its
// permission set; like Revoke it needs only the resource named right.
func (p *Provider) Exists(ctx context.Context, e *stint.Effect) (bool, error) {
	perm, err := p.permission(e, false)
	if err != nil {
		return false, err
	}
	return p.Has(ctx, perm, e.PrincipalID)
}
