package discovery

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/stint-dev/stint"
)

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// orgConditions restrict a statement to principals of an organisation.
var orgConditions = []string{"aws:principalorgid", "aws:principalorgpaths"}

// trustedPrincipals reads a role's trust policy and returns the AWS
// principals of other accounts, or anyone ("*"), that its Allow statements
// let assume the role (sts:AssumeRole, sts:* or *). Principals of the
// role's own account, services and federated (SAML, OIDC) principals are
// left out, as are stint's own statements (Sid "Stint..."), which trust the
// account's Identity Center roles for grants. An account is outside when
// org does not list it; "*" is outside unless a condition restricts it to
// an organisation (aws:PrincipalOrgID, aws:PrincipalOrgPaths), which is
// taken to name this one.
func trustedPrincipals(doc string, roleAccount string, org map[string]bool) ([]stint.TrustedPrincipal, error) {
	d, err := parsePolicy(doc)
	if err != nil {
		return nil, err
	}
	var out []stint.TrustedPrincipal
	for _, st := range d.Statement {
		if !strings.EqualFold(st.Effect, "Allow") || strings.HasPrefix(st.Sid, "Stint") ||
			!(allows(st.Action, "sts:AssumeRole") || slices.ContainsFunc(st.Action, func(p string) bool { return p == "*" })) {
			continue
		}
		var keys []string
		for op := range st.Condition {
			var byKey map[string]json.RawMessage
			if json.Unmarshal(st.Condition[op], &byKey) == nil {
				keys = append(keys, slices.Collect(maps.Keys(byKey))...)
			}
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		orgOnly := slices.ContainsFunc(keys, func(k string) bool { return slices.Contains(orgConditions, strings.ToLower(k)) })
		for _, p := range awsPrincipals(st.Principal) {
			t := stint.TrustedPrincipal{Principal: p, Conditions: keys}
			if p == "*" {
				t.Outside = !orgOnly
			} else {
				t.AccountID = principalAccount(p)
				if t.AccountID == "" || t.AccountID == roleAccount {
					continue
				}
				t.Outside = !org[t.AccountID]
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// awsPrincipals returns a statement's AWS principals: "*" for the
// principal "*" or {"AWS": "*"}, else the AWS member's ARNs and account IDs.
func awsPrincipals(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star == "*" {
			return []string{"*"}
		}
		return nil
	}
	var byType map[string]stringList
	if json.Unmarshal(raw, &byType) != nil {
		return nil
	}
	return byType["AWS"]
}

// principalAccount returns the account of "123456789012" or an ARN in it
// ("arn:aws:iam::123456789012:root", ":role/x", ":user/x",
// "arn:aws:sts::123456789012:assumed-role/x/y"), or "" when it names none.
func principalAccount(p string) string {
	if accountIDPattern.MatchString(p) {
		return p
	}
	parts := strings.SplitN(p, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && accountIDPattern.MatchString(parts[4]) {
		return parts[4]
	}
	return ""
}
