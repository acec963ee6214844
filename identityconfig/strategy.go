package identityconfig

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/stint-dev/stint"
)

// Strategy is how account assignments are listed.
type Strategy string

// Strategies.
const (
	// StrategyAuto picks the strategy Estimate finds cheaper.
	StrategyAuto Strategy = "auto"
	// StrategyPerAccount lists, for each account, the permission sets
	// provisioned to it (ListPermissionSetsProvisionedToAccount) and then
	// each one's assignments there (ListAccountAssignments). It sees every
	// assignment, including those of principals no longer in the directory.
	StrategyPerAccount Strategy = "per-account"
	// StrategyPerPrincipal lists each user's and group's assignments
	// (ListAccountAssignmentsForPrincipal). It sees only the directory's
	// principals: assignments of deleted users and groups are missed.
	StrategyPerPrincipal Strategy = "per-principal"
	// StrategyPerPermissionSet lists, for each permission set, the
	// accounts it is provisioned to (ListAccountsForProvisionedPermissionSet,
	// a call per 100 accounts) and then its assignments in each
	// (ListAccountAssignments). It sees what per-account sees, with a call
	// per permission set where per-account makes one per account.
	StrategyPerPermissionSet Strategy = "per-permission-set"
)

// pageSize is the largest page the assignment listings return.
const pageSize = 100

// Estimate returns the expected number of calls of each strategy for a
// directory with nPermissionSets permission sets. Per account: one
// provisioned-set listing per account, plus one assignment listing per
// provisioned (account, permission set), counted as every permission set
// provisioned to every account since that is unknown before listing (an
// upper bound). Per permission set: one provisioned-account listing per
// permission set and 100 accounts, plus the same assignment listings. Per
// principal: one listing per user and per group. The permission set reads
// (seven calls per set, the listing of accounts behind on provisioning
// among them) cost the same either way and are not counted.
func Estimate(dir *stint.Directory, nPermissionSets int) map[Strategy]int {
	accounts := len(dir.Accounts)
	pairs := accounts * nPermissionSets
	return map[Strategy]int{
		StrategyPerAccount:       accounts + pairs,
		StrategyPerPermissionSet: nPermissionSets*max(1, (accounts+pageSize-1)/pageSize) + pairs,
		StrategyPerPrincipal:     len(dir.Users) + len(dir.Groups),
	}
}

// cheapest picks the strategy with the fewest estimated calls; ties go to
// those that see every assignment, per permission set first.
func cheapest(est map[Strategy]int) Strategy {
	best := StrategyPerPermissionSet
	for _, s := range []Strategy{StrategyPerAccount, StrategyPerPrincipal} {
		if est[s] < est[best] {
			best = s
		}
	}
	return best
}

// assignments lists the account assignments of dir's accounts with the
// strategy chosen in live. Assignments in accounts outside dir are dropped
// (per principal lists them all), and duplicates are merged.
func (r *Reader) assignments(ctx context.Context, dir *stint.Directory, live *Live) ([]LiveAssignment, error) {
	accounts := map[string]bool{}
	for _, a := range dir.Accounts {
		accounts[a.ID] = true
	}
	var mu sync.Mutex
	seen := map[LiveAssignment]bool{}
	var out []LiveAssignment
	add := func(a LiveAssignment) {
		mu.Lock()
		defer mu.Unlock()
		if accounts[a.AccountID] && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	var err error
	switch live.Strategy {
	case StrategyPerPrincipal:
		err = r.perPrincipal(ctx, dir, add)
	case StrategyPerPermissionSet:
		err = r.perPermissionSet(ctx, live.PermissionSets, accounts, add)
	default:
		live.Strategy = StrategyPerAccount
		err = r.perAccount(ctx, dir, add)
	}
	if err != nil {
		return nil, err
	}
	// Field by field: concatenating the keys in the comparison allocated
	// two strings per comparison, 108 MB for 24,000 assignments.
	slices.SortFunc(out, func(a, b LiveAssignment) int {
		return cmp.Or(strings.Compare(a.PermissionSetARN, b.PermissionSetARN), strings.Compare(a.PrincipalID, b.PrincipalID),
			strings.Compare(a.AccountID, b.AccountID))
	})
	return out, nil
}

func (r *Reader) perPrincipal(ctx context.Context, dir *stint.Directory, add func(LiveAssignment)) error {
	type principal struct{ typ, id, name string }
	var ps []principal
	for _, u := range dir.Users {
		ps = append(ps, principal{"USER", u.ID, u.UserName})
	}
	for _, g := range dir.Groups {
		ps = append(ps, principal{"GROUP", g.ID, g.Name})
	}
	return r.forEach(ctx, len(ps), func(ctx context.Context, i int) error {
		p := ps[i]
		pages := ssoadmin.NewListAccountAssignmentsForPrincipalPaginator(r.sso, &ssoadmin.ListAccountAssignmentsForPrincipalInput{
			InstanceArn: aws.String(r.cfg.InstanceARN), PrincipalId: aws.String(p.id), PrincipalType: ssotypes.PrincipalType(p.typ),
		}, func(o *ssoadmin.ListAccountAssignmentsForPrincipalPaginatorOptions) { o.Limit = pageSize })
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return awsError(err, "list assignments of %s %s", strings.ToLower(p.typ), p.name)
			}
			for _, a := range page.AccountAssignments {
				// For a user, AWS may also list assignments it holds
				// through a group; keep the principal's own.
				if aws.ToString(a.PrincipalId) != p.id {
					continue
				}
				add(LiveAssignment{AccountID: aws.ToString(a.AccountId), PermissionSetARN: aws.ToString(a.PermissionSetArn), PrincipalType: p.typ, PrincipalID: p.id})
			}
		}
		return nil
	})
}

// listing is an (account, permission set) whose assignments are listed.
type listing struct{ account, ps string }

func (r *Reader) perAccount(ctx context.Context, dir *stint.Directory, add func(LiveAssignment)) error {
	var mu sync.Mutex
	var jobs []listing
	err := r.forEach(ctx, len(dir.Accounts), func(ctx context.Context, i int) error {
		acct := dir.Accounts[i].ID
		pages := ssoadmin.NewListPermissionSetsProvisionedToAccountPaginator(r.sso, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
			InstanceArn: aws.String(r.cfg.InstanceARN), AccountId: aws.String(acct),
		}, func(o *ssoadmin.ListPermissionSetsProvisionedToAccountPaginatorOptions) { o.Limit = pageSize })
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return awsError(err, "list permission sets provisioned to account %s", acct)
			}
			mu.Lock()
			for _, ps := range page.PermissionSets {
				jobs = append(jobs, listing{acct, ps})
			}
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.pairs(ctx, jobs, add)
}

// perPermissionSet lists where each permission set is provisioned, then
// its assignments in those of the accounts wanted.
func (r *Reader) perPermissionSet(ctx context.Context, sets []LivePermissionSet, wanted map[string]bool, add func(LiveAssignment)) error {
	var mu sync.Mutex
	var jobs []listing
	err := r.forEach(ctx, len(sets), func(ctx context.Context, i int) error {
		ps := sets[i].ARN
		pages := ssoadmin.NewListAccountsForProvisionedPermissionSetPaginator(r.sso, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
			InstanceArn: aws.String(r.cfg.InstanceARN), PermissionSetArn: aws.String(ps),
		}, func(o *ssoadmin.ListAccountsForProvisionedPermissionSetPaginatorOptions) { o.Limit = pageSize })
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return awsError(err, "list accounts permission set %s is provisioned to", sets[i].Name)
			}
			mu.Lock()
			for _, acct := range page.AccountIds {
				if wanted[acct] {
					jobs = append(jobs, listing{acct, ps})
				}
			}
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.pairs(ctx, jobs, add)
}

// pairs lists the assignments of each (account, permission set).
func (r *Reader) pairs(ctx context.Context, jobs []listing, add func(LiveAssignment)) error {
	return r.forEach(ctx, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		pages := ssoadmin.NewListAccountAssignmentsPaginator(r.sso, &ssoadmin.ListAccountAssignmentsInput{
			InstanceArn: aws.String(r.cfg.InstanceARN), AccountId: aws.String(j.account), PermissionSetArn: aws.String(j.ps),
		}, func(o *ssoadmin.ListAccountAssignmentsPaginatorOptions) { o.Limit = pageSize })
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return awsError(err, "list assignments of %s in account %s", j.ps, j.account)
			}
			for _, a := range page.AccountAssignments {
				add(LiveAssignment{AccountID: aws.ToString(a.AccountId), PermissionSetARN: aws.ToString(a.PermissionSetArn),
					PrincipalType: string(a.PrincipalType), PrincipalID: aws.ToString(a.PrincipalId)})
			}
		}
		return nil
	})
}
