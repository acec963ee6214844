package iam

import (
	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
)

// errs classifies IAM errors.
var errs = awserr.Classifier{
	Service:   "IAM",
	Forbidden: "the role stint assumes in member accounts needs the IAM permissions listed in docs/providers/iam-role.md and iam-group.md",
	Codes: map[string]awserr.Rule{
		"NoSuchEntity":            {Code: stint.ENOTFOUND},
		"MalformedPolicyDocument": {Code: stint.EINVALID},
		"InvalidInput":            {Code: stint.EINVALID},
		"ValidationError":         {Code: stint.EINVALID},
		"LimitExceeded":           {Code: stint.EINVALID, Hint: "an IAM quota of the account is reached"},
		"ConcurrentModification":  {Code: stint.EUNAVAILABLE, Hint: "another change to the same IAM entity kept being in progress; it is retried later"},
	},
}

// awsError translates an SDK error into a coded stint error whose message
// says what failed and what to do. The SDK error stays in the chain for
// errors.As.
func awsError(err error, format string, args ...any) error { return errs.Wrap(err, format, args...) }

// awsMessage returns AWS's own words: "Code: message".
func awsMessage(err error) string { return awserr.Message(err) }

// hasCode reports whether err is an AWS API error with the code.
func hasCode(err error, code string) bool { return awserr.Has(err, code) }

func isNotFound(err error) bool { return hasCode(err, "NoSuchEntity") }
