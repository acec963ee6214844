package eks_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eksapi "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/internal/faultproxy"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/provider/account"
	"github.com/stint-dev/stint/provider/eks"
)

// One moto for the package, with the EKS extensions (moto has no access
// entries of its own). Tests share it and keep apart by using an account
// of their own each.
var moto *motoserver.Server

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if moto, err = motoserver.Run(ctx, motoserver.Options{NoManagedPolicies: true, EKSExtensions: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer moto.Close()
	return m.Run()
}

var nextAccount atomic.Int64

// newAccount returns a member account no other test uses.
func newAccount() string { return fmt.Sprintf("3%011d", nextAccount.Add(1)) }

// fixture is a provider that reaches moto through a fault proxy, its fake
// permission sets, and an admin's clients in the test's member account.
type fixture struct {
	p       *eks.Provider
	sets    *fakeSets
	proxy   *faultproxy.Proxy
	account string
	admin   admin
}

func setup(t *testing.T, tweak ...func(*eks.Config)) *fixture {
	t.Helper()
	proxy := faultproxy.Start(t, moto.URL())
	direct := account.New(account.Config{AWS: moto.AWSConfig()})
	f := &fixture{proxy: proxy, account: newAccount(), sets: newFakeSets(direct)}
	cfg := eks.Config{
		Accounts:       account.New(account.Config{AWS: motoserver.AWSConfig(proxy.URL())}),
		PermissionSets: f.sets,
		RoleWait:       5 * time.Second,
		RolePoll:       time.Millisecond,
		RolePollMax:    20 * time.Millisecond,
		Logger:         slog.New(slog.DiscardHandler),
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	var err error
	f.p, err = eks.New(cfg)
	require.NoError(t, err)
	f.admin = adminIn(t, direct, f.account)
	return f
}

// admin acts in a member account as its OrganizationAccountAccessRole,
// bypassing the proxy, to set up clusters and check what stint did.
type admin struct {
	account string
	eks     *eksapi.Client
	iam     *iam.Client
}

func adminIn(t *testing.T, a *account.Assumer, accountID string) admin {
	t.Helper()
	cfg, err := a.For(t.Context(), accountID)
	require.NoError(t, err)
	return admin{account: accountID, eks: eksapi.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg)}
}

// creator is the principal of the access entry EKS makes for whoever
// created a cluster (here the admin's role): an entry stint did not make.
func (a admin) creator() string {
	return "arn:aws:iam::" + a.account + ":role/OrganizationAccountAccessRole"
}

func (a admin) cluster(t *testing.T, name string, mode ekstypes.AuthenticationMode, tags map[string]string) string {
	t.Helper()
	in := &eksapi.CreateClusterInput{
		Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::" + a.account + ":role/eks-cluster"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{}, Version: aws.String("1.31"), Tags: tags,
	}
	if mode != "" {
		in.AccessConfig = &ekstypes.CreateAccessConfigRequest{AuthenticationMode: mode}
	}
	out, err := a.eks.CreateCluster(t.Context(), in)
	require.NoError(t, err)
	return aws.ToString(out.Cluster.Arn)
}

// entries returns the cluster's access entries and their policies' scopes.
func (a admin) entries(t *testing.T, cluster string) map[string]map[string]ekstypes.AccessScope {
	t.Helper()
	ctx := t.Context()
	out := map[string]map[string]ekstypes.AccessScope{}
	list, err := a.eks.ListAccessEntries(ctx, &eksapi.ListAccessEntriesInput{ClusterName: aws.String(cluster)})
	require.NoError(t, err)
	for _, arn := range list.AccessEntries {
		ps, err := a.eks.ListAssociatedAccessPolicies(ctx, &eksapi.ListAssociatedAccessPoliciesInput{ClusterName: aws.String(cluster), PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		out[arn] = map[string]ekstypes.AccessScope{}
		for _, p := range ps.AssociatedAccessPolicies {
			scope := *p.AccessScope
			if len(scope.Namespaces) == 0 {
				scope.Namespaces = nil
			}
			out[arn][aws.ToString(p.PolicyArn)] = scope
		}
	}
	return out
}

// fakeSets stands in for the scoped permission set provider: it records
// assignments in memory and, on Ensure, makes the permission set's role in
// the account as Identity Center does when it provisions a permission set
// (moto has no Identity Center roles): AWSReservedSSO_<name>_<hash> under
// /aws-reserved/sso.amazonaws.com/.
type fakeSets struct {
	accounts *account.Assumer
	// EnsureFunc, when set, runs first; an error it returns is Ensure's.
	EnsureFunc func(ctx context.Context, perm eks.Permission, userID string) error
	// MakeRole makes the role; default: at once, in Ensure.
	MakeRole func(t admin, name string)

	mu      sync.Mutex
	holders map[string]map[string]bool // name -> user IDs
	perms   map[string]eks.Permission
	ensures int
	removes []removal
}

type removal struct {
	name, userID, userName string
	cutoff                 bool
}

func newFakeSets(a *account.Assumer) *fakeSets {
	return &fakeSets{accounts: a, holders: map[string]map[string]bool{}, perms: map[string]eks.Permission{}}
}

func (f *fakeSets) Name(perm eks.Permission) string {
	sum := sha256.Sum256([]byte(perm.AccountID + "|" + string(perm.Kind) + "|" + perm.Target))
	return "stint-eks-" + hex.EncodeToString(sum[:6])
}

// roleName is the role Identity Center makes for a permission set.
func roleName(psName string) string {
	sum := sha256.Sum256([]byte(psName))
	return "AWSReservedSSO_" + psName + "_" + hex.EncodeToString(sum[:8])
}

func (f *fakeSets) Ensure(ctx context.Context, perm eks.Permission, userID string) (string, error) {
	f.mu.Lock()
	f.ensures++
	f.mu.Unlock()
	if f.EnsureFunc != nil {
		if err := f.EnsureFunc(ctx, perm, userID); err != nil {
			return "", err
		}
	}
	name := f.Name(perm)
	cfg, err := f.accounts.For(ctx, perm.AccountID)
	if err != nil {
		return "", err
	}
	a := admin{account: perm.AccountID, iam: iam.NewFromConfig(cfg)}
	if f.MakeRole != nil {
		f.MakeRole(a, name)
	} else if err := makeRole(ctx, a, name); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holders[name] == nil {
		f.holders[name] = map[string]bool{}
	}
	f.holders[name][userID] = true
	f.perms[name] = perm
	return "arn:aws:sso:::permissionSet/ssoins-fake/ps-" + name, nil
}

func makeRole(ctx context.Context, a admin, psName string) error {
	return makeRoleAt(ctx, a, "/aws-reserved/sso.amazonaws.com/", roleName(psName))
}

func makeRoleAt(ctx context.Context, a admin, path, name string) error {
	_, err := a.iam.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(name), Path: aws.String(path),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + a.account + `:saml-provider/AWSSSO_fake_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"]}]}`),
	})
	if exists := (*iamtypes.EntityAlreadyExistsException)(nil); errors.As(err, &exists) {
		return nil
	}
	return err
}

func (f *fakeSets) Remove(_ context.Context, perm eks.Permission, userID, userName string, cutoff bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := f.Name(perm)
	delete(f.holders[name], userID)
	f.removes = append(f.removes, removal{name: name, userID: userID, userName: userName, cutoff: cutoff})
	return nil
}

func (f *fakeSets) Has(_ context.Context, perm eks.Permission, userID string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.holders[f.Name(perm)][userID], nil
}

func (f *fakeSets) ensureCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ensures
}

func (f *fakeSets) perm(name string) eks.Permission {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.perms[name]
}

// effect returns the effect of a grant of the resource (aws-eks:ACCOUNT/
// CLUSTER[/NAMESPACE]:LEVEL) to a user, as the service makes it.
func effect(t *testing.T, resourceID, arn, userID, userName string) *stint.Effect {
	t.Helper()
	ref, err := stint.ParseResourceID(resourceID)
	require.NoError(t, err)
	g := &stint.Grant{
		ID: "g-" + userID, Type: ref.Type, AccountID: ref.AccountID, UserID: userID, UserName: userName,
		ResourceID: ref.ID, Name: ref.Name, Level: ref.Level, Namespace: ref.Namespace, ResourceARN: arn,
	}
	return stint.NewEffect(g, time.Now())
}
