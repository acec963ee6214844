package access

import (
	"context"
	"strings"

	"github.com/stint-dev/stint"
)

// CallerByEmail returns the caller for a person another system has
// identified by email (the Slack app maps its users this way; the portal's
// OIDC sign-in and break-glass login prove it), with their groups expanded
// as for a token. It returns EUNAUTHORIZED when no identity
// store user has the email, and EUNAVAILABLE before the first directory
// sync.
func (s *Service) CallerByEmail(ctx context.Context, email string) (*Caller, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "no email to identify the user by")
	}
	dir, err := s.Directory(ctx)
	if err != nil {
		return nil, err
	}
	u, err := dir.UserByEmail(email)
	if err != nil {
		return nil, stint.Errorf(stint.EUNAUTHORIZED, "%s is not a user of the Identity Center identity store; ask an administrator to add you", email)
	}
	eng, err := s.engine()
	if err != nil {
		return nil, err
	}
	return &Caller{User: eng.Expand(u), Admin: s.IsAdmin(u.Email)}, nil
}

// Users returns the identity store users with their groups expanded (the
// config's nested groups included), for finding who may approve a step.
func (s *Service) Users(ctx context.Context) ([]*stint.User, error) {
	eng, dir, err := s.engineAndDirectory(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*stint.User, len(dir.Users))
	for i := range dir.Users {
		out[i] = eng.Expand(&dir.Users[i])
	}
	return out, nil
}
