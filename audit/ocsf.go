package audit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stint-dev/stint"
)

// OCSFVersion is the version of the Open Cybersecurity Schema Framework
// the OCSF events follow.
const OCSFVersion = "1.3.0"

// OCSF classes stint's events map to (category 3, Identity & Access
// Management). docs/audit.md has the whole table.
const (
	ClassAccountChange    = 3001
	ClassAuthentication   = 3002
	ClassEntityManagement = 3004
	ClassUserAccess       = 3005
)

var classNames = map[int]string{
	ClassAccountChange: "Account Change", ClassAuthentication: "Authentication",
	ClassEntityManagement: "Entity Management", ClassUserAccess: "User Access Management",
}

// Activities of those classes.
var activityNames = map[int]map[int]string{
	ClassAccountChange:    {9: "Lock"},
	ClassAuthentication:   {1: "Logon", 2: "Logoff"},
	ClassEntityManagement: {1: "Create", 2: "Read", 3: "Update", 4: "Delete", 99: "Other"},
	ClassUserAccess:       {1: "Assign Privileges", 2: "Revoke Privileges"},
}

// OCSF severities and statuses.
const (
	sevInfo   = 1
	sevMedium = 3
	sevHigh   = 4

	statusSuccess = 1
	statusFailure = 2
)

var severityNames = map[int]string{1: "Informational", 2: "Low", 3: "Medium", 4: "High"}

// OCSFEvent is a stint event as an OCSF event of one of the IAM classes.
// Fields a class does not use are left out; the stint event's own fields
// are kept under unmapped.stint, so nothing is lost.
type OCSFEvent struct {
	ActivityID   int            `json:"activity_id"`
	ActivityName string         `json:"activity_name"`
	CategoryUID  int            `json:"category_uid"`
	CategoryName string         `json:"category_name"`
	ClassUID     int            `json:"class_uid"`
	ClassName    string         `json:"class_name"`
	TypeUID      int            `json:"type_uid"`
	TypeName     string         `json:"type_name"`
	Time         int64          `json:"time"` // milliseconds since the epoch
	SeverityID   int            `json:"severity_id"`
	Severity     string         `json:"severity"`
	StatusID     int            `json:"status_id"`
	Status       string         `json:"status"`
	StatusDetail string         `json:"status_detail,omitempty"`
	Message      string         `json:"message"`
	Metadata     OCSFMetadata   `json:"metadata"`
	Actor        *OCSFActor     `json:"actor,omitempty"`
	User         *OCSFUser      `json:"user,omitempty"`
	Privileges   []string       `json:"privileges,omitempty"`
	Resources    []OCSFResource `json:"resources,omitempty"`
	Entity       *OCSFEntity    `json:"entity,omitempty"`
	Comment      string         `json:"comment,omitempty"`
	IsMFA        *bool          `json:"is_mfa,omitempty"`
	Service      *OCSFService   `json:"service,omitempty"`
	Unmapped     map[string]any `json:"unmapped"`
}

// OCSFMetadata is the OCSF metadata object.
type OCSFMetadata struct {
	Version        string      `json:"version"`
	Product        OCSFProduct `json:"product"`
	UID            string      `json:"uid"`
	EventCode      string      `json:"event_code"`
	Sequence       int64       `json:"sequence,omitempty"`
	CorrelationUID string      `json:"correlation_uid,omitempty"`
	LogName        string      `json:"log_name"`
	OriginalTime   string      `json:"original_time"`
}

// OCSFProduct names stint as the product that logged the event.
type OCSFProduct struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
}

// OCSFActor is who acted.
type OCSFActor struct {
	User *OCSFUser `json:"user"`
}

// OCSFUser is a user: a person (with an email) or stint itself.
type OCSFUser struct {
	UID       string `json:"uid,omitempty"`
	Name      string `json:"name"`
	EmailAddr string `json:"email_addr,omitempty"`
	TypeID    int    `json:"type_id"` // 1 user, 2 admin, 3 system
	Type      string `json:"type"`
}

// OCSFResource is an AWS resource a grant gives access to.
type OCSFResource struct {
	UID  string            `json:"uid"`
	Name string            `json:"name,omitempty"`
	Type string            `json:"type"`
	Data map[string]string `json:"data,omitempty"`
}

// OCSFEntity is the stint object an Entity Management event is about.
type OCSFEntity struct {
	UID  string `json:"uid"`
	Name string `json:"name,omitempty"`
	Type string `json:"type"`
}

// OCSFService is the service a user authenticated to.
type OCSFService struct {
	Name string `json:"name"`
}

// Subject is what the OCSF mapping knows about the grant an event is
// about (nil when it is not about one, or the grant is gone).
type Subject struct {
	Grant *stint.Grant
}

// mapping is the OCSF class and activity of an event type, with the
// entity type for Entity Management.
type mapping struct {
	class, activity int
	entity          string
	severity        int
	failure         bool
}

// ocsfTypes maps stint's event types; others are Entity Management,
// activity Other.
var ocsfTypes = map[string]mapping{
	stint.EventRequestCreated:    {ClassEntityManagement, 1, "Access Request", sevInfo, false},
	stint.EventRequestReviewed:   {ClassEntityManagement, 3, "Access Request", sevInfo, false},
	stint.EventRequestApproved:   {ClassEntityManagement, 3, "Access Request", sevInfo, false},
	stint.EventRequestDenied:     {ClassEntityManagement, 3, "Access Request", sevInfo, false},
	stint.EventRequestCancelled:  {ClassEntityManagement, 3, "Access Request", sevInfo, false},
	stint.EventRequestExpired:    {ClassEntityManagement, 3, "Access Request", sevInfo, false},
	stint.EventBreakGlass:        {ClassEntityManagement, 3, "Access Request", sevHigh, false},
	stint.EventGrantScheduled:    {ClassEntityManagement, 1, "Grant", sevInfo, false},
	stint.EventGrantReady:        {ClassEntityManagement, 1, "Grant", sevInfo, false},
	stint.EventGrantActivating:   {ClassEntityManagement, 3, "Grant", sevInfo, false},
	stint.EventGrantActive:       {ClassUserAccess, 1, "", sevInfo, false},
	stint.EventGrantExtended:     {ClassEntityManagement, 3, "Grant", sevInfo, false},
	stint.EventGrantRevoking:     {ClassEntityManagement, 3, "Grant", sevInfo, false},
	stint.EventGrantEnded:        {ClassUserAccess, 2, "", sevInfo, false},
	stint.EventGrantFailed:       {ClassEntityManagement, 3, "Grant", sevMedium, true},
	stint.EventGrantRetried:      {ClassEntityManagement, 3, "Grant", sevInfo, false},
	stint.EventEffectCreated:     {ClassEntityManagement, 1, "AWS Access", sevInfo, false},
	stint.EventEffectAdopted:     {ClassEntityManagement, 2, "AWS Access", sevInfo, false},
	stint.EventEffectDeleted:     {ClassEntityManagement, 4, "AWS Access", sevInfo, false},
	stint.EventEffectKept:        {ClassEntityManagement, 3, "AWS Access", sevInfo, false},
	stint.EventReconcileFixed:    {ClassEntityManagement, 3, "AWS Access", sevMedium, false},
	stint.EventTokenCreated:      {ClassEntityManagement, 1, "API Token", sevInfo, false},
	stint.EventDirectorySynced:   {ClassEntityManagement, 2, "Identity Store", sevInfo, false},
	stint.EventConfigLoaded:      {ClassEntityManagement, 3, "Configuration", sevInfo, false},
	stint.EventConfigReloaded:    {ClassEntityManagement, 3, "Configuration", sevInfo, false},
	stint.EventConfigRejected:    {ClassEntityManagement, 3, "Configuration", sevMedium, true},
	stint.EventIdentityApplied:   {ClassEntityManagement, 3, "Identity Center", sevInfo, false},
	stint.EventIdentityDrift:     {ClassEntityManagement, 2, "Identity Center", sevInfo, false},
	stint.EventAuditPruned:       {ClassEntityManagement, 4, "Audit Trail", sevInfo, false},
	stint.EventSignedIn:          {ClassAuthentication, 1, "", sevInfo, false},
	stint.EventSignedOut:         {ClassAuthentication, 2, "", sevInfo, false},
	stint.EventSignInRefused:     {ClassAuthentication, 1, "", sevMedium, true},
	stint.EventLocalSignIn:       {ClassAuthentication, 1, "", sevHigh, false},
	stint.EventLocalSignInFailed: {ClassAuthentication, 1, "", sevMedium, true},
	stint.EventLocalLockedOut:    {ClassAccountChange, 9, "", sevHigh, false},
}

// OCSF maps a stint event to an OCSF event (see docs/audit.md):
// a grant's access starting and ending to User Access Management (Assign
// and Revoke Privileges, with the grant's user, privilege and resource),
// portal sign-ins to Authentication, the break-glass login's lock-out to
// Account Change, and every other change (requests and their reviews,
// grant states, AWS effects, config, tokens, Identity Center) to Entity
// Management. sub carries the grant the event is about, when known.
func OCSF(e *stint.Event, sub Subject) *OCSFEvent {
	m, ok := ocsfTypes[e.Type]
	if !ok {
		m = mapping{ClassEntityManagement, 99, "Other", sevInfo, false}
	}
	g := sub.Grant
	if m.class == ClassUserAccess && e.Type == stint.EventGrantEnded && g != nil && g.EndReason == stint.EndNotActivated {
		m = mapping{ClassEntityManagement, 3, "Grant", sevInfo, false} // it never gave access: nothing to revoke
	}
	if g != nil && g.BreakGlass && m.class == ClassUserAccess {
		m.severity = sevHigh
	}
	if e.Type == stint.EventIdentityDrift {
		if drift, _ := e.Data["drift"].(bool); drift {
			m.severity = sevMedium
		}
	}
	out := &OCSFEvent{
		ActivityID: m.activity, ActivityName: activityNames[m.class][m.activity],
		CategoryUID: 3, CategoryName: "Identity & Access Management",
		ClassUID: m.class, ClassName: classNames[m.class],
		TypeUID: m.class*100 + m.activity, Time: e.Time.UnixMilli(),
		SeverityID: m.severity, Severity: severityNames[m.severity],
		StatusID: statusSuccess, Status: "Success",
		Message: fmt.Sprintf("%s %s by %s", e.Type, e.Subject, e.Actor),
		Metadata: OCSFMetadata{Version: OCSFVersion, Product: OCSFProduct{Name: "stint", VendorName: "stint"},
			UID: e.ID, EventCode: e.Type, Sequence: e.Seq, LogName: "stint-audit",
			OriginalTime: e.Time.UTC().Format(time.RFC3339Nano)},
		Actor: &OCSFActor{User: ocsfUser(e.Actor, "")},
		Unmapped: map[string]any{"stint": map[string]any{"type": e.Type, "subject": e.Subject, "data": orEmpty(e.Data),
			"seq": e.Seq, "prev_hash": e.PrevHash, "hash": e.Hash}},
	}
	out.TypeName = out.ClassName + ": " + out.ActivityName
	if m.failure {
		out.StatusID, out.Status = statusFailure, "Failure"
	}
	switch e.Type {
	case stint.EventRequestDenied:
		out.StatusDetail = "denied"
	case stint.EventRequestExpired:
		out.StatusDetail = "not reviewed in time"
	case stint.EventBreakGlass:
		out.StatusDetail = "break-glass: access without approval"
	}
	if c, ok := e.Data["comment"].(string); ok {
		out.Comment = c
	} else if r, ok := e.Data["reason"].(string); ok {
		out.Comment = r
	}
	if strings.HasPrefix(e.Type, "request.") {
		out.Metadata.CorrelationUID = e.Subject
	}
	if g != nil {
		out.Metadata.CorrelationUID = g.RequestID
		out.Message = fmt.Sprintf("%s: %s on %s (grant %s) by %s", e.Type, g.UserEmail, g.ResourceID, g.ID, e.Actor)
	}
	switch m.class {
	case ClassUserAccess:
		if g != nil {
			out.User = &OCSFUser{UID: g.UserID, Name: cmpOr(g.UserName, g.UserEmail), EmailAddr: g.UserEmail, TypeID: 1, Type: "User"}
			out.Privileges = []string{g.Label()}
			out.Resources = []OCSFResource{ocsfResource(g)}
		}
	case ClassAuthentication, ClassAccountChange:
		out.User = ocsfUser(e.Subject, "")
		if m.class == ClassAuthentication {
			out.Service = &OCSFService{Name: "stint portal"}
		}
		if e.Type == stint.EventLocalSignIn {
			mfa := true // the break-glass login takes a TOTP code
			out.IsMFA = &mfa
		}
	case ClassEntityManagement:
		out.Entity = &OCSFEntity{UID: e.Subject, Type: m.entity}
		if g != nil {
			out.Entity.Name = g.Label()
			out.Resources = []OCSFResource{ocsfResource(g)}
		}
	}
	return out
}

func ocsfUser(who, uid string) *OCSFUser {
	u := &OCSFUser{UID: uid, Name: who, TypeID: 1, Type: "User"}
	if strings.Contains(who, "@") {
		u.EmailAddr = who
	} else {
		u.TypeID, u.Type = 3, "System" // system, reconciler, cli
	}
	return u
}

func ocsfResource(g *stint.Grant) OCSFResource {
	data := map[string]string{"account_id": g.AccountID}
	if g.AccountName != "" {
		data["account_name"] = g.AccountName
	}
	if g.PermissionSet != "" {
		data["permission_set"] = g.PermissionSet
	}
	if g.ResourceARN != "" {
		data["arn"] = g.ResourceARN
	}
	return OCSFResource{UID: g.ResourceID, Name: g.Label(), Type: string(g.Type.Or()), Data: data}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Subjects finds the grants events are about, for OCSF, with a small
// cache: a grant's events come close together.
type Subjects struct {
	Reader stint.Reader
	mu     sync.Mutex
	cache  map[string]*stint.Grant
}

// subjectsCache bounds the cache of Subjects.
const subjectsCache = 1000

// Of returns what is known about the event's subject: its grant, for the
// events about grants (grant.*, effect.*, reconcile.* name a grant or an
// effect), when the store still has it.
func (s *Subjects) Of(ctx context.Context, e *stint.Event) Subject {
	if s == nil || s.Reader == nil || !(strings.HasPrefix(e.Type, "grant.") || strings.HasPrefix(e.Type, "effect.")) {
		return Subject{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.cache[e.Subject]; ok {
		return Subject{Grant: g}
	}
	g, err := s.Reader.GrantGet(ctx, e.Subject)
	if err != nil {
		g = nil // gone, or the store failed: map the event without it
	}
	if s.cache == nil || len(s.cache) >= subjectsCache {
		s.cache = map[string]*stint.Grant{}
	}
	s.cache[e.Subject] = g
	return Subject{Grant: g}
}
