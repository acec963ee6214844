package discovery

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
)

// ssoRolePath is where Identity Center makes its roles in member accounts.
const ssoRolePath = "/aws-reserved/sso.amazonaws.com/"

// accountIAM is what one account's IAM holds, as a scan needs it.
type accountIAM struct {
	users    []stint.IAMUser
	roles    []stint.IAMRole
	ssoRoles []stint.SSORole // PermissionSet is the name in the role's name
	// policies are the account's customer managed policies' documents,
	// by "/path/name" (how permission sets reference them).
	policies map[string]string
}

// iamMaxItems is the most items one GetAccountAuthorizationDetails page
// returns (moto ignores it and answers everything at once).
const iamMaxItems = 1000

// readIAM reads one account's IAM: users, groups, roles and customer
// managed policies in one paged GetAccountAuthorizationDetails (filtered,
// so that AWS's managed policies are not sent), credentials from the
// credential report (two calls, where per-user listings would take four a
// user), and service last accessed data for admin-equivalent users and
// roles others may assume, where the endpoint offers it. jit holds the
// IAM group memberships stint grants ("user|group", lower case): they are
// not the users' standing access.
func (s *Scanner) readIAM(ctx context.Context, acct stint.Account, org map[string]bool, jit map[string]bool) (*accountIAM, error) {
	cfg, err := s.cfg.Assumer.For(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	c := awsiam.NewFromConfig(cfg, func(o *awsiam.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = s.maxAttempts
			so.RateLimiter = ratelimit.None
			so.Retryables = append(slices.Clone(so.Retryables), retry.RetryableErrorCode{Codes: map[string]struct{}{"ConcurrentModification": {}}})
		})
		o.RetryMaxAttempts = 0
	})
	out := &accountIAM{policies: map[string]string{}}
	details, err := s.authorizationDetails(ctx, c, acct.ID)
	if err != nil {
		return nil, err
	}
	report, err := s.credentialReport(ctx, c, acct.ID)
	if err != nil {
		return nil, err
	}
	byARN := map[string]string{}
	for _, p := range details.policies {
		byARN[aws.ToString(p.Arn)] = defaultVersion(p)
		out.policies[policyRef(p)] = defaultVersion(p)
	}
	groups := map[string]iamtypes.GroupDetail{}
	for _, g := range details.groups {
		groups[strings.ToLower(aws.ToString(g.GroupName))] = g
	}
	for _, u := range details.users {
		user := s.iamUser(acct.ID, u, groups, byARN, report, jit)
		if user.Access == stint.AccessAdmin {
			user.Services = s.serviceUsage(ctx, c, user.ARN)
		}
		out.users = append(out.users, user)
	}
	for _, r := range details.roles {
		path, name := aws.ToString(r.Path), aws.ToString(r.RoleName)
		switch {
		case strings.HasPrefix(path, ssoRolePath):
			if ps, ok := ssoPermissionSet(name); ok {
				out.ssoRoles = append(out.ssoRoles, stint.SSORole{AccountID: acct.ID, PermissionSet: ps, RoleName: name,
					CreatedAt: aws.ToTime(r.CreateDate).UTC(), LastUsed: roleLastUsed(r)})
			}
			continue
		case strings.HasPrefix(path, "/aws-service-role/"), strings.EqualFold(name, s.cfg.Assumer.RoleName()):
			continue
		}
		trusts, err := trustedPrincipals(aws.ToString(r.AssumeRolePolicyDocument), acct.ID, org)
		if err != nil {
			s.notef("the trust policy of role %s in account %s could not be read (%v); it is not judged", name, acct.ID, err)
			continue
		}
		if len(trusts) == 0 {
			continue
		}
		docs := map[string]string{}
		for _, p := range r.RolePolicyList {
			docs["inline:"+aws.ToString(p.PolicyName)] = aws.ToString(p.PolicyDocument)
		}
		managed := attachedARNs(r.AttachedManagedPolicies, byARN, docs)
		j := judgePolicies(managed, docs)
		if b := r.PermissionsBoundary; b != nil {
			j = capBy(j, judgePolicies([]string{aws.ToString(b.PermissionsBoundaryArn)}, localDoc(aws.ToString(b.PermissionsBoundaryArn), byARN)), aws.ToString(b.PermissionsBoundaryArn))
		}
		role := stint.IAMRole{AccountID: acct.ID, RoleName: name, ARN: aws.ToString(r.Arn), Path: path,
			CreatedAt: aws.ToTime(r.CreateDate).UTC(), LastUsed: roleLastUsed(r), Trusts: trusts, Access: j.level, AccessReason: j.reason}
		if role.Access == stint.AccessAdmin && slices.ContainsFunc(trusts, func(t stint.TrustedPrincipal) bool { return t.Outside }) {
			role.Services = s.serviceUsage(ctx, c, role.ARN)
		}
		out.roles = append(out.roles, role)
	}
	return out, nil
}

// iamUser judges one user's credentials and policies (its own and its
// standing groups').
func (s *Scanner) iamUser(account string, u iamtypes.UserDetail, groups map[string]iamtypes.GroupDetail, byARN map[string]string,
	report map[string]credentialRow, jit map[string]bool) stint.IAMUser {
	name := aws.ToString(u.UserName)
	user := stint.IAMUser{AccountID: account, UserName: name, ARN: aws.ToString(u.Arn), CreatedAt: aws.ToTime(u.CreateDate).UTC()}
	docs := map[string]string{}
	for _, p := range u.UserPolicyList {
		docs["inline:"+aws.ToString(p.PolicyName)] = aws.ToString(p.PolicyDocument)
	}
	managed := attachedARNs(u.AttachedManagedPolicies, byARN, docs)
	for _, gname := range u.GroupList {
		if jit[strings.ToLower(name)+"|"+strings.ToLower(gname)] {
			continue
		}
		user.Groups = append(user.Groups, gname)
		g := groups[strings.ToLower(gname)]
		for _, p := range g.GroupPolicyList {
			docs[gname+"/inline:"+aws.ToString(p.PolicyName)] = aws.ToString(p.PolicyDocument)
		}
		managed = append(managed, attachedARNs(g.AttachedManagedPolicies, byARN, docs)...)
	}
	slices.Sort(managed)
	managed = slices.Compact(managed)
	user.Policies = slices.Clone(managed)
	for _, k := range sortedKeys(docs) {
		if strings.Contains(k, "inline:") {
			user.Policies = append(user.Policies, k)
		}
	}
	j := judgePolicies(managed, docs)
	if b := u.PermissionsBoundary; b != nil {
		arn := aws.ToString(b.PermissionsBoundaryArn)
		j = capBy(j, judgePolicies([]string{arn}, localDoc(arn, byARN)), arn)
	}
	user.Access, user.AccessReason = j.level, j.reason
	if row, ok := report[strings.ToLower(name)]; ok {
		user.Password, user.PasswordLastUsed, user.MFA = row.password, row.passwordLastUsed, row.mfa
		user.AccessKeys = row.keys
	}
	return user
}

// attachedARNs returns the attached policies' ARNs, and puts the documents
// of customer managed ones (which IAM sent with the details) into docs, by
// their path and name.
func attachedARNs(attached []iamtypes.AttachedPolicy, byARN, docs map[string]string) []string {
	var out []string
	for _, p := range attached {
		arn := aws.ToString(p.PolicyArn)
		out = append(out, arn)
		if d, ok := byARN[arn]; ok {
			_, ref, _ := strings.Cut(arn, ":policy")
			docs[ref] = d
		}
	}
	return out
}

func localDoc(arn string, byARN map[string]string) map[string]string {
	if d, ok := byARN[arn]; ok {
		return map[string]string{arn: d}
	}
	return nil
}

// policyRef returns "/path/name" of a customer managed policy, from its ARN
// (moto leaves PolicyName and Path out of the details).
func policyRef(p iamtypes.ManagedPolicyDetail) string {
	_, ref, ok := strings.Cut(aws.ToString(p.Arn), ":policy")
	if !ok {
		return aws.ToString(p.Path) + aws.ToString(p.PolicyName)
	}
	return ref
}

func defaultVersion(p iamtypes.ManagedPolicyDetail) string {
	for _, v := range p.PolicyVersionList {
		if v.IsDefaultVersion {
			return aws.ToString(v.Document)
		}
	}
	return ""
}

func roleLastUsed(r iamtypes.RoleDetail) *time.Time {
	if r.RoleLastUsed == nil || r.RoleLastUsed.LastUsedDate == nil {
		return nil
	}
	t := r.RoleLastUsed.LastUsedDate.UTC()
	return &t
}

// ssoPermissionSet returns the permission set name in an Identity Center
// role's name, AWSReservedSSO_<permission set>_<16 hex digits>.
func ssoPermissionSet(role string) (string, bool) {
	rest, ok := strings.CutPrefix(role, "AWSReservedSSO_")
	i := strings.LastIndexByte(rest, '_')
	if !ok || i <= 0 {
		return "", false
	}
	return rest[:i], true
}

type authDetails struct {
	users    []iamtypes.UserDetail
	groups   []iamtypes.GroupDetail
	roles    []iamtypes.RoleDetail
	policies []iamtypes.ManagedPolicyDetail
}

func (s *Scanner) authorizationDetails(ctx context.Context, c *awsiam.Client, account string) (*authDetails, error) {
	d := &authDetails{}
	pages := awsiam.NewGetAccountAuthorizationDetailsPaginator(c, &awsiam.GetAccountAuthorizationDetailsInput{
		// Never unfiltered: AWSManagedPolicy would add every AWS managed
		// policy (about 1,500, 8 MB), which IAM sends whatever MaxItems says.
		Filter:   []iamtypes.EntityType{iamtypes.EntityTypeUser, iamtypes.EntityTypeGroup, iamtypes.EntityTypeRole, iamtypes.EntityTypeLocalManagedPolicy},
		MaxItems: aws.Int32(iamMaxItems),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, iamError(err, account, "GetAccountAuthorizationDetails")
		}
		d.users = append(d.users, page.UserDetailList...)
		d.groups = append(d.groups, page.GroupDetailList...)
		d.roles = append(d.roles, page.RoleDetailList...)
		d.policies = append(d.policies, page.Policies...)
	}
	return d, nil
}

// credentialRow is one user's line of the credential report.
type credentialRow struct {
	password         bool
	passwordLastUsed *time.Time
	mfa              bool
	keys             []stint.AccessKey
}

// credentialReport asks IAM for the account's credential report and reads
// it, by lower-case user name. IAM makes a report in seconds and reuses one
// made in the last four hours; moto answers at once.
func (s *Scanner) credentialReport(ctx context.Context, c *awsiam.Client, account string) (map[string]credentialRow, error) {
	deadline := time.Now().Add(s.reportWait)
	for attempt := 0; ; attempt++ {
		gen, err := c.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{})
		if err != nil {
			return nil, iamError(err, account, "GenerateCredentialReport")
		}
		if gen.State == iamtypes.ReportStateTypeComplete || attempt == 0 {
			rep, err := c.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{})
			if err == nil {
				return parseCredentialReport(rep.Content)
			}
			if !reportPending(err) || gen.State == iamtypes.ReportStateTypeComplete {
				return nil, iamError(err, account, "GetCredentialReport")
			}
		}
		if time.Now().After(deadline) {
			return nil, stint.Errorf(stint.EUNAVAILABLE, "account %s: IAM did not finish the credential report within %s; scan again later", account, s.reportWait)
		}
		if err := sleep(ctx, s.poll); err != nil {
			return nil, err
		}
	}
}

// reportPending reports whether GetCredentialReport failed because the
// report is not ready (or not there, or too old) yet.
func reportPending(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "ReportInProgress", "ReportNotPresent", "ReportExpired":
		return true
	}
	return false
}

// parseCredentialReport reads the report's CSV by column name.
func parseCredentialReport(content []byte) (map[string]credentialRow, error) {
	rows, err := csv.NewReader(strings.NewReader(string(content))).ReadAll()
	if err != nil {
		return nil, stint.Errorf(stint.EUNAVAILABLE, "the IAM credential report is not CSV: %v", err)
	}
	out := map[string]credentialRow{}
	if len(rows) == 0 {
		return out, nil
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	get := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return row[i]
		}
		return ""
	}
	for _, row := range rows[1:] {
		user := get(row, "user")
		if user == "" || user == "<root_account>" {
			continue
		}
		r := credentialRow{password: get(row, "password_enabled") == "true", passwordLastUsed: reportTime(get(row, "password_last_used")),
			mfa: get(row, "mfa_active") == "true"}
		for slot := 1; slot <= 2; slot++ {
			p := fmt.Sprintf("access_key_%d_", slot)
			created := reportTime(get(row, p+"last_rotated"))
			active := get(row, p+"active") == "true"
			if !active && created == nil {
				continue
			}
			k := stint.AccessKey{Slot: slot, Active: active, CreatedAt: created, LastUsed: reportTime(get(row, p+"last_used_date"))}
			if svc := get(row, p+"last_used_service"); svc != "N/A" && svc != "not_supported" {
				k.LastService = svc
			}
			r.keys = append(r.keys, k)
		}
		out[strings.ToLower(user)] = r
	}
	return out, nil
}

// reportTime reads a credential report time; "N/A", "no_information" and
// "not_supported" are nil.
func reportTime(s string) *time.Time {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}

// serviceUsage asks IAM which services the user or role used of those its
// policies allow (GenerateServiceLastAccessedDetails, then
// GetServiceLastAccessedDetails until the job completes). When the
// endpoint lacks the operation (moto 5.2.1 answers it with an HTML server
// error) or refuses it, the scan notes so once and asks no more: findings
// then rest on the credential report and roles' last use.
func (s *Scanner) serviceUsage(ctx context.Context, c *awsiam.Client, arn string) *stint.ServiceUsage {
	gen, ok := s.generateServiceData(ctx, c, arn)
	if !ok {
		return nil
	}
	deadline := time.Now().Add(s.reportWait)
	for {
		out, err := c.GetServiceLastAccessedDetails(ctx, &awsiam.GetServiceLastAccessedDetailsInput{JobId: gen.JobId})
		if err != nil {
			s.notef("service last accessed data of %s could not be read: %s", arn, awserr.Message(err))
			return nil
		}
		switch out.JobStatus {
		case iamtypes.JobStatusTypeCompleted:
			u := &stint.ServiceUsage{Granted: len(out.ServicesLastAccessed)}
			for _, sv := range out.ServicesLastAccessed {
				if sv.LastAuthenticated != nil {
					u.Used++
					if t := sv.LastAuthenticated.UTC(); u.LastAuthenticated == nil || t.After(*u.LastAuthenticated) {
						u.LastAuthenticated = &t
					}
				}
			}
			return u
		case iamtypes.JobStatusTypeFailed:
			s.notef("service last accessed data of %s failed: %s", arn, aws.ToString(errorMessage(out.Error)))
			return nil
		}
		if time.Now().After(deadline) || sleep(ctx, s.poll) != nil {
			return nil
		}
	}
}

// generateServiceData starts a service last accessed job. The first call
// of a scan is made alone, so that an endpoint without the operation costs
// one call, not one per account in flight.
func (s *Scanner) generateServiceData(ctx context.Context, c *awsiam.Client, arn string) (*awsiam.GenerateServiceLastAccessedDetailsOutput, bool) {
	if s.noServiceData.Load() {
		return nil, false
	}
	if !s.serviceDataKnown.Load() {
		s.serviceDataMu.Lock()
		defer s.serviceDataMu.Unlock()
		if s.noServiceData.Load() {
			return nil, false
		}
	}
	once := func(o *awsiam.Options) { o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1) }
	gen, err := c.GenerateServiceLastAccessedDetails(ctx, &awsiam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(arn)}, once)
	if err != nil {
		if s.noServiceData.CompareAndSwap(false, true) {
			why := "the endpoint does not offer it"
			if !awserr.NotImplemented(err) {
				why = awserr.Message(err)
			}
			s.notef("IAM service last accessed data is not available (%s): unused access is judged by the credential report and roles' last use only", why)
		}
		return nil, false
	}
	s.serviceDataKnown.Store(true)
	return gen, true
}

func errorMessage(e *iamtypes.ErrorDetails) *string {
	if e == nil {
		return aws.String("no reason given")
	}
	return e.Message
}

// iamError says which IAM call failed in which account, and what to do.
func iamError(err error, account, op string) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
			return stint.Errorf(stint.EFORBIDDEN, "account %s: IAM refused %s (%s); the member role needs iam:GetAccountAuthorizationDetails, iam:GenerateCredentialReport and iam:GetCredentialReport (docs/discovery.md)",
				account, op, awserr.Message(err))
		case "Throttling", "ThrottlingException":
			return stint.Errorf(stint.EUNAVAILABLE, "account %s: IAM kept throttling %s after every retry; scan again later", account, op)
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return stint.Errorf(stint.EUNAVAILABLE, "account %s: %s stopped: %v", account, op, err)
	}
	return stint.Errorf(stint.EUNAVAILABLE, "account %s: IAM %s failed: %s", account, op, awserr.Message(err))
}

// sleep waits d, or returns ctx's error if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
