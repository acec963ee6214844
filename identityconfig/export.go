package identityconfig

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
)

// ExportOptions configure Export.
type ExportOptions struct {
	// Identities also writes users, groups and memberships, so that the
	// file manages them; live must have been read with ReadIdentities.
	// Default false: the file leaves identities to their source (an IdP).
	Identities bool
	// Exclude are assignments left out of the file: those that active
	// just-in-time grants hold, which are not part of the standing set-up.
	// Default: none.
	Exclude map[AssignmentKey]bool
	// Header, when set, replaces the first two comment lines (what wrote
	// the file and that it plans clean): each entry is one line, written
	// after "# ". Default: the export's own header.
	Header []string
}

// Export writes the live Identity Center set-up as an identity file that
// Load, Resolve and Diff against the same live state and directory report
// as having no changes: every permission set with all its fields (tags and
// boundaries only where they could be read), and the assignments grouped
// compactly, one entry per principal and permission set listing its
// accounts by name (by ID when a name is not unique). Assignments of
// principals the directory does not know are left out, and said so in the
// header. The output is deterministic. It returns EINVALID when Identities
// is set but live holds no identities, or when a user lacks the given or
// family name Identity Center files require.
func Export(live *Live, dir *stint.Directory, opts ExportOptions) ([]byte, error) {
	if opts.Identities && !live.IdentitiesRead {
		return nil, stint.Errorf(stint.EINVALID, "export of users and groups needs them read: read the live state with ReadIdentities")
	}
	live, _ = withoutStintManaged(live)
	x := &exporter{live: live, dir: dir, opts: opts}
	x.header()
	if opts.Identities {
		if err := x.identities(); err != nil {
			return nil, err
		}
	}
	x.permissionSets()
	x.assignments()
	return x.out.Bytes(), nil
}

type exporter struct {
	live *Live
	dir  *stint.Directory
	opts ExportOptions
	out  bytes.Buffer
}

func (x *exporter) header() {
	if len(x.opts.Header) > 0 {
		for _, line := range x.opts.Header {
			fmt.Fprintf(&x.out, "# %s\n", line)
		}
	} else {
		fmt.Fprintf(&x.out, "# Identity Center set-up of %s, written by `stint export`.\n", x.live.InstanceARN)
		x.out.WriteString("# `stint plan -f` this file reports no changes until Identity Center changes.\n")
	}
	if !x.opts.Identities {
		x.out.WriteString("# Users and groups are not managed here (export with --identities to manage them).\n")
	}
	for _, w := range x.live.Warnings {
		fmt.Fprintf(&x.out, "# Note: %s\n", w)
	}
}

func (x *exporter) identities() error {
	b := &x.out
	var missing []string
	b.WriteString("\nusers:")
	if len(x.live.Users) == 0 {
		b.WriteString(" []")
	}
	b.WriteString("\n")
	names := map[string]string{}
	for _, u := range x.live.Users {
		names[u.ID] = u.UserName
		if u.GivenName == "" || u.FamilyName == "" {
			missing = append(missing, u.UserName)
			continue
		}
		fmt.Fprintf(b, "  - user_name: %s\n", yamlString(u.UserName))
		if u.DisplayName != strings.TrimSpace(u.GivenName+" "+u.FamilyName) {
			fmt.Fprintf(b, "    display_name: %s\n", yamlString(u.DisplayName))
		}
		fmt.Fprintf(b, "    given_name: %s\n    family_name: %s\n", yamlString(u.GivenName), yamlString(u.FamilyName))
		if u.Email != "" {
			fmt.Fprintf(b, "    email: %s\n", yamlString(u.Email))
		}
	}
	if len(missing) > 0 {
		return stint.Errorf(stint.EINVALID, "users %s have no given or family name, which an identity file requires; export without identities, or set their names in Identity Center", short(missing))
	}
	b.WriteString("\ngroups:")
	if len(x.live.Groups) == 0 {
		b.WriteString(" []")
	}
	b.WriteString("\n")
	for _, g := range x.live.Groups {
		fmt.Fprintf(b, "  - name: %s\n", yamlString(g.Name))
		if g.Description != "" {
			fmt.Fprintf(b, "    description: %s\n", yamlString(g.Description))
		}
		members, unknown := make([]string, 0, len(g.MemberIDs)), 0
		for _, id := range g.MemberIDs {
			if n, ok := names[id]; ok {
				members = append(members, n)
			} else {
				unknown++
			}
		}
		if unknown > 0 {
			fmt.Fprintf(b, "    # members not managed: %d of them are not users of the identity store\n", unknown)
			continue
		}
		slices.SortFunc(members, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		fmt.Fprintf(b, "    members: %s\n", yamlList(members))
	}
	return nil
}

func (x *exporter) permissionSets() {
	b := &x.out
	if len(x.live.PermissionSets) == 0 {
		return
	}
	b.WriteString("\npermission_sets:\n")
	for _, ps := range x.live.PermissionSets {
		fmt.Fprintf(b, "  - name: %s\n", yamlString(ps.Name))
		if ps.Description != "" {
			fmt.Fprintf(b, "    description: %s\n", yamlString(ps.Description))
		}
		fmt.Fprintf(b, "    session_duration: %s\n", ps.SessionDuration.String())
		if ps.RelayState != "" {
			fmt.Fprintf(b, "    relay_state: %s\n", yamlString(ps.RelayState))
		}
		if len(ps.ManagedPolicies) > 0 {
			list := make([]string, len(ps.ManagedPolicies))
			for i, mp := range ps.ManagedPolicies {
				list[i] = managedPolicyText(mp)
			}
			slices.Sort(list)
			fmt.Fprintf(b, "    managed_policies: %s\n", yamlList(list))
		}
		if len(ps.CustomerManagedPolicies) > 0 {
			refs := slices.Clone(ps.CustomerManagedPolicies)
			slices.SortFunc(refs, func(a, b PolicyRef) int { return strings.Compare(a.String(), b.String()) })
			b.WriteString("    customer_managed_policies:\n")
			for _, r := range refs {
				fmt.Fprintf(b, "      - %s\n", refText(r))
			}
		}
		if ps.InlinePolicy != "" {
			b.WriteString("    inline_policy: |\n")
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, []byte(ps.InlinePolicy), "", "  "); err != nil {
				pretty.Reset()
				pretty.WriteString(string(ps.InlinePolicy))
			}
			for _, line := range strings.Split(pretty.String(), "\n") {
				fmt.Fprintf(b, "      %s\n", line)
			}
		}
		if ps.BoundaryKnown && ps.PermissionsBoundary != nil {
			if ref := ps.PermissionsBoundary.CustomerManagedPolicy; ref != nil {
				fmt.Fprintf(b, "    permissions_boundary: {customer_managed_policy: %s}\n", refText(*ref))
			} else {
				fmt.Fprintf(b, "    permissions_boundary: {managed_policy: %s}\n", yamlString(managedPolicyText(ps.PermissionsBoundary.ManagedPolicy)))
			}
		}
		if ps.TagsKnown && len(ps.Tags) > 0 {
			b.WriteString("    tags:\n")
			for _, k := range slices.Sorted(maps.Keys(ps.Tags)) {
				fmt.Fprintf(b, "      %s: %s\n", yamlString(k), yamlString(ps.Tags[k]))
			}
		}
	}
}

// exportEntry is one assignment entry: a principal, a permission set and
// its accounts.
type exportEntry struct {
	principalType, principal, permissionSet string
	accounts                                []*stint.Account
}

func (x *exporter) assignments() {
	psNames := map[string]string{}
	for _, ps := range x.live.PermissionSets {
		psNames[ps.ARN] = ps.Name
	}
	users, groups, accounts := map[string]string{}, map[string]string{}, map[string]*stint.Account{}
	for _, u := range x.dir.Users {
		users[u.ID] = u.UserName
	}
	for _, g := range x.dir.Groups {
		groups[g.ID] = g.Name
	}
	nameCount := map[string]int{}
	for i := range x.dir.Accounts {
		a := &x.dir.Accounts[i]
		accounts[a.ID] = a
		nameCount[strings.ToLower(a.Name)]++
	}
	entries := map[[3]string]*exportEntry{}
	skipped := 0
	for _, a := range x.live.Assignments {
		if x.opts.Exclude[a.Key()] {
			continue
		}
		names := users
		if a.PrincipalType == "GROUP" {
			names = groups
		}
		principal, okP := names[a.PrincipalID]
		ps, okS := psNames[a.PermissionSetARN]
		acct, okA := accounts[a.AccountID]
		if !okP || !okS || !okA {
			skipped++
			continue
		}
		k := [3]string{a.PrincipalType, principal, ps}
		e := entries[k]
		if e == nil {
			e = &exportEntry{principalType: a.PrincipalType, principal: principal, permissionSet: ps}
			entries[k] = e
		}
		e.accounts = append(e.accounts, acct)
	}
	list := slices.Collect(maps.Values(entries))
	slices.SortFunc(list, func(a, b *exportEntry) int {
		// Groups first, then users; by name, then permission set.
		return cmp.Or(cmp.Compare(a.principalType, b.principalType), cmp.Compare(strings.ToLower(a.principal), strings.ToLower(b.principal)),
			cmp.Compare(a.principal, b.principal), cmp.Compare(a.permissionSet, b.permissionSet))
	})
	b := &x.out
	if skipped > 0 {
		fmt.Fprintf(b, "\n# %d %s of principals, permission sets or accounts not in the directory left out.\n", skipped, plural(skipped, "assignment"))
	}
	if len(list) == 0 {
		return
	}
	b.WriteString("\nassignments:\n")
	for _, e := range list {
		sels := make([]string, 0, len(e.accounts))
		slices.SortFunc(e.accounts, func(a, b *stint.Account) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
		for _, a := range e.accounts {
			if a.Name != "" && nameCount[strings.ToLower(a.Name)] == 1 {
				sels = append(sels, "name:"+a.Name)
			} else {
				sels = append(sels, a.ID)
			}
		}
		p := Principal{Type: e.principalType, Name: e.principal}
		fmt.Fprintf(b, "  - principal: %s\n    permission_set: %s\n    accounts: %s\n", yamlString(p.String()), yamlString(e.permissionSet), yamlList(sels))
	}
}

// managedPolicyText is the policy's name when ParseManagedPolicy turns it
// back into the same ARN, else the ARN.
func managedPolicyText(p ManagedPolicy) string {
	if arn, err := ParseManagedPolicy(p.Name()); err == nil && arn == string(p) {
		return p.Name()
	}
	return string(p)
}

func refText(r PolicyRef) string {
	return fmt.Sprintf("{name: %s, path: %s}", yamlString(r.Name), yamlString(cmp.Or(r.Path, "/")))
}

// plainScalar matches strings that YAML reads back as the same string when
// written unquoted, in block and flow context alike.
var plainScalar = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./@=+-]*(:[A-Za-z0-9_./@=+-]+)*$`)

var yamlKeywords = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true, "nan": true, "inf": true}

// yamlString writes s as a YAML scalar: plain when that is safe, else
// double-quoted (JSON escapes are YAML escapes).
func yamlString(s string) string {
	if plainScalar.MatchString(s) && !yamlKeywords[strings.ToLower(s)] {
		return s
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimRight(buf.String(), "\n")
}

// yamlList writes a flow sequence of strings.
func yamlList(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = yamlString(s)
	}
	return "[" + strings.Join(out, ", ") + "]"
}
