package stint

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Flow says who may request which resources, for how long and who approves.
// Flows come from the config file.
type Flow struct {
	Name            string         `json:"name" yaml:"name"`
	Requesters      []string       `json:"requesters" yaml:"requesters"` // "user:EMAIL" or "group:NAME"
	Resources       []FlowResource `json:"resources" yaml:"resources"`
	MaxDuration     Duration       `json:"max_duration" yaml:"max_duration"`         // required
	DefaultDuration Duration       `json:"default_duration" yaml:"default_duration"` // default: 1h, capped at max_duration
	Approvers       []string       `json:"approvers,omitempty" yaml:"approvers"`     // "user:EMAIL" or "group:NAME"
	AutoApprove     bool           `json:"auto_approve" yaml:"auto_approve"`
	// RequireReason makes a reason mandatory. Default: true.
	RequireReason *bool `json:"require_reason,omitempty" yaml:"require_reason"`
	// ReviewTimeout is how long a request may wait for review. Default: 24h.
	ReviewTimeout Duration `json:"review_timeout,omitempty" yaml:"review_timeout"`
	// MaxExtensions bounds extensions per grant. Default: 3 (set -1 for none).
	MaxExtensions int `json:"max_extensions,omitempty" yaml:"max_extensions"`
}

// FlowResource selects resources for a flow.
type FlowResource struct {
	IdentityCenter *IdentityCenterSelector `json:"identity_center,omitempty" yaml:"identity_center"`
}

// IdentityCenterSelector selects (account, permission set) pairs.
type IdentityCenterSelector struct {
	// Accounts: account ID, "name:NAME", "ou:PATH" (nested), "tag:KEY=VALUE", or "all".
	Accounts       []string `json:"accounts" yaml:"accounts"`
	PermissionSets []string `json:"permission_sets" yaml:"permission_sets"`
}

// Flow defaults.
const (
	DefaultRequestDuration = time.Hour
	DefaultReviewTimeout   = 24 * time.Hour
	DefaultMaxExtensions   = 3
)

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// Validate checks the flow on its own. Errors name the field at fault.
func (f *Flow) Validate() error {
	if f.Name == "" {
		return Errorf(EINVALID, "flow without a name")
	}
	if len(f.Requesters) == 0 {
		return Errorf(EINVALID, "flow %q: requesters is empty; add e.g. group:Engineers", f.Name)
	}
	for _, p := range append(append([]string{}, f.Requesters...), f.Approvers...) {
		if err := ValidatePrincipalRef(p); err != nil {
			return Errorf(EINVALID, "flow %q: %s", f.Name, ErrorMessage(err))
		}
	}
	if f.MaxDuration <= 0 {
		return Errorf(EINVALID, "flow %q: max_duration is required (e.g. 4h)", f.Name)
	}
	if f.DefaultDuration > f.MaxDuration {
		return Errorf(EINVALID, "flow %q: default_duration %s exceeds max_duration %s", f.Name, f.DefaultDuration, f.MaxDuration)
	}
	if !f.AutoApprove && len(f.Approvers) == 0 {
		return Errorf(EINVALID, "flow %q: set approvers or auto_approve: true", f.Name)
	}
	if len(f.Resources) == 0 {
		return Errorf(EINVALID, "flow %q: resources is empty", f.Name)
	}
	for i, r := range f.Resources {
		ic := r.IdentityCenter
		if ic == nil {
			return Errorf(EINVALID, "flow %q: resources[%d] has no identity_center selector", f.Name, i)
		}
		if len(ic.Accounts) == 0 || len(ic.PermissionSets) == 0 {
			return Errorf(EINVALID, "flow %q: resources[%d] needs accounts and permission_sets", f.Name, i)
		}
		for _, sel := range ic.Accounts {
			if err := ValidateAccountSelector(sel); err != nil {
				return Errorf(EINVALID, "flow %q: resources[%d]: %s", f.Name, i, ErrorMessage(err))
			}
		}
	}
	return nil
}

// ValidatePrincipalRef checks a "user:EMAIL" or "group:NAME" reference.
func ValidatePrincipalRef(p string) error {
	kind, val, ok := strings.Cut(p, ":")
	if !ok || val == "" || (kind != "user" && kind != "group") {
		return Errorf(EINVALID, "principal %q must be user:EMAIL or group:NAME", p)
	}
	return nil
}

// ValidateAccountSelector checks an account selector's syntax.
func ValidateAccountSelector(sel string) error {
	switch {
	case sel == "all", accountIDPattern.MatchString(sel):
		return nil
	case strings.HasPrefix(sel, "name:") && len(sel) > 5,
		strings.HasPrefix(sel, "ou:") && len(sel) > 3:
		return nil
	case strings.HasPrefix(sel, "tag:"):
		if k, _, ok := strings.Cut(sel[4:], "="); ok && k != "" {
			return nil
		}
	}
	return Errorf(EINVALID, "account selector %q must be a 12-digit account ID, name:NAME, ou:PATH, tag:KEY=VALUE or all", sel)
}

// MatchAccount reports whether the selector matches the account. "ou:Prod"
// matches accounts in Prod and in every OU nested under it.
func MatchAccount(sel string, a *Account) bool {
	switch {
	case sel == "all":
		return true
	case strings.HasPrefix(sel, "name:"):
		return strings.EqualFold(a.Name, sel[5:])
	case strings.HasPrefix(sel, "ou:"):
		p := strings.Trim(sel[3:], "/")
		return strings.EqualFold(a.OUPath, p) || strings.HasPrefix(strings.ToLower(a.OUPath), strings.ToLower(p)+"/")
	case strings.HasPrefix(sel, "tag:"):
		k, v, _ := strings.Cut(sel[4:], "=")
		tv, ok := a.Tags[k]
		return ok && tv == v
	default:
		return sel == a.ID
	}
}

// MatchPrincipal reports whether the "user:EMAIL" / "group:NAME" reference
// matches the user.
func MatchPrincipal(ref string, u *User) bool {
	kind, val, _ := strings.Cut(ref, ":")
	switch kind {
	case "user":
		return strings.EqualFold(val, u.Email)
	case "group":
		return u.InGroup(val)
	}
	return false
}

// AllowsRequester reports whether u may request through the flow.
func (f *Flow) AllowsRequester(u *User) bool {
	for _, r := range f.Requesters {
		if MatchPrincipal(r, u) {
			return true
		}
	}
	return false
}

// IsApprover reports whether u is one of the flow's approvers.
func (f *Flow) IsApprover(u *User) bool {
	for _, r := range f.Approvers {
		if MatchPrincipal(r, u) {
			return true
		}
	}
	return false
}

// Covers reports whether the flow includes the permission set in the account.
func (f *Flow) Covers(a *Account, permissionSet string) bool {
	for _, r := range f.Resources {
		ic := r.IdentityCenter
		if ic == nil || !containsFold(ic.PermissionSets, permissionSet) {
			continue
		}
		for _, sel := range ic.Accounts {
			if MatchAccount(sel, a) {
				return true
			}
		}
	}
	return false
}

// ReasonRequired reports whether requests must carry a reason.
func (f *Flow) ReasonRequired() bool { return f.RequireReason == nil || *f.RequireReason }

// Default returns the flow's default duration.
func (f *Flow) Default() time.Duration {
	d := time.Duration(f.DefaultDuration)
	if d <= 0 {
		d = DefaultRequestDuration
	}
	return min(d, time.Duration(f.MaxDuration))
}

// Timeout returns how long a request may wait for review.
func (f *Flow) Timeout() time.Duration {
	if f.ReviewTimeout > 0 {
		return time.Duration(f.ReviewTimeout)
	}
	return DefaultReviewTimeout
}

// ExtensionLimit returns how many extensions a grant may have.
func (f *Flow) ExtensionLimit() int {
	switch {
	case f.MaxExtensions < 0:
		return 0
	case f.MaxExtensions == 0:
		return DefaultMaxExtensions
	}
	return f.MaxExtensions
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Eligible is one resource a user may request, through one flow.
type Eligible struct {
	Flow          string   `json:"flow"`
	ResourceID    string   `json:"resource_id"`
	AccountID     string   `json:"account_id"`
	AccountName   string   `json:"account_name"`
	PermissionSet string   `json:"permission_set"`
	MaxDuration   Duration `json:"max_duration"`
	AutoApprove   bool     `json:"auto_approve"`
}

// EligibleResources lists what u may request across the flows, one row per
// (flow, account, permission set) that exists in the directory.
func EligibleResources(flows []Flow, dir *Directory, u *User) []Eligible {
	var out []Eligible
	for i := range flows {
		f := &flows[i]
		if !f.AllowsRequester(u) {
			continue
		}
		for ai := range dir.Accounts {
			a := &dir.Accounts[ai]
			for _, ps := range dir.PermissionSets {
				if f.Covers(a, ps.Name) {
					out = append(out, Eligible{
						Flow: f.Name, ResourceID: ResourceID(a.ID, ps.Name), AccountID: a.ID,
						AccountName: a.Name, PermissionSet: ps.Name, MaxDuration: f.MaxDuration,
						AutoApprove: f.AutoApprove,
					})
				}
			}
		}
	}
	return out
}

// FindFlow picks the flow through which u may request the permission set in
// the account. When several match, an auto-approving flow wins, then the one
// listed first. It returns EFORBIDDEN when none matches.
func FindFlow(flows []Flow, u *User, a *Account, permissionSet string) (*Flow, error) {
	var found *Flow
	for i := range flows {
		f := &flows[i]
		if !f.AllowsRequester(u) || !f.Covers(a, permissionSet) {
			continue
		}
		if found == nil || (f.AutoApprove && !found.AutoApprove) {
			found = f
		}
	}
	if found == nil {
		return nil, Errorf(EFORBIDDEN, "no flow lets %s request %s in account %s (%s); run `stint resources` to see what you may request",
			u.Email, permissionSet, a.ID, a.Name)
	}
	return found, nil
}

// String describes the selector for messages.
func (s IdentityCenterSelector) String() string {
	return fmt.Sprintf("%v x %v", s.Accounts, s.PermissionSets)
}
