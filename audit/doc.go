// Package audit checks and keeps the tamper-evident audit trail: Verify
// walks the hash chain of events and the signed checkpoints of its head and
// reports the first broken link; Signer signs checkpoints with an ed25519
// key so that a truncated chain is detected too.
package audit
