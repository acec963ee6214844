package stint

import (
	"slices"
	"strings"
	"time"
)

// ValidateRequesterRef checks a flow requester: "user:EMAIL",
// "group:NAME" or "external:ORG".
func ValidateRequesterRef(p string) error {
	if org, ok := strings.CutPrefix(p, "external:"); ok {
		if err := ValidateOrg(org); err != nil {
			return Errorf(EINVALID, "requester %q: %s", p, ErrorMessage(err))
		}
		return nil
	}
	if err := ValidatePrincipalRef(p); err != nil {
		return Errorf(EINVALID, "principal %q must be user:EMAIL, group:NAME or external:ORG", p)
	}
	return nil
}

// ForExternals reports whether the flow is for third parties: its
// requesters are external:ORG references.
func (f *Flow) ForExternals() bool {
	return slices.ContainsFunc(f.Requesters, func(r string) bool { return strings.HasPrefix(r, "external:") })
}

// ExternalOrgs returns the organisations a flow for externals names.
func (f *Flow) ExternalOrgs() []string {
	var out []string
	for _, r := range f.Requesters {
		if org, ok := strings.CutPrefix(r, "external:"); ok {
			out = append(out, org)
		}
	}
	return out
}

// ForOrg reports whether the flow is for externals of the organisation.
func (f *Flow) ForOrg(org string) bool {
	return slices.ContainsFunc(f.ExternalOrgs(), func(o string) bool { return strings.EqualFold(o, org) })
}

// IsSponsor reports whether u is one of the flow's sponsors.
func (f *Flow) IsSponsor(u *User) bool { return matchAny(f.Sponsors, u) }

// ExternalResourceTypes are the types a flow for externals may grant:
// what credentials with a session policy can be scoped to.
var ExternalResourceTypes = []ResourceType{ResourceS3, ResourceEC2, ResourceRDS}

// validateExternal checks what a flow for externals must be: only
// external requesters; explicit resources (S3 buckets, EC2 instances, RDS
// databases by exact name, in accounts named by ID or name:); a
// max_duration from MinCredentialDuration to MaxExternalDuration; a
// person approving every request (the sponsor by default: no
// auto-approval, no break-glass); no exclusions; bundles within the
// flow's resources. A flow for internal users may not name sponsors.
func (f *Flow) validateExternal() error {
	if !f.ForExternals() {
		if len(f.Sponsors) > 0 {
			return Errorf(EINVALID, "flow %q: sponsors are for flows for externals (requesters: [external:ORG])", f.Name)
		}
		return nil
	}
	bad := func(format string, args ...any) error {
		return Errorf(EINVALID, "flow %q: %s", f.Name, Errorf(EINVALID, format, args...).Message)
	}
	for _, r := range f.Requesters {
		if !strings.HasPrefix(r, "external:") {
			return bad("requesters mixes %q with external: references; a flow is either for externals or for internal users", r)
		}
	}
	switch {
	case time.Duration(f.MaxDuration) > MaxExternalDuration:
		return bad("max_duration %s is too long for externals; at most %s", f.MaxDuration, FormatDuration(MaxExternalDuration))
	case time.Duration(f.MaxDuration) < MinCredentialDuration:
		return bad("max_duration %s is shorter than %s, the shortest credentials AWS issues", f.MaxDuration, FormatDuration(MinCredentialDuration))
	case f.DefaultDuration != 0 && time.Duration(f.DefaultDuration) < MinCredentialDuration:
		return bad("default_duration %s is shorter than %s, the shortest credentials AWS issues", f.DefaultDuration, FormatDuration(MinCredentialDuration))
	case f.AutoApprove || len(f.AutoApproveWhen) > 0:
		return bad("requests of externals are always approved by a person (their sponsor by default); drop auto_approve and auto_approve_when")
	case f.BreakGlass != nil:
		return bad("externals have no break-glass access; drop break_glass")
	case len(f.Exclude) > 0:
		return bad("exclude does not apply to externals; disable one with `stint external disable EMAIL`")
	}
	for i := range f.Resources {
		if err := CheckExternalResource(&f.Resources[i]); err != nil {
			return bad("resources[%d]: %s", i, ErrorMessage(err))
		}
	}
	for i, b := range f.Bundles {
		for j := range b.Resources {
			r := &b.Resources[j]
			if err := CheckExternalResource(r); err != nil {
				return bad("bundles[%d].resources[%d]: %s", i, j, ErrorMessage(err))
			}
			if !f.CoversSelector(r.Selector()) {
				return bad("bundle %q reaches beyond the flow's resources (%s); a bundle may only hold resources the flow lists", b.Name, r.Selector())
			}
		}
	}
	return nil
}

// CheckExternalResource checks that a resource entry of a flow for
// externals names its resources explicitly: an S3, EC2 or RDS selector
// with exact names (no patterns, no tags) in accounts named by ID or
// name:NAME. It returns EINVALID saying what to change.
func CheckExternalResource(r *FlowResource) error {
	sel := r.Selector()
	if sel == nil || !slices.Contains(ExternalResourceTypes, sel.Type) {
		return Errorf(EINVALID, "externals may be granted only s3, ec2 and rds resources (credentials are scoped to one bucket, instance or database)")
	}
	key := selectorKey(sel.Type)
	for _, a := range sel.Accounts {
		if !accountIDPattern.MatchString(a) && !(strings.HasPrefix(a, "name:") && !strings.Contains(a, "*")) {
			return Errorf(EINVALID, "%s: account %q must be an account ID or name:NAME for externals, not a pattern, OU, tag or all", key, a)
		}
	}
	if len(sel.Names) == 0 {
		return Errorf(EINVALID, "%s: list the %s by exact name; externals get only what the flow names", key, nameNoun(sel.Type))
	}
	for _, n := range sel.Names {
		if strings.Contains(n, "*") {
			return Errorf(EINVALID, "%s: %q is a pattern; externals get only %s named exactly", key, n, nameNoun(sel.Type))
		}
	}
	if len(sel.Tags) > 0 {
		return Errorf(EINVALID, "%s: tags select resources by what they carry; for externals list the %s by name", key, nameNoun(sel.Type))
	}
	return nil
}

func nameNoun(t ResourceType) string {
	switch t {
	case ResourceS3:
		return "buckets"
	case ResourceRDS:
		return "DB instances"
	}
	return "instances"
}

// CoversSelector reports whether one resource entry of the flow includes
// everything the (explicit) selector names: its accounts, names and
// levels.
func (f *Flow) CoversSelector(s *Selector) bool {
	for i := range f.Resources {
		fs := f.Resources[i].Selector()
		if fs == nil || fs.Type != s.Type {
			continue
		}
		if subsetFold(s.Accounts, fs.Accounts) && subsetFold(s.Names, fs.Names) && subsetFold(s.Levels, fs.Levels) {
			return true
		}
	}
	return false
}

func subsetFold(sub, of []string) bool {
	for _, v := range sub {
		if !containsFold(of, v) {
			return false
		}
	}
	return true
}
