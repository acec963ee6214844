// Package iam makes stint's IAM effects real in member accounts.
package iam
