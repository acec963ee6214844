// Package sampleorg builds a realistic AWS organisation with IAM Identity
// Center users, groups and permission sets in moto_server, for tests, end-to-
// end tests and `make demo`. DefaultSpec is the organisation the demo shows.
package sampleorg
