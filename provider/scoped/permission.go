package scoped

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stint-dev/stint"
)

// Permission is one scoped permission set: access to one resource in one
// account. Permissions with the same account, kind and target are the same
// permission set.
type Permission struct {
	AccountID string
	Kind      stint.ResourceType
	// Target is the resource within the account, as in the effect, e.g.
	// "payments-logs:read".
	Target string
	// Description is what a person reads in the AWS console, at most 700
	// characters of printable Latin-1, e.g. "stint: read on S3 bucket
	// payments-logs in 111111111111".
	Description string
	// Policy is the inline policy (IAM JSON). It must fit the permission
	// set quota with room left for cut-off statements (see CheckPolicy).
	Policy string
}

// Permission set settings.
const (
	// NamePrefix starts the name of every permission set this package makes.
	NamePrefix = "stint-"
	// SessionDuration is the permission sets' session duration: the
	// shortest AWS allows, so that no session outlives its grant by more
	// than an hour.
	SessionDuration = "PT1H"
	// MaxDescription is AWS's limit on a permission set description.
	MaxDescription = 700

	// TagManaged marks the permission sets this package manages ("true");
	// Collect deletes no other.
	TagManaged = "stint:managed"
	// TagLastUsed holds when the permission set was last used (RFC 3339):
	// created, or an assignment removed.
	TagLastUsed = "stint:last-used"
	// TagAccount, TagKind and TagTarget say what the permission set is for.
	TagAccount = "stint:account"
	TagKind    = "stint:kind"
	TagTarget  = "stint:target"
)

// sessionLength is SessionDuration as a duration.
const sessionLength = time.Hour

// managedName matches the names PermissionSetName makes.
var managedName = regexp.MustCompile(`^stint-[a-z0-9-]{1,9}-[0-9a-f]{16}$`)

// PermissionSetName returns the permission set's name: "stint-", the kind
// without "aws-" (at most 9 characters), "-" and 16 hex digits of a SHA-256
// of (account, kind, target), e.g. "stint-s3-3f2a9c0d1b4e5f60". It is at
// most 32 characters of [a-z0-9-], as AWS requires, and the same in every
// process and release.
func PermissionSetName(p Permission) string {
	sum := sha256.Sum256([]byte(p.AccountID + "\x00" + string(p.Kind) + "\x00" + p.Target))
	kind := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, strings.TrimPrefix(strings.ToLower(string(p.Kind)), "aws-"))
	if len(kind) > 9 {
		kind = kind[:9]
	}
	if kind == "" {
		kind = "res"
	}
	return NamePrefix + kind + "-" + hex.EncodeToString(sum[:8])
}

// Check validates the permission without calling AWS. It returns EINVALID
// saying what is wrong: an account ID that is not 12 digits, no kind or
// target, a description AWS would refuse, or a policy CheckPolicy refuses.
func Check(p Permission) error {
	if err := checkRef(p); err != nil {
		return err
	}
	switch {
	case p.Description == "":
		return stint.Errorf(stint.EINVALID, "permission %s: no description; say what it grants, e.g. \"stint: read on S3 bucket payments-logs in 111111111111\"", p.Kind)
	case utf8.RuneCountInString(p.Description) > MaxDescription:
		return stint.Errorf(stint.EINVALID, "permission %s %s: the description has %d characters; AWS takes at most %d", p.Kind, p.Target, utf8.RuneCountInString(p.Description), MaxDescription)
	case strings.IndexFunc(p.Description, func(r rune) bool { return !descriptionRune(r) }) >= 0:
		return stint.Errorf(stint.EINVALID, "permission %s %s: the description may hold only printable Latin-1 characters, tabs and newlines", p.Kind, p.Target)
	}
	if err := CheckPolicy(p.Policy); err != nil {
		return stint.Errorf(stint.EINVALID, "permission %s %s in %s: %s", p.Kind, p.Target, p.AccountID, stint.ErrorMessage(err))
	}
	return nil
}

// checkRef checks what names the permission set: account, kind, target.
func checkRef(p Permission) error {
	switch {
	case !isAccountID(p.AccountID):
		return stint.Errorf(stint.EINVALID, "permission: account ID %q is not 12 digits", p.AccountID)
	case p.Kind == "":
		return stint.Errorf(stint.EINVALID, "permission in %s: no resource type", p.AccountID)
	case p.Target == "":
		return stint.Errorf(stint.EINVALID, "permission for %s in %s: no target (the resource within the account)", p.Kind, p.AccountID)
	}
	return nil
}

// descriptionRune reports whether AWS accepts r in a description:
// [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF].
func descriptionRune(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) || (r >= 0xa1 && r <= 0xff)
}

// description makes a description that Check accepts from any text:
// characters AWS refuses become '?', and it is cut to MaxDescription.
func description(s string) string {
	s = strings.Map(func(r rune) rune {
		if descriptionRune(r) {
			return r
		}
		return '?'
	}, s)
	if r := []rune(s); len(r) > MaxDescription {
		s = string(r[:MaxDescription-3]) + "..."
	}
	return s
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
