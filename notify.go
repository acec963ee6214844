package stint

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Webhook is a notification endpoint: stint POSTs matching audit events to
// it as JSON, durably (a job per delivery, retried until it answers 2xx).
type Webhook struct {
	URL string `json:"url" yaml:"url"`
	// Events are event types ("request.break_glass") or prefixes ending in
	// "*" ("request.*"). Default: every event.
	Events []string `json:"events,omitempty" yaml:"events"`
	// SecretEnv names the environment variable holding the signing secret;
	// each delivery then carries X-Stint-Signature: sha256=HMAC(secret,
	// body). The secret itself never goes in the config file.
	SecretEnv string `json:"secret_env,omitempty" yaml:"secret_env"`
}

// Wants reports whether the webhook subscribes to the event type.
func (w *Webhook) Wants(eventType string) bool {
	if len(w.Events) == 0 {
		return true
	}
	return slices.ContainsFunc(w.Events, func(p string) bool {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			return strings.HasPrefix(eventType, prefix)
		}
		return p == eventType
	})
}

// NotifyArgs asks for one event to be delivered to one webhook.
type NotifyArgs struct {
	URL       string `json:"url"`
	SecretEnv string `json:"secret_env,omitempty"`
	Event     Event  `json:"event"`
}

// Kind implements JobArgs.
func (NotifyArgs) Kind() string { return "notify" }

// SignPayload returns the X-Stint-Signature value of a webhook body.
func SignPayload(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
