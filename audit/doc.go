// Package audit checks, exports and ships the tamper-evident audit trail:
// Verify walks the hash chain of events and the signed checkpoints of its
// head and reports the first broken link; Signer signs checkpoints (and
// retention anchors) with an ed25519 key so that a truncated chain is
// detected too; Encoder and Export write events as CSV, JSON lines or
// OCSF; Forwarder sends the chain, in order, to Destinations (Webhook here,
// an S3 bucket in package s3forward) with a cursor per destination kept
// in the store; Retention removes old events once they are checkpointed
// and forwarded, leaving a signed anchor Verify starts from; Summarize
// makes the weekly report. docs/audit.md describes them.
package audit
