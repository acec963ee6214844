// Package policy compiles access flows to Cedar policies and decides with
// them: who may request what (DecideRequest, Explain, Eligible, WhoCan,
// DecideBundle) and who may approve, activate or extend (Authorize).
//
// # Cedar model
//
// Entities (built from the domain values and cached, bounded, by the
// content of the user or account, never by pointer or ID, so a changed
// directory entry misses; each lists all its ancestors as parents so `in`
// is one lookup; IDs of users,
// groups, permission sets are case-folded, as the root package compares
// them; OU paths are lower-cased):
//
//	User::"alice@example.com"   attrs {email, id, attributes: {KEY: VALUE}}
//	                            parents: every group of the user, expanded
//	                            through Config.Groups transitively
//	Group::"engineers"          parents: the config groups listing it
//	OU::"prod/payments"         parent: OU::"prod"
//	Account::"111111111111"     attrs {id, name, name_key, ou_path, tags: {KEY: VALUE}}
//	                            parent: the OU of its path (OU::"" at the root)
//	PermissionSet::"readonly"
//	Resource::"aws-sso:111111111111/ReadOnly"
//	                            attrs {account, permission_set}
//	                            parents: its Account and PermissionSet
//	Request::"ID"               attrs {id, flow, requester, reason, ticket} (approve)
//
// Actions: Action::"request", "breakglass", "approve", "activate",
// "extend". Every decision supplies the whole context, with zero values
// where an action does not use an attribute:
//
//	duration (duration)     asked for (request, breakglass), the grant's (activate, extend)
//	now (datetime)
//	requester (User), requester_id          the request's requester (approve)
//	approvers (Set of User/Group), step     the current step (approve)
//	owner (User), owner_id                  the grant's user (activate, extend)
//	extensions (Long), extension (duration), length (duration)
//	                                        extensions so far, asked for, new grant length (extend)
//	permission_sets (Set of String), break_glass (Boolean)
//
// Each flow compiles to one policy set per action (see Engine.Policies): a
// permit scoped to the action, and one forbid per rule, so a deny names the
// rule that failed:
//
//	request, breakglass: resource selectors (account ID, name:, ou: nested,
//	  tag:K=V, all) x permission sets; requesters; exclude; requester
//	  attributes; duration > 0 and <= max_duration (break-glass: in a
//	  break_glass group when groups are set, and <= its max_duration)
//	approve: principal in context.approvers; principal is not the requester
//	activate, extend: principal is the grant's owner; extend also the
//	  extension limit, extensions.max_each and max_duration overall
//
// A flow's raw `cedar:` block is added to every action's set of that flow.
// It may hold forbid policies only (a permit is rejected with EINVALID:
// the YAML says what a flow grants). Scope its policies by action, e.g.
//
//	@reason("contractors may not use break-glass")
//	forbid (principal, action == Action::"breakglass", resource)
//	when { principal.attributes has "user_type" && principal.attributes["user_type"] == "contractor" };
//
// The @reason annotation becomes the explanation of the deny.
//
// Any evaluation error denies: cedar-go skips a forbid policy whose
// condition errors and could still allow, so the engine allows only when
// Cedar allows with no error at all.
//
// # Indexes
//
// Flows are indexed by permission set and by requester (user and group
// keys); a decision evaluates only the small policy sets of candidate flows
// (one set per flow, never one global set). Auto-approve rules (time
// windows, requester groups, on-call) are evaluated in Go after Cedar has
// allowed a flow.
package policy
