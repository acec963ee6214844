// Package web serves stint over HTTP: the JSON API under /api/v1 (described by
// the OpenAPI document at /api/v1/openapi.json), health and readiness probes,
// and Prometheus metrics. Every API route but the OpenAPI document needs a
// bearer token, resolved by access.Service.Authenticate.
//
// Errors carry a stint code, mapped to an HTTP status in one table
// (statusByCode), and have the body {"error":{"code":"invalid","message":"..."}}.
package web
