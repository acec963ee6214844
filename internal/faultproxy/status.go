package faultproxy

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Kind is the kind of asynchronous operation: account assignment creation
// or deletion, or permission set provisioning.
type Kind string

// Kinds.
const (
	Creation     Kind = "creation"     // CreateAccountAssignment and its status polls
	Deletion     Kind = "deletion"     // DeleteAccountAssignment and its status polls
	Provisioning Kind = "provisioning" // ProvisionPermissionSet and its status polls
)

// Operation statuses.
const (
	InProgress = "IN_PROGRESS"
	Failed     = "FAILED"
	Succeeded  = "SUCCEEDED"
)

// StatusRule makes asynchronous operations, which moto completes at once,
// look as they do on AWS: the create or delete answer says IN_PROGRESS,
// the first InProgressPolls status polls of that request say IN_PROGRESS
// too, and the polls after them say what moto says.
//
// With FailureReason the operation fails instead: like a failed operation on
// AWS it changes nothing, so the proxy does not pass the create or delete to
// moto; it answers it, and its status polls, itself: IN_PROGRESS for
// InProgressPolls polls, then FAILED with the reason.
type StatusRule struct {
	Kind Kind
	// InProgressPolls is how many status polls of each request answer
	// IN_PROGRESS before the final status.
	InProgressPolls int
	// FailureReason, when set, makes the operation fail with it.
	FailureReason string
	// PrincipalID limits the rule to account assignment operations for
	// that principal; "" matches all (provisioning has no principal).
	PrincipalID string
}

// RewriteStatus adds a status rule; the first matching rule applies.
func (p *Proxy) RewriteStatus(r StatusRule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.statuses = append(p.statuses, r)
}

// CreatesInFlight returns how many creations the proxy has answered
// IN_PROGRESS for and not yet reported final; MaxCreatesInFlight returns the
// most there were at once since the proxy started or ResetCounts.
func (p *Proxy) CreatesInFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.inFlight)
}

// MaxCreatesInFlight returns the peak of CreatesInFlight.
func (p *Proxy) MaxCreatesInFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

type statusOp struct {
	kind    Kind
	poll    bool   // a Describe...Status call, not the create or delete
	field   string // JSON field holding the status object in answers
	idField string // JSON field holding the request ID in polls
}

var statusOps = map[string]statusOp{
	"CreateAccountAssignment":                 {Creation, false, "AccountAssignmentCreationStatus", ""},
	"DescribeAccountAssignmentCreationStatus": {Creation, true, "AccountAssignmentCreationStatus", "AccountAssignmentCreationRequestId"},
	"DeleteAccountAssignment":                 {Deletion, false, "AccountAssignmentDeletionStatus", ""},
	"DescribeAccountAssignmentDeletionStatus": {Deletion, true, "AccountAssignmentDeletionStatus", "AccountAssignmentDeletionRequestId"},
	"ProvisionPermissionSet":                  {Provisioning, false, "PermissionSetProvisioningStatus", ""},
	"DescribePermissionSetProvisioningStatus": {Provisioning, true, "PermissionSetProvisioningStatus", "ProvisionPermissionSetRequestId"},
}

// modifyResponse rewrites successful answers of asynchronous operations
// and tracks creations in flight.
func (p *Proxy) modifyResponse(resp *http.Response) error {
	op, _ := resp.Request.Context().Value(ctxKey{}).(string)
	sop, ok := statusOps[op]
	if !ok || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if out, changed := p.rewrite(sop, body); changed {
		body = out
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// rewrite applies the first matching status rule to one answer.
func (p *Proxy) rewrite(sop statusOp, body []byte) ([]byte, bool) {
	var doc map[string]map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc[sop.field] == nil {
		return body, false
	}
	st := doc[sop.field]
	requestID, _ := st["RequestId"].(string)
	principal, _ := st["PrincipalId"].(string)

	p.mu.Lock()
	defer p.mu.Unlock()
	rule, ok := p.findStatusRule(sop.kind, principal, false)
	status, _ := st["Status"].(string)
	if ok {
		status = p.nextStatus(sop, rule, requestID, status)
		st["Status"] = status
		if status == Failed {
			st["FailureReason"] = rule.FailureReason
		}
	}
	if sop.kind == Creation {
		p.trackCreation(requestID, status, sop.poll)
	}
	if !ok {
		return body, false
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body, false
	}
	return out, true
}

// findStatusRule returns the first rule for the kind and principal that
// fails operations (failing) or not; p.mu must be held.
func (p *Proxy) findStatusRule(kind Kind, principal string, failing bool) (StatusRule, bool) {
	for _, r := range p.statuses {
		if r.Kind == kind && (r.PrincipalID == "" || r.PrincipalID == principal) && (r.FailureReason != "") == failing {
			return r, true
		}
	}
	return StatusRule{}, false
}

// nextStatus returns the status to answer; p.mu must be held.
func (p *Proxy) nextStatus(sop statusOp, rule StatusRule, requestID, motoStatus string) string {
	if !sop.poll {
		return InProgress
	}
	key := string(sop.kind) + "/" + requestID
	p.polls[key]++
	switch {
	case p.polls[key] <= rule.InProgressPolls:
		return InProgress
	default:
		return motoStatus
	}
}

// trackCreation counts creations between IN_PROGRESS and a final status;
// p.mu must be held.
func (p *Proxy) trackCreation(requestID, status string, poll bool) {
	if status == InProgress {
		p.inFlight[requestID] = true
		p.peak = max(p.peak, len(p.inFlight))
		return
	}
	if !poll && !p.inFlight[requestID] {
		p.peak = max(p.peak, len(p.inFlight)+1) // final at once: in flight for an instant
	}
	delete(p.inFlight, requestID)
}

// fakeOp is an operation the proxy answers itself because it fails.
type fakeOp struct {
	rule   StatusRule
	status map[string]any
}

// answerFailing answers a create or delete that a failing rule matches, and
// the status polls of such operations, without moto. It reports whether it
// answered.
func (p *Proxy) answerFailing(w http.ResponseWriter, op string, body []byte) bool {
	sop, ok := statusOps[op]
	if !ok {
		return false
	}
	var in map[string]any
	if json.Unmarshal(body, &in) != nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var st map[string]any
	if sop.poll {
		st = p.pollFake(sop, in)
	} else {
		st = p.startFake(sop, in)
	}
	if st == nil {
		return false
	}
	if sop.kind == Creation {
		p.trackCreation(st["RequestId"].(string), st["Status"].(string), sop.poll)
	}
	out, _ := json.Marshal(map[string]any{sop.field: st})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
	return true
}

// startFake begins a failing operation; p.mu must be held.
func (p *Proxy) startFake(sop statusOp, in map[string]any) map[string]any {
	principal, _ := in["PrincipalId"].(string)
	rule, ok := p.findStatusRule(sop.kind, principal, true)
	if !ok {
		return nil
	}
	st := map[string]any{"Status": InProgress, "RequestId": newRequestID(), "CreatedDate": float64(time.Now().UnixMilli()) / 1000}
	for _, k := range []string{"TargetId", "TargetType", "PermissionSetArn", "PrincipalType", "PrincipalId"} {
		if v, ok := in[k]; ok {
			st[k] = v
		}
	}
	p.fakes[string(sop.kind)+"/"+st["RequestId"].(string)] = &fakeOp{rule: rule, status: st}
	return st
}

// pollFake answers a status poll of a failing operation; p.mu must be held.
func (p *Proxy) pollFake(sop statusOp, in map[string]any) map[string]any {
	requestID, _ := in[sop.idField].(string)
	key := string(sop.kind) + "/" + requestID
	f, ok := p.fakes[key]
	if !ok {
		return nil
	}
	p.polls[key]++
	if p.polls[key] > f.rule.InProgressPolls {
		f.status["Status"] = Failed
		f.status["FailureReason"] = f.rule.FailureReason
	}
	return f.status
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
