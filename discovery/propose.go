package discovery

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/config"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/policy"
)

// PlaceholderApprovers is the approver written into flows for
// admin-equivalent access when no approvers are named: it matches no
// group, so such a flow approves nothing until the admin names the group
// that should.
const PlaceholderApprovers = "group:CHANGE-ME-security-approvers"

// DefaultFlowPrefix starts the names of proposed flows.
const DefaultFlowPrefix = "discovered-"

// Durations proposed by risk: (max, default).
var proposedDurations = map[stint.AccessLevel][2]time.Duration{
	stint.AccessAdmin: {2 * time.Hour, time.Hour},
	stint.AccessWrite: {4 * time.Hour, 2 * time.Hour},
	stint.AccessRead:  {12 * time.Hour, 8 * time.Hour},
}

// ProposeOptions say what to propose from.
type ProposeOptions struct {
	// Config is stint's configuration: its flows and groups are kept
	// beside the proposed ones (names must not clash) and they are
	// validated together. Required.
	Config *config.Config
	// Directory and Live are the organisation and Identity Center as the
	// scan read them (Scanner.Directory, Scanner.Live). Required.
	Directory *stint.Directory
	Live      *identityconfig.Live
	// Protected are the assignments grants hold (the ledger), which no
	// plan deletes, and Owned what earlier applies made.
	Protected map[identityconfig.AssignmentKey]bool
	Owned     identityconfig.Ownership
	// Approvers approve requests for admin-equivalent access (and write
	// access held by single people): "group:NAME" or "user:EMAIL". Default:
	// PlaceholderApprovers, flagged.
	Approvers []string
	// PermissionSets limits the proposal to these permission sets (names,
	// any case). Default: every permission set with standing assignments.
	PermissionSets []string
	// Prefix starts the flows' names; default "discovered-".
	Prefix string
	// Now dates the files; default time.Now.
	Now func() time.Time
}

// ProposedFlow is one flow of a proposal, with what it replaces.
type ProposedFlow struct {
	Flow stint.Flow `json:"flow"`
	// Access is the highest access the flow offers; it set the approval.
	Access stint.AccessLevel `json:"access"`
	// Replaces are the standing assignments whose people the flow lets
	// request the same access.
	Replaces []stint.InventoryAssignment `json:"replaces"`
	// People counts the identity store users it lets request.
	People int `json:"people"`
	// Placeholder reports approvers still to fill in.
	Placeholder bool `json:"placeholder,omitempty"`
	// Unused notes access nobody used for long: worth dropping rather
	// than offering.
	Unused []string `json:"unused,omitempty"`
}

// Proposal is what `stint discover --propose` writes: flows that give the
// people with standing access the same access on demand, and an identity
// file whose plan removes the standing assignments those flows replace.
type Proposal struct {
	ScanID string         `json:"scan_id"`
	Flows  []ProposedFlow `json:"flows"`
	// Removals are the standing assignments the plan deletes.
	Removals []stint.InventoryAssignment `json:"removals"`
	// Kept are standing assignments the plan cannot delete while a grant
	// holds them (stint adopted them), or whose principal is gone.
	Kept []stint.InventoryAssignment `json:"kept,omitempty"`
	// Plan is `stint plan -f identity.yaml --prune` against the live state
	// as read: exactly the removals, unless Extra says otherwise.
	Plan *identityconfig.Plan `json:"plan"`
	// Extra are plan actions beyond the removals (assignments of
	// principals the identity store no longer has, which an export cannot
	// name): they would be applied too.
	Extra []string `json:"extra,omitempty"`
	// Problems are validation errors of the proposed flows with the
	// config (placeholders make "unknown group" ones); Warnings the
	// config's advice.
	Problems []string `json:"problems,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Checked counts the (person, account, permission set) pairs of the
	// removals that the proposed flows were asked about and allow;
	// Beyond lists what the flows would offer that nobody held.
	Checked int      `json:"checked"`
	Beyond  []string `json:"beyond,omitempty"`

	flowsYAML, current, identity, planText []byte
	accountNames                           map[string]string
}

// Propose builds the proposal from a scan. It groups the standing
// assignments by permission set and by the set of accounts a principal
// holds it in: one flow per permission set and account set, whose
// requesters are those principals (groups stay groups, so membership
// changes follow). Account sets become OU selectors where they cover
// every account of an OU (with at least two), "all" when they cover the
// organisation, account IDs otherwise. Approval follows the access:
// admin-equivalent needs opts.Approvers (or the flagged placeholder) for at
// most 2h; write needs the requester groups' peers (no self-approval; or
// the approvers when a requester is a single person or a group of one) for
// at most 4h; read is auto-approved, for at most 12h: still on demand and
// audited. The flows are validated as the config would be (parsed, checked
// together with the config's flows against the directory, compiled to
// Cedar), then asked, with the policy engine, whether every person can
// request exactly what they held. The identity file is the live set-up
// (stint export) without the removed assignments; its plan with --prune is
// computed as `stint plan` would. Propose returns EINVALID when the flows
// do not parse or compile (a bug), and an error when nothing is standing.
func Propose(ctx context.Context, scan *stint.Scan, opts ProposeOptions) (*Proposal, error) {
	if scan.Inventory == nil || opts.Config == nil || opts.Directory == nil || opts.Live == nil {
		return nil, stint.Errorf(stint.EINVALID, "a proposal needs the scan's inventory, the config, the directory and the live Identity Center state")
	}
	p := &Proposal{ScanID: scan.ID, Flows: []ProposedFlow{}, Removals: []stint.InventoryAssignment{}}
	pr := &proposer{opts: opts, scan: scan, prefix: cmp.Or(opts.Prefix, DefaultFlowPrefix), taken: map[string]bool{}}
	for _, f := range opts.Config.Flows {
		pr.taken[strings.ToLower(f.Name)] = true
	}
	pr.index()
	p.accountNames = map[string]string{}
	for id, a := range pr.accounts {
		p.accountNames[id] = a.Name
	}
	p.Flows, p.Removals, p.Kept = pr.flows()
	if len(p.Flows) == 0 {
		return nil, stint.Errorf(stint.ENOTFOUND, "scan %s has no standing Identity Center assignments to turn into flows%s", scan.ID, pr.filterNote())
	}
	var err error
	if p.flowsYAML, err = pr.renderFlows(p.Flows); err != nil {
		return nil, err
	}
	parsed, err := pr.validate(p)
	if err != nil {
		return nil, err
	}
	if err := pr.check(ctx, p, parsed); err != nil {
		return nil, err
	}
	if err := pr.plan(p); err != nil {
		return nil, err
	}
	return p, nil
}

type proposer struct {
	opts   ProposeOptions
	scan   *stint.Scan
	prefix string
	taken  map[string]bool

	accounts map[string]*stint.Account
	ous      map[string][]string // OU path -> account IDs in it and under it
	members  map[string]int      // group (lower case) -> members
	users    map[string]*stint.User
	idle     map[string]string // assignment key -> the unused finding's reason
}

func (pr *proposer) index() {
	dir := pr.opts.Directory
	pr.accounts, pr.ous = map[string]*stint.Account{}, map[string][]string{}
	for i := range dir.Accounts {
		a := &dir.Accounts[i]
		pr.accounts[a.ID] = a
		if a.OUPath == "" {
			continue
		}
		parts := strings.Split(a.OUPath, "/")
		for j := range parts {
			path := strings.Join(parts[:j+1], "/")
			pr.ous[path] = append(pr.ous[path], a.ID)
		}
	}
	pr.members, pr.users = map[string]int{}, map[string]*stint.User{}
	for i := range dir.Users {
		u := &dir.Users[i]
		pr.users[u.ID] = u
		for _, g := range u.Groups {
			pr.members[strings.ToLower(g)]++
		}
	}
	pr.idle = map[string]string{}
	for _, f := range pr.scan.Findings {
		if f.Kind == stint.FindingUnused && strings.HasPrefix(f.Resource, "aws-sso:") {
			pr.idle[f.Principal+"|"+f.Resource] = f.Reason
		}
	}
}

func (pr *proposer) now() time.Time {
	if pr.opts.Now != nil {
		return pr.opts.Now().UTC()
	}
	return time.Now().UTC()
}

func (pr *proposer) filterNote() string {
	if len(pr.opts.PermissionSets) == 0 {
		return ""
	}
	return " of permission sets " + strings.Join(pr.opts.PermissionSets, ", ")
}

// ref returns the principal of an assignment as flows name it, or "" when
// the identity store no longer has it.
func (pr *proposer) ref(a *stint.InventoryAssignment) string {
	if a.PrincipalName == "" {
		return ""
	}
	if a.PrincipalType == "GROUP" {
		return "group:" + a.PrincipalName
	}
	if u := pr.users[a.PrincipalID]; u != nil && u.Email != "" {
		return "user:" + u.Email
	}
	return ""
}

// flows groups the standing assignments into flows.
func (pr *proposer) flows() (flows []ProposedFlow, removals, kept []stint.InventoryAssignment) {
	type holding struct {
		ps, ref string
	}
	accountsOf := map[holding]map[string]*stint.InventoryAssignment{}
	for i := range pr.scan.Inventory.Assignments {
		a := &pr.scan.Inventory.Assignments[i]
		if len(pr.opts.PermissionSets) > 0 && !slices.ContainsFunc(pr.opts.PermissionSets, func(ps string) bool { return strings.EqualFold(ps, a.PermissionSet) }) {
			continue
		}
		ref := pr.ref(a)
		if ref == "" || a.HeldByGrant {
			kept = append(kept, *a)
			continue
		}
		h := holding{a.PermissionSet, ref}
		if accountsOf[h] == nil {
			accountsOf[h] = map[string]*stint.InventoryAssignment{}
		}
		accountsOf[h][a.AccountID] = a
	}
	type group struct {
		ps       string
		accounts []string
	}
	refs := map[string][]string{} // group key -> principal refs
	groups := map[string]group{}
	for h, accts := range accountsOf {
		ids := sortedKeys(accts)
		k := h.ps + "|" + strings.Join(ids, ",")
		groups[k] = group{h.ps, ids}
		refs[k] = append(refs[k], h.ref)
	}
	for _, k := range sortedKeys(groups) {
		g := groups[k]
		slices.Sort(refs[k])
		pf := ProposedFlow{Access: stint.AccessRead}
		people := map[string]bool{}
		for _, ref := range refs[k] {
			for _, id := range g.accounts {
				a := accountsOf[holding{g.ps, ref}][id]
				pf.Replaces = append(pf.Replaces, *a)
				pf.Access = judgement{level: pf.Access}.max(judgement{level: a.Access}).level
				if why, ok := pr.idle[ref+"|"+a.ResourceID()]; ok {
					pf.Unused = append(pf.Unused, why)
				}
			}
			for _, u := range pr.opts.Directory.Users {
				if stint.MatchPrincipal(ref, &u) {
					people[u.ID] = true
				}
			}
		}
		pf.People = len(people)
		pf.Flow = pr.flow(g.ps, g.accounts, refs[k], pf.Access, &pf)
		removals = append(removals, pf.Replaces...)
		flows = append(flows, pf)
	}
	slices.SortFunc(flows, func(a, b ProposedFlow) int {
		return cmp.Or(cmp.Compare(rank(b.Access), rank(a.Access)), strings.Compare(a.Flow.Name, b.Flow.Name))
	})
	return flows, removals, kept
}

// flow makes the flow for a permission set over an account set.
func (pr *proposer) flow(ps string, accounts, requesters []string, access stint.AccessLevel, pf *ProposedFlow) stint.Flow {
	sels, label := pr.selectors(accounts)
	f := stint.Flow{
		Name:       pr.name(ps, label),
		Requesters: requesters,
		Resources:  []stint.FlowResource{{IdentityCenter: &stint.IdentityCenterSelector{Accounts: sels, PermissionSets: []string{ps}}}},
	}
	d := proposedDurations[access]
	f.MaxDuration, f.DefaultDuration = stint.Duration(d[0]), stint.Duration(d[1])
	approvers := pr.opts.Approvers
	if len(approvers) == 0 {
		approvers = []string{PlaceholderApprovers}
	}
	switch access {
	case stint.AccessAdmin:
		f.Approvers = slices.Clone(approvers)
	case stint.AccessWrite:
		if pr.peers(requesters) {
			f.Approvers = slices.Clone(requesters)
		} else {
			f.Approvers = slices.Clone(approvers)
		}
	default:
		f.AutoApprove = true
	}
	pf.Placeholder = slices.Contains(f.Approvers, PlaceholderApprovers)
	f.Description = fmt.Sprintf("%s access to %s, on demand instead of standing (stint discover, scan %s)", access, ps, pr.scan.ID)
	return f
}

// peers reports whether every requester is a group of two or more, so that
// its members can approve each other (never themselves).
func (pr *proposer) peers(requesters []string) bool {
	return !slices.ContainsFunc(requesters, func(r string) bool {
		g, ok := strings.CutPrefix(r, "group:")
		return !ok || pr.members[strings.ToLower(g)] < 2
	})
}

// selectors turns an account set into flow account selectors, and a label
// for the flow's name.
func (pr *proposer) selectors(ids []string) ([]string, string) {
	if len(ids) == len(pr.accounts) && len(ids) > 1 {
		return []string{"all"}, "all-accounts"
	}
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	covered := map[string]bool{}
	var sels, labels []string
	paths := sortedKeys(pr.ous)
	slices.SortStableFunc(paths, func(a, b string) int { return cmp.Compare(strings.Count(a, "/"), strings.Count(b, "/")) })
	for _, path := range paths {
		members := pr.ous[path]
		if len(members) < 2 || slices.ContainsFunc(members, func(id string) bool { return !in[id] || covered[id] }) {
			continue
		}
		sels = append(sels, "ou:"+path)
		labels = append(labels, strings.ReplaceAll(path, "/", "-"))
		for _, id := range members {
			covered[id] = true
		}
	}
	for _, id := range ids {
		if !covered[id] {
			sels = append(sels, id)
			labels = append(labels, cmp.Or(pr.accounts[id].Name, id))
		}
	}
	label := strings.Join(labels, "-")
	if len(labels) > 2 {
		label = fmt.Sprintf("%d-accounts", len(ids))
	}
	return sels, label
}

// name returns a unique flow name.
func (pr *proposer) name(ps, label string) string {
	base := pr.prefix + kebab(ps) + "-" + kebab(label)
	name := base
	for n := 2; pr.taken[strings.ToLower(name)]; n++ {
		name = fmt.Sprintf("%s-%d", base, n)
	}
	pr.taken[strings.ToLower(name)] = true
	return name
}

// kebab lower-cases s and joins its words with "-".
func kebab(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z' && b.Len() > 0 && !dash:
			// PowerUserAccess -> power-user-access: a dash before a
			// capital that follows a lower-case letter.
			prev := b.String()[b.Len()-1]
			if prev >= 'a' && prev <= 'z' || prev >= '0' && prev <= '9' {
				b.WriteByte('-')
			}
			b.WriteRune(r + 'a' - 'A')
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
			continue
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		dash = false
	}
	return strings.Trim(b.String(), "-")
}

// q quotes a YAML scalar (JSON strings are YAML strings).
func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func qList(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = q(s)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// renderFlows writes the flows as a stint.yaml fragment with comments.
func (pr *proposer) renderFlows(flows []ProposedFlow) ([]byte, error) {
	var b bytes.Buffer
	now := pr.now()
	fmt.Fprintf(&b, "# Flows proposed by `stint discover --propose` from scan %s on %s.\n", pr.scan.ID, now.Format(time.DateOnly))
	b.WriteString("# They give the people who hold standing access today the same access on demand.\n")
	b.WriteString("# Add them to the flows section of stint.yaml, fill in every CHANGE-ME approver,\n")
	b.WriteString("# run `stint config validate`, then remove the standing access with identity.yaml\n")
	b.WriteString("# (see README.md next to this file).\n")
	b.WriteString("flows:\n")
	for _, pf := range flows {
		f := pf.Flow
		fmt.Fprintf(&b, "  # %s access; replaces %d standing %s (%d %s)\n", pf.Access, len(pf.Replaces), plural(len(pf.Replaces), "assignment"), pf.People, plural(pf.People, "person"))
		if pf.Placeholder {
			b.WriteString("  # CHANGE-ME: name the group that approves this access (stint discover --propose --approvers group:NAME)\n")
		}
		for _, u := range pf.Unused {
			fmt.Fprintf(&b, "  # unused: %s; consider not offering it at all\n", u)
		}
		fmt.Fprintf(&b, "  - name: %s\n    description: %s\n    requesters: %s\n", q(f.Name), q(f.Description), qList(f.Requesters))
		b.WriteString("    resources:\n")
		for _, r := range f.Resources {
			ic := r.IdentityCenter
			b.WriteString("      - identity_center:\n          accounts:\n")
			for _, sel := range ic.Accounts {
				fmt.Fprintf(&b, "            - %s", q(sel))
				if a := pr.accounts[sel]; a != nil {
					fmt.Fprintf(&b, "  # %s", a.Name)
				}
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "          permission_sets: %s\n", qList(ic.PermissionSets))
		}
		fmt.Fprintf(&b, "    max_duration: %s\n    default_duration: %s\n", stint.FormatDuration(time.Duration(f.MaxDuration)), stint.FormatDuration(time.Duration(f.DefaultDuration)))
		if f.AutoApprove {
			b.WriteString("    auto_approve: true\n")
		} else {
			fmt.Fprintf(&b, "    approvers: %s\n", qList(f.Approvers))
		}
	}
	return b.Bytes(), nil
}

// validate parses the written flows as the config parser does (problems
// are placed in flows.yaml), checks their references against the directory
// with the config's groups, and compiles them with the config's own flows
// to Cedar. It returns the parsed flows.
func (pr *proposer) validate(p *Proposal) ([]stint.Flow, error) {
	region := cmp.Or(pr.opts.Config.AWS.Region, "us-east-1")
	// The fragment's lines stay where they are: the region comes after.
	parsed, err := config.Parse(FileFlows, append(slices.Clone(p.flowsYAML), []byte("aws:\n  region: "+q(region)+"\n")...))
	if err != nil {
		return nil, stint.Errorf(stint.EINVALID, "the proposed flows do not validate (a bug in stint discover; please report it): %s", stint.ErrorMessage(err))
	}
	all := append(slices.Clone(pr.opts.Config.Flows), parsed.Flows...)
	if _, err := policy.New(policy.Config{Flows: all, Groups: pr.opts.Config.Groups}); err != nil {
		return nil, stint.Errorf(stint.EINVALID, "the proposed flows do not compile with the config's (%s)", stint.ErrorMessage(err))
	}
	parsed.Groups = pr.opts.Config.Groups
	for _, prob := range parsed.CheckAgainst(pr.opts.Directory) {
		if prob.Warning {
			p.Warnings = append(p.Warnings, prob.String())
		} else {
			p.Problems = append(p.Problems, prob.String())
		}
	}
	return parsed.Flows, nil
}

// check asks the policy engine, with the proposed flows only, whether each
// person can request each (account, permission set) of the removals, and
// whether the flows offer anything more.
func (pr *proposer) check(ctx context.Context, p *Proposal, flows []stint.Flow) error {
	eng, err := policy.New(policy.Config{Flows: flows, Groups: pr.opts.Config.Groups})
	if err != nil {
		return stint.Errorf(stint.EINVALID, "the proposed flows do not compile: %s", stint.ErrorMessage(err))
	}
	dir := pr.opts.Directory
	held := map[string]bool{} // email|account|ps
	removed := &stint.Inventory{Users: dir.Users, Assignments: p.Removals}
	people := StandingPeople(removed)
	for _, ids := range sortedKeys(people) {
		for _, ua := range people[ids] {
			held[strings.ToLower(ua.User.Email)+"|"+ua.AccountID+"|"+strings.ToLower(ua.PermissionSet)] = true
			u := eng.Expand(ua.User)
			if _, err := eng.DecideRequest(ctx, policy.RequestInput{User: u, Account: pr.accounts[ua.AccountID], PermissionSet: ua.PermissionSet}); err != nil {
				p.Problems = append(p.Problems, fmt.Sprintf("%s could not request %s in %s through the proposed flows: %s",
					ua.User.Email, ua.PermissionSet, ua.AccountID, stint.ErrorMessage(err)))
				continue
			}
			p.Checked++
		}
	}
	for _, f := range flows {
		for _, r := range f.Resources {
			for i := range dir.Accounts {
				a := &dir.Accounts[i]
				for _, ps := range r.IdentityCenter.PermissionSets {
					if !f.Covers(a, ps) {
						continue
					}
					for _, w := range eng.WhoCan(dir, a, ps) {
						if k := strings.ToLower(w.User) + "|" + a.ID + "|" + strings.ToLower(ps); !held[k] {
							p.Beyond = append(p.Beyond, fmt.Sprintf("%s may request %s in %s (%s) through %s without holding it now", w.User, ps, a.Name, a.ID, w.Flow))
							held[k] = true // once
						}
					}
				}
			}
		}
	}
	slices.Sort(p.Beyond)
	return nil
}

// plan writes the current state (the undo) and the identity file without
// the removals, and plans the file as `stint plan --prune` would.
func (pr *proposer) plan(p *Proposal) error {
	live, dir := pr.opts.Live, pr.opts.Directory
	exclude := maps.Clone(pr.opts.Protected)
	if exclude == nil {
		exclude = map[identityconfig.AssignmentKey]bool{}
	}
	var err error
	when := pr.now().Format(time.RFC3339)
	p.current, err = identityconfig.Export(live, dir, identityconfig.ExportOptions{Exclude: exclude, Header: []string{
		fmt.Sprintf("Identity Center set-up of %s before `stint discover --propose` (scan %s), %s.", live.InstanceARN, pr.scan.ID, when),
		"To undo the removals, apply this file: `stint apply -f current.yaml` re-creates what identity.yaml removed.",
	}})
	if err != nil {
		return err
	}
	removals := map[identityconfig.AssignmentKey]bool{}
	for _, a := range p.Removals {
		k := identityconfig.AssignmentKey{AccountID: a.AccountID, PermissionSetARN: a.PermissionSetARN, PrincipalID: a.PrincipalID}
		removals[k], exclude[k] = true, true
	}
	p.identity, err = identityconfig.Export(live, dir, identityconfig.ExportOptions{Exclude: exclude, Header: []string{
		fmt.Sprintf("Identity Center set-up of %s without the %d standing assignments that the flows in flows.yaml replace (scan %s).", live.InstanceARN, len(p.Removals), pr.scan.ID),
		"Review, then remove them: `stint plan -f identity.yaml --prune`, `stint apply -f identity.yaml --prune`.",
	}})
	if err != nil {
		return err
	}
	desired, err := identityconfig.Parse(map[string][]byte{FileIdentity: p.identity})
	if err != nil {
		return fmt.Errorf("the proposed identity file does not parse: %w", err)
	}
	resolved, err := identityconfig.Resolve(desired, dir)
	if err != nil {
		return fmt.Errorf("the proposed identity file does not resolve: %w", err)
	}
	p.Plan = identityconfig.Diff(resolved, live, identityconfig.DiffOptions{Prune: true, Protected: pr.opts.Protected, Owned: pr.opts.Owned})
	for _, act := range p.Plan.Actions {
		if act.Kind == identityconfig.KindAssignment && act.Op == identityconfig.OpDelete && act.Assignment != nil {
			t := act.Assignment
			if removals[identityconfig.AssignmentKey{AccountID: t.AccountID, PermissionSetARN: psARN(live, t.PermissionSet), PrincipalID: t.PrincipalID}] {
				continue
			}
		}
		p.Extra = append(p.Extra, fmt.Sprintf("%s %s %s", act.Op, strings.ReplaceAll(string(act.Kind), "_", " "), act.Name))
	}
	var text bytes.Buffer
	if err := identityconfig.RenderText(&text, p.Plan, identityconfig.RenderOptions{}); err != nil {
		return err
	}
	p.planText = text.Bytes()
	return nil
}

func psARN(live *identityconfig.Live, name string) string {
	for _, ps := range live.PermissionSets {
		if strings.EqualFold(ps.Name, name) {
			return ps.ARN
		}
	}
	return ""
}

// Files written by Write.
const (
	FileFlows    = "flows.yaml"
	FileCurrent  = "current.yaml"
	FileIdentity = "identity.yaml"
	FilePlan     = "plan.txt"
	FileProposal = "proposal.json"
	FileReadme   = "README.md"
)

// Write writes the proposal into dir (created if needed): the export of the
// current state first (current.yaml, the undo), then flows.yaml,
// identity.yaml, plan.txt, proposal.json and README.md. It changes nothing
// in AWS. It returns EINVALID when dir cannot be written.
func (p *Proposal) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return stint.Errorf(stint.EINVALID, "create %s: %v; pass --propose a folder you may write", dir, err)
	}
	js, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{FileCurrent, p.current}, {FileFlows, p.flowsYAML}, {FileIdentity, p.identity}, {FilePlan, p.planText},
		{FileProposal, append(js, '\n')}, {FileReadme, p.readme()},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return stint.Errorf(stint.EINVALID, "write %s: %v", filepath.Join(dir, f.name), err)
		}
	}
	return nil
}

// FlowsYAML returns the flows as written to flows.yaml.
func (p *Proposal) FlowsYAML() []byte { return p.flowsYAML }

// IdentityFile returns identity.yaml; CurrentFile current.yaml.
func (p *Proposal) IdentityFile() []byte { return p.identity }

// CurrentFile returns current.yaml, the export of the state before.
func (p *Proposal) CurrentFile() []byte { return p.current }

// Placeholders returns the names of the flows whose approvers are still to
// fill in.
func (p *Proposal) Placeholders() []string {
	var out []string
	for _, f := range p.Flows {
		if f.Placeholder {
			out = append(out, f.Flow.Name)
		}
	}
	return out
}

func (p *Proposal) readme() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Standing access to on-demand access (scan %s)\n\n", p.ScanID)
	fmt.Fprintf(&b, "`stint discover --propose` wrote these files; nothing has changed in AWS.\n\n")
	fmt.Fprintf(&b, "- `flows.yaml`: %d flows that let the people with standing access request the same access on demand.\n", len(p.Flows))
	fmt.Fprintf(&b, "- `identity.yaml`: the Identity Center set-up without the %d standing assignments those flows replace.\n", len(p.Removals))
	b.WriteString("- `current.yaml`: the set-up as it is now (written first): apply it to undo.\n")
	b.WriteString("- `plan.txt`: what `stint apply -f identity.yaml --prune` changes, as planned now.\n")
	b.WriteString("- `proposal.json`: all of it, for scripts.\n\n")
	b.WriteString("## Steps\n\n")
	b.WriteString("1. Review `flows.yaml` and fill in every `CHANGE-ME` approver")
	if ph := p.Placeholders(); len(ph) > 0 {
		fmt.Fprintf(&b, " (%d: %s)", len(ph), strings.Join(ph, ", "))
	}
	b.WriteString(".\n2. Add the flows to `stint.yaml`, run `stint config validate`, and reload the server (SIGHUP).\n")
	b.WriteString("3. Tell the people concerned that they request this access now (`stint resources`, `stint request`).\n")
	b.WriteString("4. `stint plan -f identity.yaml --prune`: it must list only the removals below.\n")
	b.WriteString("5. `stint apply -f identity.yaml --prune`: shown, confirmed, then applied. Running it again changes nothing.\n")
	b.WriteString("6. To undo: `stint apply -f current.yaml` re-creates the removed assignments.\n\n")
	fmt.Fprintf(&b, "## Checks\n\n- %d (person, account, permission set) pairs were asked of the policy engine with the proposed flows: each can be requested.\n", p.Checked)
	if len(p.Beyond) == 0 {
		b.WriteString("- The flows offer nothing that nobody holds now.\n")
	} else {
		fmt.Fprintf(&b, "- The flows offer %d more (OU selectors reach accounts some holders lack):\n", len(p.Beyond))
		for _, x := range p.Beyond {
			fmt.Fprintf(&b, "  - %s\n", x)
		}
	}
	for _, list := range []struct {
		title string
		items []string
	}{{"Problems (fix before applying)", p.Problems}, {"Warnings", p.Warnings}, {"Plan actions beyond the removals", p.Extra}} {
		if len(list.items) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n", list.title)
		for _, x := range list.items {
			fmt.Fprintf(&b, "- %s\n", x)
		}
	}
	if len(p.Kept) > 0 {
		b.WriteString("\n## Standing assignments kept\n\n")
		for _, a := range p.Kept {
			why := "a grant holds it now (stint adopted it); remove it once the grant ends"
			if !a.HeldByGrant {
				why = "its principal is no longer in the identity store, or has no email for a flow to name"
			}
			fmt.Fprintf(&b, "- %s %s: %s in %s (%s): %s\n", strings.ToLower(a.PrincipalType), cmp.Or(a.PrincipalName, a.PrincipalID), a.PermissionSet,
				p.accountNames[a.AccountID], a.AccountID, why)
		}
	}
	b.WriteString("\n## Removals\n\n")
	for _, a := range p.Removals {
		fmt.Fprintf(&b, "- %s %s: %s in %s (%s)\n", strings.ToLower(a.PrincipalType), a.PrincipalName, a.PermissionSet, p.accountNames[a.AccountID], a.AccountID)
	}
	return b.Bytes()
}
