package identityconfig

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"

	"github.com/stint-dev/stint"
)

// identity creates, updates or deletes a user or group. Creating one whose
// name is taken (an earlier, interrupted apply made it) is success, and so
// is deleting one that is gone.
func (r *run) identity(ctx context.Context, act *Action) error {
	store := aws.String(r.a.cfg.IdentityStoreID)
	ch := map[string]string{}
	for _, c := range act.Changes {
		ch[c.Field] = c.New
	}
	user := act.Kind == KindUser
	switch {
	case act.Op == OpDelete && user:
		_, err := r.a.ids.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: store, UserId: aws.String(act.ID)})
		if err := ignoreCode(err, "ResourceNotFoundException"); err != nil {
			return err
		}
		return r.record(ctx, KindUser, act.ID, act.Name, false)
	case act.Op == OpDelete:
		_, err := r.a.ids.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: store, GroupId: aws.String(act.ID)})
		if err := ignoreCode(err, "ResourceNotFoundException"); err != nil {
			return err
		}
		return r.record(ctx, KindGroup, act.ID, act.Name, false)
	case act.Op == OpCreate && user:
		in := &identitystore.CreateUserInput{IdentityStoreId: store, UserName: aws.String(act.Name),
			DisplayName: aws.String(cmp.Or(ch["display_name"], strings.TrimSpace(ch["given_name"]+" "+ch["family_name"]))),
			Name:        &istypes.Name{GivenName: optionalString(ch["given_name"]), FamilyName: optionalString(ch["family_name"])}}
		if e := ch["email"]; e != "" {
			in.Emails = []istypes.Email{{Value: aws.String(e), Type: aws.String("work"), Primary: true}}
		}
		out, err := r.a.ids.CreateUser(ctx, in)
		if err != nil {
			return r.createdEarlier(ctx, "USER", act.Name, err)
		}
		r.setPrincipal("USER", act.Name, aws.ToString(out.UserId))
		if e := ch["email"]; e != "" {
			r.setPrincipal("USER", e, aws.ToString(out.UserId))
		}
		return r.record(ctx, KindUser, aws.ToString(out.UserId), act.Name, true)
	case act.Op == OpCreate:
		out, err := r.a.ids.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: store, DisplayName: aws.String(act.Name), Description: optionalString(ch["description"])})
		if err != nil {
			return r.createdEarlier(ctx, "GROUP", act.Name, err)
		}
		r.setPrincipal("GROUP", act.Name, aws.ToString(out.GroupId))
		return r.record(ctx, KindGroup, aws.ToString(out.GroupId), act.Name, true)
	case user:
		var ops []istypes.AttributeOperation
		for _, c := range act.Changes {
			path, value := userAttribute(c)
			ops = append(ops, istypes.AttributeOperation{AttributePath: aws.String(path), AttributeValue: value})
		}
		_, err := r.a.ids.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: store, UserId: aws.String(act.ID), Operations: ops})
		return err
	default:
		_, err := r.a.ids.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: store, GroupId: aws.String(act.ID),
			Operations: []istypes.AttributeOperation{{AttributePath: aws.String("description"), AttributeValue: attributeValue(ch["description"])}}})
		return err
	}
}

// userAttribute maps a user change to an identity store attribute path (in
// AWS's camel case: "UserName" is refused) and value. The emails list is
// replaced whole, as AWS requires.
func userAttribute(c Change) (string, document.Interface) {
	switch c.Field {
	case "display_name":
		return "displayName", attributeValue(c.New)
	case "given_name":
		return "name.givenName", attributeValue(c.New)
	case "family_name":
		return "name.familyName", attributeValue(c.New)
	case "email":
		if c.New == "" {
			return "emails", document.NewLazyDocument(nil)
		}
		return "emails", document.NewLazyDocument([]map[string]any{{"value": c.New, "type": "work", "primary": true}})
	}
	return c.Field, attributeValue(c.New)
}

// attributeValue is a string attribute's new value: null for "", since
// the identity store refuses empty values and removes an attribute set to
// null.
func attributeValue(s string) document.Interface {
	if s == "" {
		return document.NewLazyDocument(nil)
	}
	return document.NewLazyDocument(s)
}

// createdEarlier turns a ConflictException on a creation into success when
// the principal exists (found by listing the store again), and records
// the failure otherwise.
func (r *run) createdEarlier(ctx context.Context, typ, name string, err error) error {
	if errorCode(err) == "ConflictException" {
		if id, lerr := r.principalID(ctx, typ, name, "", true); lerr == nil && id != "" {
			return nil
		}
	}
	r.mu.Lock()
	r.principalErr[typ+":"+strings.ToLower(name)] = reason(err)
	r.mu.Unlock()
	return err
}

// membership adds a user to a group or removes one. Adding a member twice
// and removing a non-member are success.
func (r *run) membership(ctx context.Context, act *Action) error {
	store := aws.String(r.a.cfg.IdentityStoreID)
	groupID, err := r.principalID(ctx, "GROUP", act.Name, act.ID)
	if err != nil {
		return err
	}
	userID, err := r.principalID(ctx, "USER", act.Member, "")
	if err != nil {
		if act.Op != OpDelete {
			return err
		}
		userID = act.Member // a member the plan knew only by ID
	}
	if act.Op == OpCreate {
		_, err := r.a.ids.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: store, GroupId: aws.String(groupID),
			MemberId: &istypes.MemberIdMemberUserId{Value: userID}})
		return ignoreCode(err, "ConflictException")
	}
	pages := identitystore.NewListGroupMembershipsPaginator(r.a.ids, &identitystore.ListGroupMembershipsInput{IdentityStoreId: store, GroupId: aws.String(groupID)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list members: %w", err)
		}
		for _, m := range page.GroupMemberships {
			if u, ok := m.MemberId.(*istypes.MemberIdMemberUserId); ok && u.Value == userID {
				_, err := r.a.ids.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: store, MembershipId: m.MembershipId})
				return ignoreCode(err, "ResourceNotFoundException")
			}
		}
	}
	return nil // not a member
}

func (r *run) setPrincipal(typ, name, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if typ == "USER" {
		r.users[strings.ToLower(name)] = id
	} else {
		r.groups[strings.ToLower(name)] = id
	}
}

// principalID returns id when set, else the ID of the user (by user name
// or email) or group named, known from this apply or listed from the
// identity store once (again with relist).
func (r *run) principalID(ctx context.Context, typ, name, id string, relist ...bool) (string, error) {
	if id != "" {
		return id, nil
	}
	key := strings.ToLower(name)
	lookup := func() (string, string, bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		m := r.groups
		if typ == "USER" {
			m = r.users
		}
		id, ok := m[key]
		return id, r.principalErr[typ+":"+key], ok
	}
	force := len(relist) > 0 && relist[0]
	if id, failed, ok := lookup(); !force && (ok || failed != "") {
		if failed != "" {
			return "", stint.Errorf(stint.EUNAVAILABLE, "%s %s was not created: %s", strings.ToLower(typ), name, failed)
		}
		return id, nil
	}
	r.listIDs.Lock()
	defer r.listIDs.Unlock()
	if !r.idsListed || force {
		if err := r.listIdentities(ctx); err != nil {
			return "", err
		}
		r.idsListed = true
	}
	if id, _, ok := lookup(); ok {
		return id, nil
	}
	return "", stint.Errorf(stint.ENOTFOUND, "no %s named %s in the identity store", strings.ToLower(typ), name)
}

func (r *run) listIdentities(ctx context.Context) error {
	store := aws.String(r.a.cfg.IdentityStoreID)
	up := identitystore.NewListUsersPaginator(r.a.ids, &identitystore.ListUsersInput{IdentityStoreId: store})
	for up.HasMorePages() {
		page, err := up.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		for _, u := range page.Users {
			r.setPrincipal("USER", aws.ToString(u.UserName), aws.ToString(u.UserId))
			for _, e := range u.Emails {
				r.setPrincipal("USER", aws.ToString(e.Value), aws.ToString(u.UserId))
			}
		}
	}
	gp := identitystore.NewListGroupsPaginator(r.a.ids, &identitystore.ListGroupsInput{IdentityStoreId: store})
	for gp.HasMorePages() {
		page, err := gp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list groups: %w", err)
		}
		for _, g := range page.Groups {
			r.setPrincipal("GROUP", aws.ToString(g.DisplayName), aws.ToString(g.GroupId))
		}
	}
	return nil
}
