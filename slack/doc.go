// Package slack is stint's Slack app: the /stint slash command (a request
// modal with type-ahead over what the user may request, a one-line
// shortcut, and a list of their requests and grants with Extend and Revoke
// buttons), approval messages with Approve and Deny buttons that update in
// place as a request and its grants move on, and direct messages that tell
// requesters what happened.
//
// Everything Slack sends is verified first (v0 signatures over
// "v0:timestamp:body" with the app's signing secret, a five-minute window,
// replays refused), then the Slack user is mapped to an identity store user
// by email, and every action goes through access.Service exactly as the
// API's do: the policy, the flows and the state checks decide, at click
// time.
//
// Messages are never sent inline with a state change. App.EventJobs turns
// audit events into durable River jobs queued in the event's own
// transaction (access.Service.EventJobs); the workers App.AddWorkers
// registers render the current state when they run and retry with
// backoff, so a Slack outage never blocks granting or revoking, and a
// late job never posts a stale state.
package slack
