package identityconfig_test

import (
	"fmt"

	"github.com/stint-dev/stint/identityconfig"
)

func ExampleParse() {
	_, err := identityconfig.Parse(map[string][]byte{"identity.yaml": []byte(`permission_sets:
  - name: Deploy
    session_duration: 24h
    managed_policies: [arn:aws:iam::123456789012:policy/Deploy]
    inline_policy: '{"Version": "2012-10-17",'
assignments:
  - principal: group:Engineers
    permission_set: Deplyo
    accounts: [ou:Prod]
`)})
	fmt.Println(err)
	// Output:
	// identity.yaml:3:23: permission_sets[0].session_duration: session duration PT24H is outside PT15M..PT12H, the range AWS allows
	// identity.yaml:4:24: permission_sets[0].managed_policies[0]: unknown policy ARN format "arn:aws:iam::123456789012:policy/Deploy": an AWS managed policy ARN looks like arn:aws:iam::aws:policy/ReadOnlyAccess; a customer managed policy goes in customer_managed_policies as {name, path}
	// identity.yaml:5:20: permission_sets[0].inline_policy: inline policy is not valid JSON: unexpected EOF
	// identity.yaml:8:21: assignment names undeclared permission set "Deplyo" (did you mean Deploy?); declare it under permission_sets (with external: true if it is managed elsewhere)
}
