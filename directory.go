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
	// ManagerID is the identity store ID of the user's manager (the
	// enterprise extension's manager), when the identity store names one.
	ManagerID string `json:"manager_id,omitempty"`
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
	// Resources are what discovery found in member accounts (buckets,
	// instances, clusters, databases, IAM roles and groups), for the types
	// and accounts that flows select.
	Resources []Resource `json:"resources,omitempty"`
	// DiscoveryErrors say which accounts (and types) could not be read,
	// and why; their resources are missing from Resources.
	DiscoveryErrors []DiscoveryError `json:"discovery_errors,omitempty"`
	SyncedAt        time.Time        `json:"synced_at"`
}

// DiscoveryError is one account (and type) discovery could not read.
type DiscoveryError struct {
	AccountID string       `json:"account_id"`
	Type      ResourceType `json:"type,omitempty"` // "" when the whole account failed (AssumeRole denied)
	Error     string       `json:"error"`
}

// Resource finds a discovered resource by type, account ID and name (case
// matters, as in AWS). It returns ENOTFOUND naming what was looked for,
// and the discovery error of that account when there is one.
func (d *Directory) Resource(t ResourceType, accountID, name string) (*Resource, error) {
	for i := range d.Resources {
		r := &d.Resources[i]
		if r.Type == t && r.AccountID == accountID && r.Name == name {
			return r, nil
		}
	}
	for _, de := range d.DiscoveryErrors {
		if de.AccountID == accountID && (de.Type == "" || de.Type == t) {
			return nil, Errorf(ENOTFOUND, "%s %q in account %s is unknown: that account could not be read (%s)", t, name, accountID, de.Error)
		}
	}
	var known []string
	for _, r := range d.Resources {
		if r.Type == t && r.AccountID == accountID {
			known = append(known, r.Name)
		}
	}
	return nil, Errorf(ENOTFOUND, "unknown %s %q in account %s; known: %s", t, name, accountID, knownList(known))
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
