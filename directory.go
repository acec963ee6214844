package stint

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// User is a person mirrored from the Identity Center identity store.
type User struct {
	ID          string   `json:"id"` // identity store user ID
	UserName    string   `json:"user_name"`
	Email       string   `json:"email"`
	DisplayName string   `json:"display_name"`
	Groups      []string `json:"groups"` // group names: direct memberships, plus the config's nested groups once expanded
	// Attributes are identity store attributes (title, user_type, locale,
	// timezone, ...) that flows can match with requester_attributes.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Group is an identity store group.
type Group struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Account is an AWS account of the organisation.
type Account struct {
	ID     string            `json:"id"`
	Name   string            `json:"name"`
	OUPath string            `json:"ou_path"` // "Prod/Payments"; "" for accounts under the root
	Tags   map[string]string `json:"tags,omitempty"`
}

// PermissionSet is an Identity Center permission set.
type PermissionSet struct {
	ARN             string `json:"arn"`
	Name            string `json:"name"`
	SessionDuration string `json:"session_duration,omitempty"` // ISO-8601, e.g. PT1H
}

// Directory is a snapshot of what stint knows of the organisation: the Identity
// Center instance, its users and groups, the accounts and the permission sets.
// Providers build it; the store keeps the latest one.
type Directory struct {
	InstanceARN     string          `json:"instance_arn"`
	IdentityStoreID string          `json:"identity_store_id"`
	Users           []User          `json:"users"`
	Groups          []Group         `json:"groups"`
	Accounts        []Account       `json:"accounts"`
	PermissionSets  []PermissionSet `json:"permission_sets"`
	SyncedAt        time.Time       `json:"synced_at"`
}

// UserByEmail finds a user by email, case-insensitively. It returns ENOTFOUND
// when no user has that email.
func (d *Directory) UserByEmail(email string) (*User, error) {
	for i := range d.Users {
		if strings.EqualFold(d.Users[i].Email, email) {
			return &d.Users[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "no user with email %q in the identity store", email)
}

// UserByID finds a user by identity store ID.
func (d *Directory) UserByID(id string) (*User, error) {
	for i := range d.Users {
		if d.Users[i].ID == id {
			return &d.Users[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "no user with ID %q in the identity store", id)
}

// Account finds an account by ID or by name. It returns ENOTFOUND listing
// some known names when nothing matches.
func (d *Directory) Account(idOrName string) (*Account, error) {
	for i := range d.Accounts {
		if d.Accounts[i].ID == idOrName || strings.EqualFold(d.Accounts[i].Name, idOrName) {
			return &d.Accounts[i], nil
		}
	}
	names := make([]string, 0, len(d.Accounts))
	for _, a := range d.Accounts {
		names = append(names, a.Name)
	}
	return nil, Errorf(ENOTFOUND, "unknown account %q; known: %s", idOrName, knownList(names))
}

// PermissionSet finds a permission set by name (case-insensitive) or ARN.
func (d *Directory) PermissionSet(nameOrARN string) (*PermissionSet, error) {
	for i := range d.PermissionSets {
		ps := &d.PermissionSets[i]
		if ps.ARN == nameOrARN || strings.EqualFold(ps.Name, nameOrARN) {
			return ps, nil
		}
	}
	names := make([]string, 0, len(d.PermissionSets))
	for _, ps := range d.PermissionSets {
		names = append(names, ps.Name)
	}
	return nil, Errorf(ENOTFOUND, "unknown permission set %q; known: %s", nameOrARN, knownList(names))
}

func knownList(names []string) string {
	sort.Strings(names)
	if len(names) == 0 {
		return "(none)"
	}
	if len(names) > 15 {
		return strings.Join(names[:15], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-15)
	}
	return strings.Join(names, ", ")
}

// InGroup reports whether the user is a member of the named group.
func (u *User) InGroup(name string) bool {
	return slices.ContainsFunc(u.Groups, func(g string) bool { return strings.EqualFold(g, name) })
}

// ResourceID is the stable ID of an Identity Center resource:
// "aws-sso:ACCOUNT_ID/PERMISSION_SET_NAME".
func ResourceID(accountID, permissionSet string) string {
	return "aws-sso:" + accountID + "/" + permissionSet
}
