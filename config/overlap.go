package config

import (
	"fmt"
	"strings"

	"github.com/stint-dev/stint"
)

// coverage is what a flow covers: permission set (lower case) -> which
// directory accounts, by index.
type coverage map[string][]bool

// overlaps warns about pairs of flows that let the same requester
// reference ask for the same account and permission set, where one
// auto-approves and the other requires approval: stint.FindFlow picks the
// auto-approving flow, so the other's approvers never see those requests.
func (x *dirIndex) overlaps(ch *checker) {
	byRef := map[string][]int{}
	spelled := map[string]string{} // lower case -> as first written
	for i, f := range x.c.Flows {
		for _, r := range f.Requesters {
			k := strings.ToLower(r)
			if _, ok := spelled[k]; !ok {
				spelled[k] = r
			}
			if l := byRef[k]; len(l) == 0 || l[len(l)-1] != i {
				byRef[k] = append(byRef[k], i)
			}
		}
	}
	covers := map[int]coverage{}
	cover := func(i int) coverage {
		if cv, ok := covers[i]; ok {
			return cv
		}
		cv := x.coverage(&x.c.Flows[i])
		covers[i] = cv
		return cv
	}
	seen := map[[2]int]bool{}
	for _, ref := range sortedKeys(byRef) {
		flows := byRef[ref]
		for _, a := range flows {
			for _, b := range flows {
				fa, fb := &x.c.Flows[a], &x.c.Flows[b]
				if !fa.AutoApprove || fb.AutoApprove || seen[[2]int{a, b}] {
					continue
				}
				seen[[2]int{a, b}] = true
				ps, acct, ok := firstCommon(cover(a), cover(b))
				if !ok {
					continue
				}
				ac := x.dir.Accounts[acct]
				for _, name := range x.permSetList {
					if strings.EqualFold(name, ps) {
						ps = name
					}
				}
				later := max(a, b)
				ch.warn(fmt.Sprintf("$.flows[%d]", later),
					"flows %q and %q both let %s request %s in account %s (%s), but %q auto-approves while %q requires approval; requests go through %q, so narrow one of them",
					fa.Name, fb.Name, spelled[ref], ps, ac.ID, ac.Name, fa.Name, fb.Name, fa.Name)
			}
		}
	}
}

func (x *dirIndex) coverage(f *stint.Flow) coverage {
	cv := coverage{}
	for _, r := range f.Resources {
		ic := r.IdentityCenter
		if ic == nil {
			continue
		}
		var hit []bool
		for ai := range x.dir.Accounts {
			for _, sel := range ic.Accounts {
				if stint.MatchAccount(sel, &x.dir.Accounts[ai]) {
					if hit == nil {
						hit = make([]bool, len(x.dir.Accounts))
					}
					hit[ai] = true
					break
				}
			}
		}
		if hit == nil {
			continue
		}
		for _, ps := range ic.PermissionSets {
			k := strings.ToLower(ps)
			if cv[k] == nil {
				cv[k] = make([]bool, len(x.dir.Accounts))
			}
			for ai, h := range hit {
				cv[k][ai] = cv[k][ai] || h
			}
		}
	}
	return cv
}

// firstCommon returns a permission set and account both coverages hold,
// preferring the alphabetically first permission set.
func firstCommon(a, b coverage) (string, int, bool) {
	for _, ps := range sortedKeys(a) {
		accts, ok := b[ps]
		if !ok {
			continue
		}
		for i, h := range a[ps] {
			if h && accts[i] {
				return ps, i, true
			}
		}
	}
	return "", 0, false
}
