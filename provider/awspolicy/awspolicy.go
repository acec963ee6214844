// Package awspolicy holds the shape of the IAM policy documents stint
// writes whole (cut-off policies): statements of one action and one
// resource with string conditions. Documents that others write, with
// lists and nested values, are decoded by the providers that read them.
package awspolicy

// Version is the policy language version of every document stint writes.
const Version = "2012-10-17"

// Document is a policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement: Condition maps an operator to keys and
// values, e.g. {"DateLessThan": {"aws:TokenIssueTime": "2026-12-01T10:00:00Z"}}.
type Statement struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Action    string                       `json:"Action"`
	Resource  string                       `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition"`
}
