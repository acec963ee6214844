package stint

import (
	"context"
	"time"
)

// Store keeps stint's state. Reads run outside transactions; every change runs
// in Tx so that state changes, events and the jobs they need commit together.
// Updates are compare-and-swap on Version: they return ECONFLICT when the row
// changed since it was read, and bump Version on success.
type Store interface {
	Reader
	// Tx runs fn in one transaction, committed when fn returns nil.
	Tx(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks the store is reachable (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Reader is the read side of the store; it is usable inside and outside a Tx.
type Reader interface {
	RequestGet(ctx context.Context, id string) (*Request, error)
	RequestList(ctx context.Context, p *RequestListParams) ([]*Request, error)
	GrantGet(ctx context.Context, id string) (*Grant, error)
	GrantList(ctx context.Context, p *GrantListParams) ([]*Grant, error)
	// GrantListDue lists grants whose next timed step is due before p.Before:
	// scheduled grants by StartsAt; ready grants by EndsAt (the end of their
	// activation window); activating, active and failed grants by EndsAt.
	// Ordered by that time, earliest first.
	GrantListDue(ctx context.Context, p *GrantListDueParams) ([]*Grant, error)
	EffectGet(ctx context.Context, key string) (*Effect, error)
	EffectList(ctx context.Context, p *EffectListParams) ([]*Effect, error)
	EventList(ctx context.Context, p *EventListParams) ([]*Event, error)
	// ScanGet returns a discovery scan with its findings and inventory;
	// "latest" names the newest. ENOTFOUND when there is none.
	ScanGet(ctx context.Context, id string) (*Scan, error)
	// ScanList lists scans, newest first, without findings or inventory.
	ScanList(ctx context.Context, p *ScanListParams) ([]*Scan, error)
	// FindingList lists a scan's findings, highest score first.
	FindingList(ctx context.Context, p *FindingListParams) ([]*Finding, error)
	// CampaignGet returns an access review campaign, or ENOTFOUND.
	CampaignGet(ctx context.Context, id string) (*Campaign, error)
	// CampaignList lists campaigns, newest first.
	CampaignList(ctx context.Context, p *CampaignListParams) ([]*Campaign, error)
	// ReviewItemGet returns a campaign's item, or ENOTFOUND.
	ReviewItemGet(ctx context.Context, id string) (*ReviewItem, error)
	// ReviewItemList lists items in creation order.
	ReviewItemList(ctx context.Context, p *ReviewItemListParams) ([]*ReviewItem, error)
	TokenGetByHash(ctx context.Context, hash string) (*Token, error)
	// DirectoryGet returns the latest directory snapshot, or ENOTFOUND
	// before the first sync.
	DirectoryGet(ctx context.Context) (*Directory, error)
	// ManagedList lists what `stint apply` created and has not deleted.
	ManagedList(ctx context.Context, p *ManagedListParams) ([]*Managed, error)
	// PostedMessageList lists the chat messages posted about requests.
	PostedMessageList(ctx context.Context, p *PostedMessageListParams) ([]*PostedMessage, error)
	// ChainHead returns the newest link of the audit chain.
	ChainHead(ctx context.Context) (ChainHead, error)
	// EventChain calls fn with every event of the chain from seq from on,
	// in chain order, with its data as the store keeps it (the hash covers
	// its CanonicalRaw form, which a store that reformats JSON returns
	// differently), then with any event outside the chain (Seq 0). It
	// stops at fn's first error and returns it.
	EventChain(ctx context.Context, from int64, fn func(e *Event, data []byte) error) error
	// CheckpointList lists the signed checkpoints, oldest first.
	CheckpointList(ctx context.Context) ([]*Checkpoint, error)
	// SessionGet returns the portal session with the hash, or ENOTFOUND.
	SessionGet(ctx context.Context, hash string) (*Session, error)
	// AnchorList lists the retention anchors, oldest first.
	AnchorList(ctx context.Context) ([]*Anchor, error)
	// ForwardCursorList lists the forwarding cursors by name.
	ForwardCursorList(ctx context.Context) ([]*ForwardCursor, error)
	// ExternalGet returns the external user with the ID, or ENOTFOUND.
	ExternalGet(ctx context.Context, id string) (*External, error)
	// ExternalGetByEmail returns the external user with the email (any
	// case), or ENOTFOUND.
	ExternalGetByEmail(ctx context.Context, email string) (*External, error)
	// ExternalGetByInvite returns the external user whose invite token has
	// the hash, or ENOTFOUND.
	ExternalGetByInvite(ctx context.Context, hash string) (*External, error)
	// ExternalList lists external users by email.
	ExternalList(ctx context.Context, p *ExternalListParams) ([]*External, error)
}

// Tx is a store transaction.
type Tx interface {
	Reader
	RequestCreate(ctx context.Context, r *Request) error
	RequestUpdate(ctx context.Context, r *Request) error
	GrantCreate(ctx context.Context, g *Grant) error
	GrantUpdate(ctx context.Context, g *Grant) error
	// ScanCreate stores a scan with its findings and inventory; ECONFLICT
	// when its ID is taken.
	ScanCreate(ctx context.Context, s *Scan) error
	// CampaignCreate stores a campaign (Version 1); ECONFLICT when its ID
	// is taken. CampaignUpdate is compare-and-swap.
	CampaignCreate(ctx context.Context, c *Campaign) error
	CampaignUpdate(ctx context.Context, c *Campaign) error
	// ReviewItemCreate stores items (Version 1); ECONFLICT when an ID is
	// taken. ReviewItemUpdate is compare-and-swap.
	ReviewItemCreate(ctx context.Context, items ...*ReviewItem) error
	ReviewItemUpdate(ctx context.Context, it *ReviewItem) error
	// EffectPut creates the effect when Version is 0, else updates it (CAS).
	EffectPut(ctx context.Context, e *Effect) error
	// EffectDelete removes the effect if its version still matches (CAS).
	EffectDelete(ctx context.Context, key string, version int64) error
	// EventAppend stores the event; when the transaction commits it takes
	// the next places of the audit chain, in the order appended, and its
	// Seq, PrevHash and Hash are set.
	EventAppend(ctx context.Context, e *Event) error
	// CheckpointPut records a signed checkpoint of the chain.
	CheckpointPut(ctx context.Context, c *Checkpoint) error
	TokenCreate(ctx context.Context, t *Token) error
	DirectoryPut(ctx context.Context, d *Directory) error
	// ManagedPut records that apply created m; recording it again keeps
	// the first CreatedAt and takes the new Name.
	ManagedPut(ctx context.Context, m *Managed) error
	// ManagedDelete forgets the record, if there is one.
	ManagedDelete(ctx context.Context, kind, key string) error
	// PostedMessagePut records a posted message; recording one again for
	// the same service, request and channel takes the new MessageID.
	PostedMessagePut(ctx context.Context, m *PostedMessage) error
	// SessionPut creates the session, or replaces the one with its hash.
	SessionPut(ctx context.Context, s *Session) error
	// SessionDelete removes the session, if there is one.
	SessionDelete(ctx context.Context, hash string) error
	// SessionDeleteExpired removes the sessions whose absolute end or
	// idle limit (seen before idleBefore) has passed, and says how many.
	SessionDeleteExpired(ctx context.Context, now, idleBefore time.Time) (int, error)
	// ExternalCreate stores a new external user with Version 1. It
	// returns ECONFLICT when the ID or the email is taken.
	ExternalCreate(ctx context.Context, x *External) error
	// ExternalUpdate writes the external if its version still matches
	// (CAS), then bumps Version.
	ExternalUpdate(ctx context.Context, x *External) error
	// Enqueue inserts durable jobs that commit with the transaction.
	Enqueue(ctx context.Context, jobs ...Job) error
	// EventPrune deletes the chain's events up to a.Seq and records the
	// anchor a in their place, and says how many it deleted (a.Pruned is
	// set). It returns ECONFLICT when the event at a.Seq is not there with
	// a.Hash (the chain moved or was changed), so an anchor never vouches
	// for a place it was not signed for.
	EventPrune(ctx context.Context, a *Anchor) (int64, error)
	// ForwardCursorPut creates the cursor when Version is 0, else updates
	// it if the stored Version still matches (ECONFLICT when it changed).
	ForwardCursorPut(ctx context.Context, c *ForwardCursor) error
}

// RequestListParams filters RequestList. Results are newest first.
type RequestListParams struct {
	RequesterID string         // "" means everyone
	States      []RequestState // empty means all
	Limit       int            // default 100, at most 1000
}

// GrantListParams filters GrantList. Results are newest first.
type GrantListParams struct {
	UserID    string       // "" means everyone
	RequestID string       // "" means any
	States    []GrantState // empty means all
	// UserEmail, when set, keeps the grants of that email (any case).
	UserEmail string
	// Resource, when set, keeps grants whose resource ID or account name
	// contains it (any case).
	Resource string
	// ResourceID, AccountID and Flow, when set, keep the grants of that
	// exact resource, account and flow (indexed).
	ResourceID string
	AccountID  string
	Flow       string
	// From and Until, when set, keep the grants whose access may overlap
	// [From, Until): grants that started before Until (activating, active,
	// revoking, failed or ended; not ready, scheduled or never activated)
	// and, when ended, ended after From and after they started. Callers
	// work out the exact interval (see AccessInterval).
	From, Until time.Time
	Offset      int // rows to skip, for pages
	Limit       int // default 100, at most 10000
}

// GrantListDueParams filters GrantListDue.
type GrantListDueParams struct {
	Before time.Time
	Max    int // default 1000
}

// EffectListParams filters EffectList.
type EffectListParams struct {
	Kind  string // "" means all
	Limit int    // 0 (the default) means every effect: callers that protect effects must see them all
}

// EventListParams filters EventList. Results are oldest first.
type EventListParams struct {
	Since   time.Time // zero means from the beginning
	Subject string    // "" means all
	// Type is "" for all, a type ("identity.drift") or a prefix ending in
	// "*" ("grant.*").
	Type  string
	Limit int // default 1000; the newest Limit events are returned
	// Until, when set, keeps events before it (exclusive).
	Until time.Time
	// Actor, when set, keeps the events of that actor (any case).
	Actor string
	// Text, when set, keeps events whose subject is Text or whose data
	// contains it (a resource ID, an account name, an email).
	Text string
	// BeforeID pages backwards: only events older than that event
	// (by time, then ID) are considered, the newest Limit of them returned.
	BeforeID string
	// AfterID pages forwards (exports): only events newer than that event
	// are considered, and the OLDEST Limit of them are returned.
	AfterID string
	// Oldest returns the oldest Limit events rather than the newest (the
	// first page of a forward paging; AfterID implies it).
	Oldest bool
	// Resource, Account and Flow, when set, keep the events about the
	// requests and grants of that exact resource ID, account ID and flow
	// (their subject is such a request or grant).
	Resource string
	Account  string
	Flow     string
	// ChainOrder lists the events of the chain in chain order: the first
	// Limit whose seq is greater than AfterSeq (forwarding reads the chain
	// with it). Events outside the chain are left out; the time paging
	// fields (BeforeID, AfterID, Oldest) are ignored.
	ChainOrder bool
	AfterSeq   int64
}

// Job is a durable unit of background work, inserted with Tx.Enqueue.
type Job struct {
	Args  JobArgs
	RunAt time.Time // zero means now
}

// JobArgs is a job's payload; Kind names the worker. It matches River's
// JobArgs interface.
type JobArgs interface{ Kind() string }

// ActivateGrantArgs asks for a grant to be activated (or re-tried).
type ActivateGrantArgs struct {
	GrantID string `json:"grant_id"`
}

// Kind implements JobArgs.
func (ActivateGrantArgs) Kind() string { return "activate_grant" }

// ExpireGrantArgs asks for a grant to be expired at its end.
type ExpireGrantArgs struct {
	GrantID string `json:"grant_id"`
}

// Kind implements JobArgs.
func (ExpireGrantArgs) Kind() string { return "expire_grant" }

// RevokeGrantArgs asks for a revoking grant's access to be removed.
type RevokeGrantArgs struct {
	GrantID string `json:"grant_id"`
}

// Kind implements JobArgs.
func (RevokeGrantArgs) Kind() string { return "revoke_grant" }

// ExternalCutoffArgs asks for the credentials issued for an external's
// grant before Before to be cut off (see SessionCutter), until Until.
type ExternalCutoffArgs struct {
	GrantID string    `json:"grant_id"`
	Before  time.Time `json:"before"`
	Until   time.Time `json:"until"`
}

// Kind implements JobArgs.
func (ExternalCutoffArgs) Kind() string { return "external_cutoff" }

// ExpireRequestArgs asks for a pending request to time out.
type ExpireRequestArgs struct {
	RequestID string `json:"request_id"`
}

// Kind implements JobArgs.
func (ExpireRequestArgs) Kind() string { return "expire_request" }

// ReconcileArgs asks for a reconciliation pass.
type ReconcileArgs struct{}

// Kind implements JobArgs.
func (ReconcileArgs) Kind() string { return "reconcile" }

// SyncDirectoryArgs asks for the directory to be refreshed from AWS.
type SyncDirectoryArgs struct{}

// Kind implements JobArgs.
func (SyncDirectoryArgs) Kind() string { return "sync_directory" }

// IdentityDriftArgs asks for a scheduled plan of the identity file.
type IdentityDriftArgs struct{}

// Kind implements JobArgs.
func (IdentityDriftArgs) Kind() string { return "identity_drift" }

// RefreshEffectArgs asks for an extended grant's timed effect to be told
// its new end.
type RefreshEffectArgs struct {
	GrantID string `json:"grant_id"`
}

// Kind implements JobArgs.
func (RefreshEffectArgs) Kind() string { return "refresh_effect" }

// TaskArgs asks for a run of a named periodic maintenance task.
type TaskArgs struct {
	Name string `json:"name"`
}

// Kind implements JobArgs.
func (TaskArgs) Kind() string { return "task" }
