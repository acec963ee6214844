package identitycenter

import (
	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
)

// errs classifies Identity Center, identity store and Organizations errors.
var errs = awserr.Classifier{
	Service:   "AWS",
	Forbidden: "check that stint's AWS credentials are valid and allow Identity Center administration (sso:*, identitystore:*, organizations:List*, organizations:Describe*)",
	Codes: map[string]awserr.Rule{
		"ResourceNotFoundException":         {Code: stint.ENOTFOUND, Hint: "check that the instance, permission set, account and user exist"},
		"ValidationException":               {Code: stint.EINVALID},
		"InvalidInputException":             {Code: stint.EINVALID},
		"ConflictException":                 {Code: stint.EUNAVAILABLE, Hint: "another operation on this account and permission set is still in progress; it is retried later"},
		"ServiceQuotaExceededException":     {Code: stint.EUNAVAILABLE, Hint: "an Identity Center quota is reached; raise it or remove unused assignments"},
		"AWSOrganizationsNotInUseException": {Code: stint.EINVALID, Hint: "the account is not the management account of an organisation, or a delegated administrator"},
	},
}

// awsError translates an SDK error into a coded stint error whose message
// says what failed and what to do. The SDK error stays in the chain for
// errors.As.
func awsError(err error, action string, args ...any) error { return errs.Wrap(err, action, args...) }
