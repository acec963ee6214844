package eks

import (
	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/provider/awserr"
)

// errs classifies EKS and IAM errors.
var errs = awserr.Classifier{
	Service: "AWS",
	Forbidden: "check that the role stint assumes in member accounts allows eks:ListClusters, eks:DescribeCluster, " +
		"eks:*AccessEntr*, eks:*AccessPolic* and iam:ListRoles (docs/providers/eks.md)",
	Codes: map[string]awserr.Rule{
		"ResourceNotFoundException":      {Code: stint.ENOTFOUND},
		"NoSuchEntity":                   {Code: stint.ENOTFOUND},
		"InvalidParameterException":      {Code: stint.EINVALID},
		"InvalidRequestException":        {Code: stint.EINVALID},
		"ValidationError":                {Code: stint.EINVALID},
		"ValidationException":            {Code: stint.EINVALID},
		"ResourceLimitExceededException": {Code: stint.EUNAVAILABLE, Hint: "an EKS quota (access entries per cluster) is reached; remove unused access entries or raise the quota"},
		"ResourceInUseException":         {Code: stint.ECONFLICT},
	},
}

// awsError translates an SDK error into a coded stint error whose message
// says what failed and what to do; the SDK error stays in the chain.
func awsError(err error, format string, args ...any) error { return errs.Wrap(err, format, args...) }

// awsMessage returns AWS's own words: "Code: message".
func awsMessage(err error) string { return awserr.Message(err) }
