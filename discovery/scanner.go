package discovery

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/errgroup"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/identityconfig"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/identitycenter"
)

// Scanner defaults.
const (
	DefaultParallel    = 8
	DefaultPoll        = 2 * time.Second
	DefaultReportWait  = 5 * time.Minute
	DefaultMaxAttempts = 8
)

// Config configures a Scanner. Zero fields take the documented defaults.
type Config struct {
	// AWS is the SDK configuration of stint's identity in the Identity
	// Center account (region, endpoint, credentials). Required. Build it,
	// the provider and the assumer from Calls.Wrap to count the calls.
	AWS aws.Config
	// IdentityCenter reads the directory and lends its limiter, which every
	// Identity Center call of the scan shares with stint's other callers.
	// Required.
	IdentityCenter *identitycenter.Provider
	// Assumer reaches member accounts (OrganizationAccountAccessRole by
	// default). Required.
	Assumer *account.Assumer
	// Ledger is the store's effects: access stint holds for grants, which
	// is never reported as standing. Default: none.
	Ledger []*stint.Effect
	// Thresholds for unused access, key age and wide access.
	Thresholds Thresholds
	// Parallel bounds the accounts whose IAM is read at once; default 8.
	Parallel int
	// Calls, when set, counts the scan's AWS requests (from AWS, the
	// provider and the assumer built with Calls.Wrap) into the summary.
	Calls *Calls
	// Progress, if set, is told of each step done (the directory, Identity
	// Center's assignments, each account's IAM) out of the total. Calls are
	// serialised.
	Progress func(done, total int, step string)
	// Poll is the wait between checks of IAM's credential report and
	// service last accessed jobs; default 2s. ReportWait bounds one such
	// wait; default 5m.
	Poll       time.Duration
	ReportWait time.Duration
	// MaxAttempts is the most attempts per IAM call (throttling and server
	// errors are retried); default 8.
	MaxAttempts int
	// Now is the clock; default time.Now. NewID makes the scan's ID;
	// default stint.NewID.
	Now   func() time.Time
	NewID func() string
	// Logger receives warnings; default slog.Default().
	Logger *slog.Logger
}

// Scanner inventories the organisation's standing access. A Scanner runs
// one Scan at a time.
type Scanner struct {
	cfg         Config
	now         func() time.Time
	maxAttempts int
	poll        time.Duration
	reportWait  time.Duration

	mu            sync.Mutex
	notes         []string
	noServiceData atomic.Bool
	// serviceDataKnown is set once the endpoint answered a service last
	// accessed job; until then the first asker asks alone.
	serviceDataKnown atomic.Bool
	serviceDataMu    sync.Mutex
	dir              *stint.Directory
	live             *identityconfig.Live
}

// Directory returns the directory the last Scan read, nil before one.
func (s *Scanner) Directory() *stint.Directory {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dir
}

// Live returns the Identity Center state the last Scan read (Propose
// exports it), nil before one.
func (s *Scanner) Live() *identityconfig.Live {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live
}

// New returns a Scanner. It returns EINVALID when a required field is
// missing.
func New(cfg Config) (*Scanner, error) {
	if cfg.IdentityCenter == nil || cfg.Assumer == nil {
		return nil, stint.Errorf(stint.EINVALID, "discovery needs the Identity Center provider and the member account assumer")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = stint.NewID
	}
	return &Scanner{cfg: cfg, now: cfg.Now, maxAttempts: cmp.Or(cfg.MaxAttempts, DefaultMaxAttempts),
		poll: cmp.Or(cfg.Poll, DefaultPoll), reportWait: cmp.Or(cfg.ReportWait, DefaultReportWait)}, nil
}

func (s *Scanner) log() *slog.Logger { return cmp.Or(s.cfg.Logger, slog.Default()) }

// notef records a note of what could not be read, once per text.
func (s *Scanner) notef(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.notes, msg) {
		s.notes = append(s.notes, msg)
		s.log().Warn("discovery: " + msg)
	}
}

// Scan reads the organisation and judges it: the directory and every
// Identity Center assignment and permission set (through the shared
// limiter), and each account's IAM, Parallel accounts at a time, alongside.
// An account whose member role cannot be assumed, or whose IAM refuses, is
// reported in the scan's accounts as not scanned, with the reason; the scan
// goes on. Reading Identity Center failing fails the scan (EUNAVAILABLE,
// EFORBIDDEN as the provider says), as does ctx ending.
func (s *Scanner) Scan(ctx context.Context) (*stint.Scan, error) {
	s.mu.Lock()
	s.notes = nil
	s.mu.Unlock()
	s.noServiceData.Store(false)
	s.serviceDataKnown.Store(false)
	if s.cfg.Calls != nil {
		s.cfg.Calls.Reset()
	}
	started := s.now().UTC()
	var progMu sync.Mutex
	done, total := 0, 2
	step := func(what string) {
		if s.cfg.Progress == nil {
			return
		}
		progMu.Lock()
		defer progMu.Unlock()
		done++
		s.cfg.Progress(done, total, what)
	}
	// Account tags cost a call per account at Organizations' 10 calls/s;
	// discovery needs names and OU paths only. Permission sets are read in
	// detail with the assignments.
	dir, err := s.cfg.IdentityCenter.DirectoryWith(ctx, identitycenter.DirectoryOptions{NoAccountTags: true, NoPermissionSets: true})
	if err != nil {
		return nil, fmt.Errorf("read the organisation and identity store: %w", err)
	}
	progMu.Lock()
	total += len(dir.Accounts)
	progMu.Unlock()
	step("directory")
	led := ledgerOf(s.cfg.Ledger)
	org := map[string]bool{}
	for _, a := range dir.Accounts {
		org[a.ID] = true
	}

	// Ask STS who stint is once, before the accounts ask it at once.
	if _, err := s.cfg.Assumer.Self(ctx); err != nil {
		return nil, err
	}
	var live *identityconfig.Live
	results := make([]*accountIAM, len(dir.Accounts))
	errs := make([]error, len(dir.Accounts))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		r, err := identityconfig.NewReader(identityconfig.ReaderConfig{AWS: s.cfg.AWS, InstanceARN: s.cfg.IdentityCenter.InstanceARN(),
			IdentityStoreID: s.cfg.IdentityCenter.IdentityStoreID(), Limiter: s.cfg.IdentityCenter.Limiter(), Logger: s.log()})
		if err != nil {
			return err
		}
		if live, err = r.Read(gctx, dir); err != nil {
			return fmt.Errorf("read Identity Center's permission sets and assignments: %w", err)
		}
		step("Identity Center assignments")
		return nil
	})
	accounts := &errgroup.Group{}
	accounts.SetLimit(cmp.Or(s.cfg.Parallel, DefaultParallel))
	g.Go(func() error {
		for i, a := range dir.Accounts {
			accounts.Go(func() error {
				results[i], errs[i] = s.readIAM(gctx, a, org, led.jitGroups[a.ID])
				step("IAM of " + cmp.Or(a.Name, a.ID))
				return nil
			})
		}
		return accounts.Wait()
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	scan := &stint.Scan{ID: s.cfg.NewID(), StartedAt: started, InstanceARN: dir.InstanceARN}
	inv := &stint.Inventory{Users: dir.Users, Groups: dir.Groups}
	policies := map[string]map[string]string{} // account -> customer managed policy documents
	for i, a := range dir.Accounts {
		sa := stint.ScanAccount{ID: a.ID, Name: a.Name, OUPath: a.OUPath, Scanned: errs[i] == nil}
		if errs[i] != nil {
			sa.Error = stint.ErrorMessage(errs[i])
		} else if r := results[i]; r != nil {
			inv.IAMUsers = append(inv.IAMUsers, r.users...)
			inv.IAMRoles = append(inv.IAMRoles, r.roles...)
			inv.SSORoles = append(inv.SSORoles, r.ssoRoles...)
			policies[a.ID] = r.policies
		}
		scan.Accounts = append(scan.Accounts, sa)
	}
	for _, ps := range live.PermissionSets {
		dir.PermissionSets = append(dir.PermissionSets, stint.PermissionSet{ARN: ps.ARN, Name: ps.Name, SessionDuration: ps.SessionDuration.String()})
	}
	s.identityCenter(inv, live, led, policies)
	scan.Notes = append(append(scan.Notes, live.Warnings...), s.takeNotes()...)
	scan.Findings = Analyze(inv, scan.Accounts, s.cfg.Thresholds, started)
	scan.Inventory = inv
	scan.FinishedAt = s.now().UTC()
	s.summarize(scan)
	s.mu.Lock()
	s.dir, s.live = dir, live
	s.mu.Unlock()
	return scan, nil
}

func (s *Scanner) takeNotes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.notes)
}

// ledger is what stint holds for grants, by its effects.
type ledger struct {
	// jit are assignments grants made ("ACCOUNT|PS_ARN|USER_ID"); adopted
	// those that existed before and that a grant holds now.
	jit, adopted map[string]bool
	// jitGroups are the IAM group memberships grants made, by account:
	// "user|group" in lower case.
	jitGroups map[string]map[string]bool
}

func ledgerOf(effects []*stint.Effect) *ledger {
	l := &ledger{jit: map[string]bool{}, adopted: map[string]bool{}, jitGroups: map[string]map[string]bool{}}
	for _, e := range effects {
		switch e.Type().Or() {
		case stint.ResourceSSO:
			k := e.AccountID + "|" + e.PermissionSetARN + "|" + e.PrincipalID
			if e.Preexisting {
				l.adopted[k] = true
			} else {
				l.jit[k] = true
			}
		case stint.ResourceIAMGroup:
			if e.Preexisting {
				continue
			}
			if l.jitGroups[e.AccountID] == nil {
				l.jitGroups[e.AccountID] = map[string]bool{}
			}
			l.jitGroups[e.AccountID][strings.ToLower(e.Subject)+"|"+strings.ToLower(e.Spec["name"])] = true
		}
	}
	return l
}

// identityCenter fills the permission sets and assignments: what each
// permission set allows (its customer managed policies per account), and
// which assignments are standing and which stint holds.
func (s *Scanner) identityCenter(inv *stint.Inventory, live *identityconfig.Live, led *ledger, policies map[string]map[string]string) {
	names := map[string]string{}
	for _, u := range inv.Users {
		names["USER|"+u.ID] = u.UserName
	}
	for _, g := range inv.Groups {
		names["GROUP|"+g.ID] = g.Name
	}
	sets := map[string]*identityconfig.LivePermissionSet{}
	judged := map[string]judgement{}
	for i := range live.PermissionSets {
		ps := &live.PermissionSets[i]
		sets[ps.ARN] = ps
		j := judgePolicies(managedStrings(ps.ManagedPolicies), inlineDoc(ps))
		if b := ps.PermissionsBoundary; b != nil && b.ManagedPolicy != "" {
			j = capBy(j, judgeManaged(string(b.ManagedPolicy)), b.ManagedPolicy.Name())
		}
		judged[ps.ARN] = j
		ip := stint.InventoryPermissionSet{ARN: ps.ARN, Name: ps.Name, Description: ps.Description, SessionDuration: ps.SessionDuration.String(),
			ManagedPolicies: managedStrings(ps.ManagedPolicies), InlinePolicy: string(ps.InlinePolicy),
			StintManaged: identityconfig.IsStintManaged(ps), Access: j.level, AccessReason: j.reason}
		for _, r := range ps.CustomerManagedPolicies {
			ip.CustomerManagedPolicies = append(ip.CustomerManagedPolicies, r.String())
		}
		if ps.PermissionsBoundary != nil {
			ip.PermissionsBoundary = ps.PermissionsBoundary.String()
		}
		inv.PermissionSets = append(inv.PermissionSets, ip)
	}
	for _, a := range live.Assignments {
		ps := sets[a.PermissionSetARN]
		if ps == nil {
			continue
		}
		j := s.accessIn(ps, judged[ps.ARN], a.AccountID, policies)
		as := stint.InventoryAssignment{AccountID: a.AccountID, PermissionSetARN: a.PermissionSetARN, PermissionSet: ps.Name,
			PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID, PrincipalName: names[a.PrincipalType+"|"+a.PrincipalID],
			Access: j.level, AccessReason: j.reason}
		key := a.AccountID + "|" + a.PermissionSetARN + "|" + a.PrincipalID
		switch {
		case identityconfig.IsStintManaged(ps), a.PrincipalType == "USER" && led.jit[key]:
			inv.Held = append(inv.Held, as)
			continue
		case a.PrincipalType == "USER" && led.adopted[key]:
			as.HeldByGrant = true
		}
		inv.Assignments = append(inv.Assignments, as)
	}
}

// accessIn judges a permission set in one account: its customer managed
// policies are that account's (and a customer managed boundary too).
func (s *Scanner) accessIn(ps *identityconfig.LivePermissionSet, base judgement, account string, policies map[string]map[string]string) judgement {
	docs, read := policies[account]
	var boundary *identityconfig.PolicyRef
	if ps.PermissionsBoundary != nil {
		boundary = ps.PermissionsBoundary.CustomerManagedPolicy
	}
	if len(ps.CustomerManagedPolicies) == 0 && boundary == nil {
		return base
	}
	if !read {
		if base.level != stint.AccessAdmin {
			base.reason += fmt.Sprintf("; its customer managed policies in account %s were not read", account)
		}
		return base
	}
	cmps := map[string]string{}
	for _, r := range ps.CustomerManagedPolicies {
		if d, ok := docs[r.String()]; ok {
			cmps[r.String()+" (customer managed)"] = d
		}
	}
	j := base
	if len(cmps) > 0 {
		j = j.max(judgeDocs(cmps))
	}
	if boundary != nil {
		if d, ok := docs[boundary.String()]; ok {
			j = capBy(j, judgeDocs(map[string]string{boundary.String(): d}), boundary.String())
		}
	}
	return j
}

func managedStrings(ps []identityconfig.ManagedPolicy) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

func inlineDoc(ps *identityconfig.LivePermissionSet) map[string]string {
	if ps.InlinePolicy == "" {
		return nil
	}
	return map[string]string{"inline": string(ps.InlinePolicy)}
}

// summarize counts the scan's inventory and findings into its summary.
func (s *Scanner) summarize(scan *stint.Scan) {
	inv := scan.Inventory
	sum := &scan.Summary
	sum.Accounts = len(scan.Accounts)
	for _, a := range scan.Accounts {
		if a.Scanned {
			sum.AccountsScanned++
		}
	}
	for _, ps := range inv.PermissionSets {
		if ps.StintManaged {
			continue
		}
		sum.PermissionSets++
		if ps.Access == stint.AccessAdmin {
			sum.AdminPermissionSets++
		}
	}
	sum.StandingAssignments, sum.HeldByStint = len(inv.Assignments), len(inv.Held)
	sum.StandingPeople = len(StandingPeople(inv))
	sum.IAMUsers, sum.IAMRoles = len(inv.IAMUsers), len(inv.IAMRoles)
	sum.Summarize(scan.Findings)
	if s.cfg.Calls != nil {
		sum.Calls = s.cfg.Calls.ByService()
	}
	sum.DurationMS = scan.FinishedAt.Sub(scan.StartedAt).Milliseconds()
}

// UserAccess is one person's standing access: a permission set in an
// account, through their own assignment or a group's.
type UserAccess struct {
	User          *stint.User
	AccountID     string
	PermissionSet string
	Access        stint.AccessLevel
	// Via is "user" or "group:NAME".
	Via string
}

// StandingPeople expands the standing assignments to the identity store
// users they reach, by user ID.
func StandingPeople(inv *stint.Inventory) map[string][]UserAccess {
	users := map[string]*stint.User{}
	members := map[string][]*stint.User{}
	for i := range inv.Users {
		u := &inv.Users[i]
		users[u.ID] = u
		for _, g := range u.Groups {
			members[strings.ToLower(g)] = append(members[strings.ToLower(g)], u)
		}
	}
	out := map[string][]UserAccess{}
	for _, a := range inv.Assignments {
		if a.PrincipalType == "GROUP" {
			for _, u := range members[strings.ToLower(a.PrincipalName)] {
				out[u.ID] = append(out[u.ID], UserAccess{User: u, AccountID: a.AccountID, PermissionSet: a.PermissionSet, Access: a.Access, Via: "group:" + a.PrincipalName})
			}
			continue
		}
		if u := users[a.PrincipalID]; u != nil {
			out[u.ID] = append(out[u.ID], UserAccess{User: u, AccountID: a.AccountID, PermissionSet: a.PermissionSet, Access: a.Access, Via: "user"})
		}
	}
	return out
}
