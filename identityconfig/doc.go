// Package identityconfig is Identity Center as code: it reads a file that
// describes users, groups, permission sets and assignments, binds it to the
// organisation, reads the live state and plans the changes.
//
//	users:                      # optional: only when Identity Center's own
//	  - user_name: alice        # directory is the identity source
//	    given_name: Alice
//	    family_name: Anders
//	    email: alice@example.com
//	groups:
//	  - name: Engineers
//	    description: Everyone who builds
//	    members: [alice]        # leave out to not manage memberships
//	permission_sets:
//	  - name: Deploy
//	    description: Deploy services
//	    session_duration: 4h    # or PT4H; PT15M..PT12H; default PT1H
//	    relay_state: https://console.aws.amazon.com/ecs/
//	    managed_policies: [ReadOnlyAccess, arn:aws:iam::aws:policy/job-function/ViewOnlyAccess]
//	    customer_managed_policies: [{name: DeployPolicy, path: /team/}]
//	    inline_policy:          # a YAML mapping or a JSON string
//	      Version: "2012-10-17"
//	      Statement: [{Effect: Allow, Action: "ecs:UpdateService", Resource: "*"}]
//	    permissions_boundary: {managed_policy: PowerUserAccess}
//	    tags: {owner: platform}
//	  - name: LegacyAdmin
//	    external: true          # exists, managed elsewhere; may be assigned
//	assignments:
//	  - principal: group:Engineers
//	    permission_set: Deploy
//	    accounts: [ou:Prod, name:shared-tooling, "111111111111", tag:env=dev, all]
//	    except: [ou:Prod/Payments]
//
// The pipeline is Parse (or Load for a file or a folder of *.yaml files,
// merged), Resolve against a stint.Directory, Reader.Read for the live
// state, Diff, then RenderText, RenderJSON and ExitCode.
//
// Parse decodes strictly and reports every problem at once, each at
// FILE:LINE:COL, in an *Error with code stint.EINVALID: unknown keys, wrong
// types, malformed policy ARNs, duplicate names, inline policies that are
// not JSON, session durations outside PT15M..PT12H and assignments that
// name an undeclared permission set. Resolve adds the problems that need
// the organisation: unknown principals and selectors that match no
// account, with hints.
//
// Reader lists assignments per account (provisioned permission sets, then
// their assignments) or per principal, whichever Estimate finds cheaper,
// and counts the calls it makes. Every call goes through the shared
// identitycenter.Limiter. Tags and permissions boundaries that the endpoint
// cannot answer (stock moto lacks them) are reported as unknown and not
// compared. For each permission set it also lists the accounts that still
// run an older version (LATEST_PERMISSION_SET_NOT_PROVISIONED, as after an
// apply interrupted before provisioning); Diff plans an update with a
// provisioning change for those accounts, and Apply provisions exactly them.
//
// Diff owns assignments by (principal, permission set) pair: a pair the
// file declares is declared in full, so its assignments in other accounts
// are deleted. What earlier applies created (Ownership, from the store's
// stint.Managed records that Apply keeps through its Recorder) is deleted
// once the file stops declaring it; everything else is left alone and
// counted, unless Prune is set. An owned permission set that assignments
// stint did not make still use is kept, with a note. Assignments that
// active grants hold are never deleted.
//
// Apply carries out a plan (apply*.go), Export writes the live set-up as a
// file that plans clean (export.go); `stint plan`, `stint apply` and `stint
// export` are in package cli, wired by package app.
package identityconfig
