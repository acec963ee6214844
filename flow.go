package stint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Flow says who may request which resources, for how long, what a request
// must carry and who approves. Flows come from the config file; package
// policy compiles each to Cedar policies and decides with them.
type Flow struct {
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description,omitempty" yaml:"description"`
	// Requesters: "user:EMAIL" or "group:NAME" (groups may nest through the
	// config's groups section); or, for a flow for third parties, only
	// "external:ORG" references (see docs/external.md).
	Requesters []string `json:"requesters" yaml:"requesters"`
	// Sponsors, on a flow for externals, are the internal users
	// ("user:EMAIL", "group:NAME") who may invite externals of the flow's
	// organisations and sponsor them. Default: none (admins invite).
	Sponsors []string `json:"sponsors,omitempty" yaml:"sponsors"`
	// RequesterAttributes, when set, also requires every named identity
	// store attribute of the requester to be one of the listed values.
	RequesterAttributes map[string][]string `json:"requester_attributes,omitempty" yaml:"requester_attributes"`
	// Exclude lists "user:" and "group:" references that may never request
	// through this flow, whatever Requesters says.
	Exclude   []string       `json:"exclude,omitempty" yaml:"exclude"`
	Resources []FlowResource `json:"resources" yaml:"resources"`
	// Bundles are named sets of resources requested together in one request.
	Bundles         []Bundle `json:"bundles,omitempty" yaml:"bundles"`
	MaxDuration     Duration `json:"max_duration" yaml:"max_duration"`         // required
	DefaultDuration Duration `json:"default_duration" yaml:"default_duration"` // default: 1h, capped at max_duration
	// ActivationWindow, when set, leaves approved grants "ready" until the
	// requester activates them, within this long after approval. Default: 0
	// (access starts on approval).
	ActivationWindow Duration `json:"activation_window,omitempty" yaml:"activation_window"`
	// RequireReason makes a reason mandatory. Default: true.
	RequireReason *bool `json:"require_reason,omitempty" yaml:"require_reason"`
	// Ticket, when set, asks for a ticket reference matching a pattern.
	Ticket *TicketRule `json:"ticket,omitempty" yaml:"ticket"`
	// Approvers is the one-step shorthand: any one of them approves.
	Approvers []string `json:"approvers,omitempty" yaml:"approvers"`
	// ApprovalSteps are ordered steps; each needs Quorum distinct approvers.
	ApprovalSteps []ApprovalStep `json:"approval_steps,omitempty" yaml:"approval_steps"`
	AutoApprove   bool           `json:"auto_approve" yaml:"auto_approve"`
	// AutoApproveWhen approves without review when any rule holds.
	AutoApproveWhen []AutoApproveRule `json:"auto_approve_when,omitempty" yaml:"auto_approve_when"`
	// ReviewTimeout is how long a request may wait for review. Default: 24h.
	ReviewTimeout Duration `json:"review_timeout,omitempty" yaml:"review_timeout"`
	// BreakGlass, when set, lets the named groups bypass approval (reason
	// required, loudly flagged) for at most its MaxDuration.
	BreakGlass *BreakGlass `json:"break_glass,omitempty" yaml:"break_glass"`
	// Extensions sets how grants may be extended.
	Extensions *ExtensionRule `json:"extensions,omitempty" yaml:"extensions"`
	// MaxExtensions bounds extensions per grant when Extensions is not set.
	// Default: 3 (set -1 for none).
	MaxExtensions int `json:"max_extensions,omitempty" yaml:"max_extensions"`
	// MFA asks for a multi-factor step-up before access (portal, third
	// parties).
	MFA bool `json:"mfa,omitempty" yaml:"mfa"`
	// ImmediateCutoff makes revocation end sessions already issued, where
	// the resource allows: stint's own permission sets (S3, EC2, EKS, RDS)
	// deny the user's sessions issued before the revocation; IAM roles
	// deny every session issued before it, so use it only for roles that
	// nobody uses but through stint. Default: false (sessions live until
	// they expire, at most the permission set's or role's session
	// duration).
	ImmediateCutoff bool `json:"immediate_cutoff,omitempty" yaml:"immediate_cutoff"`
	// Cedar is extra Cedar policy text for conditions YAML cannot say; its
	// forbid policies restrict the flow; permit policies are rejected.
	Cedar string `json:"cedar,omitempty" yaml:"cedar"`
	// Owners own the resources the flow grants: "user:EMAIL" or
	// "group:NAME". Access reviews whose reviewers include "owner" ask
	// them. Default: none.
	Owners []string `json:"owners,omitempty" yaml:"owners"`
}

// Bundle is a named set of resources requested together.
type Bundle struct {
	Name        string         `json:"name" yaml:"name"`
	Description string         `json:"description,omitempty" yaml:"description"`
	Resources   []FlowResource `json:"resources" yaml:"resources"`
}

// TicketRule says whether a request carries a ticket reference, and its form.
type TicketRule struct {
	Required bool   `json:"required" yaml:"required"`
	Pattern  string `json:"pattern,omitempty" yaml:"pattern"` // a Go regexp, e.g. ^(INC|CHG)-[0-9]+$
}

// ApprovalStep is one ordered approval step.
type ApprovalStep struct {
	Name      string   `json:"name" yaml:"name"`
	Approvers []string `json:"approvers" yaml:"approvers"` // "user:EMAIL" or "group:NAME"
	// Quorum is how many distinct approvers the step needs. Default: 1.
	Quorum int `json:"quorum,omitempty" yaml:"quorum"`
	// PermissionSets, when set, applies the step only to requests for one
	// of these permission sets.
	PermissionSets []string `json:"permission_sets,omitempty" yaml:"permission_sets"`
	// RequesterGroups, when set, applies the step only to requesters in one
	// of these groups.
	RequesterGroups []string `json:"requester_groups,omitempty" yaml:"requester_groups"`
}

// AutoApproveRule approves a request without review when it holds. The set
// fields must all hold.
type AutoApproveRule struct {
	Time            *TimeWindow   `json:"time,omitempty" yaml:"time"`
	RequesterGroups []string      `json:"requester_groups,omitempty" yaml:"requester_groups"`
	OnCall          *OnCallSource `json:"on_call,omitempty" yaml:"on_call"`
}

// TimeWindow is a weekly window in a time zone.
type TimeWindow struct {
	Days     []string `json:"days,omitempty" yaml:"days"`         // mon..sun or ranges "mon-fri"; empty means every day
	Hours    string   `json:"hours,omitempty" yaml:"hours"`       // "09:00-18:00"; empty means all day
	Timezone string   `json:"timezone,omitempty" yaml:"timezone"` // IANA name; default UTC
}

// OnCallSource answers "is this person on call now?": a YAML/JSON file of
// shifts, or a URL answering for an email.
type OnCallSource struct {
	File string `json:"file,omitempty" yaml:"file"`
	URL  string `json:"url,omitempty" yaml:"url"`
}

// BreakGlass configures emergency access without approval.
type BreakGlass struct {
	Groups      []string `json:"groups,omitempty" yaml:"groups"` // group names; empty means every requester of the flow
	MaxDuration Duration `json:"max_duration" yaml:"max_duration"`
}

// ExtensionRule says how grants of a flow may be extended.
type ExtensionRule struct {
	Max        int      `json:"max" yaml:"max"`                     // extensions per grant; 0 means none
	MaxEach    Duration `json:"max_each,omitempty" yaml:"max_each"` // longest single extension; 0 means up to max_duration
	Reapproval bool     `json:"reapproval,omitempty" yaml:"reapproval"`
}

// FlowResource selects resources for a flow: exactly one of its fields is
// set.
type FlowResource struct {
	IdentityCenter *IdentityCenterSelector `json:"identity_center,omitempty" yaml:"identity_center"`
	S3             *S3Selector             `json:"s3,omitempty" yaml:"s3"`
	EC2            *EC2Selector            `json:"ec2,omitempty" yaml:"ec2"`
	EKS            *EKSSelector            `json:"eks,omitempty" yaml:"eks"`
	RDS            *RDSSelector            `json:"rds,omitempty" yaml:"rds"`
	IAMRole        *IAMRoleSelector        `json:"iam_role,omitempty" yaml:"iam_role"`
	IAMGroup       *IAMGroupSelector       `json:"iam_group,omitempty" yaml:"iam_group"`
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
	for _, p := range f.Requesters {
		if err := ValidateRequesterRef(p); err != nil {
			return Errorf(EINVALID, "flow %q: %s", f.Name, ErrorMessage(err))
		}
	}
	for _, p := range append(append(append([]string{}, f.Approvers...), f.Sponsors...), f.Owners...) {
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
	if err := f.validateApproval(); err != nil {
		return err
	}
	if len(f.Resources) == 0 {
		return Errorf(EINVALID, "flow %q: resources is empty", f.Name)
	}
	for i := range f.Resources {
		if err := f.Resources[i].Validate(); err != nil {
			return Errorf(EINVALID, "flow %q: resources[%d]: %s", f.Name, i, ErrorMessage(err))
		}
	}
	return f.validateExternal()
}

// Validate checks that the resource sets exactly one selector, and its
// form.
func (r *FlowResource) Validate() error {
	switch r.count() {
	case 0:
		return Errorf(EINVALID, "set one of identity_center, s3, ec2, eks, rds, iam_role or iam_group")
	case 1:
	default:
		return Errorf(EINVALID, "set only one selector per resource entry; list the others as entries of their own")
	}
	if ic := r.IdentityCenter; ic != nil {
		if len(ic.Accounts) == 0 || len(ic.PermissionSets) == 0 {
			return Errorf(EINVALID, "identity_center needs accounts and permission_sets")
		}
		for _, sel := range ic.Accounts {
			if err := ValidateAccountSelector(sel); err != nil {
				return err
			}
		}
		return nil
	}
	return r.Selector().Validate()
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

// MatchPrincipal reports whether the "user:EMAIL" / "group:NAME" /
// "external:ORG" reference matches the user. user: and group: references
// never match an external user, and external: references match only
// external users of that organisation (any case).
func MatchPrincipal(ref string, u *User) bool {
	kind, val, _ := strings.Cut(ref, ":")
	if kind == "external" {
		return u.External() && strings.EqualFold(val, u.Attributes[AttrOrg])
	}
	if u.External() {
		return false
	}
	switch kind {
	case "user":
		return strings.EqualFold(val, u.Email)
	case "group":
		return u.InGroup(val)
	}
	return false
}

// AllowsRequester reports whether u may request through the flow: u matches
// a requester reference and the requester attributes, and is not excluded.
func (f *Flow) AllowsRequester(u *User) bool {
	if f.Excludes(u) || !f.AttributesMatch(u) {
		return false
	}
	for _, r := range f.Requesters {
		if MatchPrincipal(r, u) {
			return true
		}
	}
	return false
}

// IsApprover reports whether u is one of the flow's approvers.
func (f *Flow) IsApprover(u *User) bool {
	if matchAny(f.Approvers, u) {
		return true
	}
	return slices.ContainsFunc(f.ApprovalSteps, func(st ApprovalStep) bool { return matchAny(st.Approvers, u) })
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

// CoversRef reports whether the flow includes the resource in the
// account: Covers for an (account, permission set) pair; for other types a
// selector of the type that matches the account, name, tags (the ref's),
// level and namespace.
func (f *Flow) CoversRef(a *Account, ref *ResourceRef) bool {
	if ref.Type.Or() == ResourceSSO {
		return f.Covers(a, ref.PermissionSet)
	}
	res := &Resource{Type: ref.Type, AccountID: a.ID, Name: ref.Name, Tags: ref.Tags}
	for i := range f.Resources {
		sel := f.Resources[i].Selector()
		if sel == nil || !sel.Matches(a, res) {
			continue
		}
		if (len(sel.Levels) == 0 && ref.Level == "") || slices.Contains(sel.Levels, ref.Level) {
			if (len(sel.Namespaces) == 0 && ref.Namespace == "") || slices.Contains(sel.Namespaces, ref.Namespace) {
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
	if f.Extensions != nil {
		return f.Extensions.Max
	}
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
	Flow          string       `json:"flow"`
	ResourceID    string       `json:"resource_id"`
	Type          ResourceType `json:"type,omitempty"` // "" for bundles
	AccountID     string       `json:"account_id"`
	AccountName   string       `json:"account_name"`
	PermissionSet string       `json:"permission_set,omitempty"`
	// Name, Level and Namespace locate resources of other types.
	Name      string `json:"name,omitempty"`
	Level     string `json:"level,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	// Label is what a person reads: the permission set, or "read on S3
	// bucket payments-logs".
	Label       string   `json:"label"`
	MaxDuration Duration `json:"max_duration"`
	AutoApprove bool     `json:"auto_approve"`
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
						Flow: f.Name, ResourceID: ResourceID(a.ID, ps.Name), Type: ResourceSSO, AccountID: a.ID,
						AccountName: a.Name, PermissionSet: ps.Name, Label: ps.Name, MaxDuration: f.MaxDuration,
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

// Steps returns the approval plan of a request for the permission sets by
// the requester: the approval_steps that apply (a step scoped to permission
// sets or requester groups applies when one matches; a nil requester skips
// the group scope), or one step of quorum 1 from the approvers shorthand.
//
// A flow for externals without approvers or approval_steps has one step:
// the requester's sponsor approves.
func (f *Flow) Steps(permissionSets []string, requester *User) []RequestStep {
	if len(f.ApprovalSteps) == 0 {
		if len(f.Approvers) == 0 {
			if f.ForExternals() && requester.External() && requester.Attributes[AttrSponsor] != "" {
				return []RequestStep{{Name: "sponsor", Approvers: []string{"user:" + requester.Attributes[AttrSponsor]}, Quorum: 1}}
			}
			return nil
		}
		return []RequestStep{{Name: "approval", Approvers: slices.Clone(f.Approvers), Quorum: 1}}
	}
	var out []RequestStep
	for i, st := range f.ApprovalSteps {
		if len(st.PermissionSets) > 0 && !slices.ContainsFunc(permissionSets, func(ps string) bool { return containsFold(st.PermissionSets, ps) }) {
			continue
		}
		if len(st.RequesterGroups) > 0 && requester != nil && !slices.ContainsFunc(st.RequesterGroups, requester.InGroup) {
			continue
		}
		name := st.Name
		if name == "" {
			name = fmt.Sprintf("step %d", i+1)
		}
		out = append(out, RequestStep{Name: name, Approvers: slices.Clone(st.Approvers), Quorum: max(st.Quorum, 1)})
	}
	return out
}

// CheckTicket validates a ticket reference against the flow's rule and
// returns it trimmed.
func (f *Flow) CheckTicket(ticket string) (string, error) {
	ticket = strings.TrimSpace(ticket)
	if f.Ticket == nil {
		return ticket, nil
	}
	if ticket == "" {
		if f.Ticket.Required {
			return "", Errorf(EINVALID, "flow %q requires a ticket reference; pass --ticket (pattern %s)", f.Name, f.Ticket.Pattern)
		}
		return "", nil
	}
	if f.Ticket.Pattern != "" {
		re, err := regexp.Compile(f.Ticket.Pattern)
		if err != nil {
			return "", Errorf(EINVALID, "flow %q: ticket pattern %q does not compile: %v", f.Name, f.Ticket.Pattern, err)
		}
		if !re.MatchString(ticket) {
			return "", Errorf(EINVALID, "ticket %q does not match %s, the pattern of flow %q", ticket, f.Ticket.Pattern, f.Name)
		}
	}
	return ticket, nil
}

// Excludes reports whether the flow's exclude list names the user.
func (f *Flow) Excludes(u *User) bool { return matchAny(f.Exclude, u) }

// AttributesMatch reports whether the user has every attribute value the
// flow's requester_attributes asks for.
func (f *Flow) AttributesMatch(u *User) bool {
	for k, vals := range f.RequesterAttributes {
		if !slices.Contains(vals, u.Attributes[k]) {
			return false
		}
	}
	return true
}

// AllowsBreakGlass reports whether u may use the flow's break-glass access.
func (f *Flow) AllowsBreakGlass(u *User) bool {
	if f.BreakGlass == nil {
		return false
	}
	return len(f.BreakGlass.Groups) == 0 || slices.ContainsFunc(f.BreakGlass.Groups, func(g string) bool {
		return u.InGroup(strings.TrimPrefix(g, "group:"))
	})
}

// Bundle finds a bundle by name.
func (f *Flow) Bundle(name string) (*Bundle, bool) {
	for i := range f.Bundles {
		if strings.EqualFold(f.Bundles[i].Name, name) {
			return &f.Bundles[i], true
		}
	}
	return nil, false
}

func (f *Flow) validateApproval() error {
	if !f.AutoApprove && len(f.Approvers) == 0 && len(f.ApprovalSteps) == 0 && !f.ForExternals() {
		return Errorf(EINVALID, "flow %q: set approvers, approval_steps or auto_approve: true", f.Name)
	}
	if len(f.Approvers) > 0 && len(f.ApprovalSteps) > 0 {
		return Errorf(EINVALID, "flow %q: use approvers (one step) or approval_steps, not both", f.Name)
	}
	for i, st := range f.ApprovalSteps {
		if len(st.Approvers) == 0 {
			return Errorf(EINVALID, "flow %q: approval_steps[%d] has no approvers", f.Name, i)
		}
		if st.Quorum < 0 {
			return Errorf(EINVALID, "flow %q: approval_steps[%d]: quorum must be at least 1", f.Name, i)
		}
		for _, p := range st.Approvers {
			if err := ValidatePrincipalRef(p); err != nil {
				return Errorf(EINVALID, "flow %q: approval_steps[%d]: %s", f.Name, i, ErrorMessage(err))
			}
		}
	}
	if f.Ticket != nil && f.Ticket.Pattern != "" {
		if _, err := regexp.Compile(f.Ticket.Pattern); err != nil {
			return Errorf(EINVALID, "flow %q: ticket pattern %q does not compile: %v", f.Name, f.Ticket.Pattern, err)
		}
	}
	if bg := f.BreakGlass; bg != nil && bg.MaxDuration > f.MaxDuration {
		return Errorf(EINVALID, "flow %q: break_glass max_duration %s exceeds max_duration %s", f.Name, bg.MaxDuration, f.MaxDuration)
	}
	for _, p := range f.Exclude {
		if err := ValidatePrincipalRef(p); err != nil {
			return Errorf(EINVALID, "flow %q: exclude: %s", f.Name, ErrorMessage(err))
		}
	}
	for i, b := range f.Bundles {
		if b.Name == "" || len(b.Resources) == 0 {
			return Errorf(EINVALID, "flow %q: bundles[%d] needs a name and resources", f.Name, i)
		}
	}
	return nil
}
