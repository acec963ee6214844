"""moto_server with the sso-admin and identitystore operations moto 5.2.1
lacks: a test rig only.

Run as `python ssoadmin_ext.py -H HOST -p PORT` with the interpreter that has
moto 5.2.1 installed; it takes the same arguments as `moto_server` and starts
the same server after patching moto's sso-admin and identitystore classes in
memory. Product code never depends on these patches: they only make moto
answer like AWS so that stint and Terraform can be tested and benchmarked
against it (motoserver.Options.SSOAdminExtensions starts this script).

Gaps filled, and the AWS behaviour imitated:

1. TagResource, UntagResource, ListTagsForResource (moto: HTTP 500 HTML page).
   Resources are permission sets (sharing the tags given to CreatePermissionSet)
   and instances. A tag on an existing key replaces its value; untagging a
   missing key is not an error; an unknown ARN gives ResourceNotFoundException;
   more than 50 tags on a resource gives ValidationException. ListTagsForResource
   returns every tag in one page (no NextToken).
2. DescribePermissionSetProvisioningStatus (moto: 500). ProvisionPermissionSet
   now records the status it returns (always SUCCEEDED: provisioning in moto is
   synchronous) under its RequestId, and this operation answers it; an unknown
   request ID gives ResourceNotFoundException. The status names the AccountId
   only for TargetType AWS_ACCOUNT. What provisioning does is in 7.
3. CreatePermissionSet without SessionDuration (moto: the number 3600, which the
   Go SDK rejects: "expected string"). AWS answers the default "PT1H".
   UpdatePermissionSet without SessionDuration keeps the current value, as AWS
   does (moto reset it to 3600).
4. CreateAccountAssignment twice with the same instance, target, permission set
   and principal (moto: stores a duplicate). AWS keeps one assignment; here the
   second create returns the existing assignment's status (same RequestId,
   SUCCEEDED), so ListAccountAssignments, ListAccountAssignmentsForPrincipal and
   DeleteAccountAssignment see exactly one. DeleteAccountAssignment answers a
   fresh RequestId for the deletion (moto reused the creation's), which
   DescribeAccountAssignmentDeletionStatus then answers. The check is a
   dictionary lookup, not a scan of every assignment (moto's _find_account):
   with a scan each create cost O(assignments) and seeding 30,000 assignments
   slowed from ~210 to ~37 creates/s (8 minutes in all); indexed, moto keeps
   ~150 creates/s (3.5 minutes) on 2 cores.
5. identitystore UpdateUser and UpdateGroup (moto: 500, not implemented). Each
   operation names an AttributePath in AWS's camel case, exactly: for users
   userName, displayName, nickName, profileUrl, userType, title,
   preferredLanguage, locale, timezone, name.formatted, name.familyName,
   name.givenName, name.middleName, name.honorificPrefix,
   name.honorificSuffix, and the lists emails, phoneNumbers and addresses,
   which AWS replaces whole (no emails.value) and whose items use SCIM's
   lower-case keys ({"value", "type", "primary"}); for groups displayName and
   description. Another path, or another spelling ("UserName"), gives
   ValidationException "Updates for AttributePath: UserName is not supported",
   as AWS answers. A null (or absent) AttributeValue removes the attribute,
   except userName, displayName, name.givenName and name.familyName, which
   moto's CreateUser also requires (ValidationException); an empty string is
   a ValidationException (AWS wants null to unset). A user name or group
   display name another user or group has gives ConflictException, as moto's
   creates do; an unknown user or group gives ResourceNotFoundException. The
   operations apply together or not at all. Not checked: how many emails,
   phone numbers and addresses AWS accepts, and the values' formats.
6. PutPermissionsBoundaryToPermissionSet, GetPermissionsBoundaryForPermissionSet
   and DeletePermissionsBoundaryFromPermissionSet (moto: 500). A permission set
   has at most one boundary, an AWS managed policy (checked as moto checks
   AttachManagedPolicyToPermissionSet: ResourceNotFoundException when AWS has
   no such policy) or a customer managed policy reference (Path defaults to
   "/"); exactly one of the two must be given (ValidationException). Put
   replaces the boundary. Get and Delete answer ResourceNotFoundException when
   the permission set has no boundary, as AWS does; the message wording is
   ours.
7. Provisioning per (permission set, account) (moto: a permission set is
   "provisioned" to the whole instance by any ProvisionPermissionSet call,
   ListPermissionSetsProvisionedToAccount ignores AccountId and lists it for
   every account, ListAccountsForProvisionedPermissionSet answers only the
   caller's account, and neither honours ProvisioningStatus, MaxResults or
   NextToken). As on AWS: creating an account assignment provisions the
   permission set's current version to that account; every change to a
   permission set (UpdatePermissionSet, attaching or detaching a managed or
   customer managed policy, putting or deleting the inline policy or the
   permissions boundary; not tags) leaves each account it is provisioned to
   at LATEST_PERMISSION_SET_NOT_PROVISIONED until ProvisionPermissionSet runs
   for that account (TargetType AWS_ACCOUNT with TargetId, a
   ValidationException without one) or for ALL_PROVISIONED_ACCOUNTS (every
   account it is provisioned to; none is no error). Both listings take the
   ProvisioningStatus filter (LATEST_PERMISSION_SET_PROVISIONED or
   LATEST_PERMISSION_SET_NOT_PROVISIONED; another value is a
   ValidationException) and pages (MaxResults 1..100, default 100, and
   NextToken). ListAccountsForProvisionedPermissionSet of an unknown
   permission set gives ResourceNotFoundException; deleting a permission set
   forgets its provisioning. Not modelled: whether AWS deprovisions a
   permission set from an account when its last assignment there goes
   (here it stays provisioned), and the ConflictException AWS may answer
   while a provisioning is in progress (moto's are instant).

State lives in moto's per-account, per-region sso-admin and identitystore
backends, so `POST /moto-api/reset` clears it like the rest.
"""

import inspect
import json
import sys
from uuid import uuid4

import moto
from moto.core.exceptions import JsonRESTError
from moto.core.utils import unix_time
from moto.identitystore import models as id_models
from moto.identitystore import responses as id_responses
from moto.identitystore.exceptions import ConflictException as IDConflictException
from moto.identitystore.exceptions import (
    ResourceNotFoundException as IDResourceNotFoundException,
)
from moto.identitystore.exceptions import ValidationException as IDValidationException
from moto.ssoadmin import models, responses
from moto.ssoadmin.exceptions import ResourceNotFoundException

if moto.__version__ != "5.2.1":
    # The patches follow moto 5.2.1's classes; warn rather than fail.
    print(
        f"ssoadmin_ext: written for moto 5.2.1, running on {moto.__version__}",
        file=sys.stderr,
    )

MAX_TAGS_PER_RESOURCE = 50
DEFAULT_SESSION_DURATION = "PT1H"
PROVISIONED = "LATEST_PERMISSION_SET_PROVISIONED"
NOT_PROVISIONED = "LATEST_PERMISSION_SET_NOT_PROVISIONED"
MAX_PAGE = 100

Backend = models.SSOAdminBackend
Response = responses.SSOAdminResponse


class ValidationException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(error_type="ValidationException", message=message)


# --- state added to every backend (also after a reset, which re-runs __init__)

_stock_init = Backend.__init__


def _init(self, region_name, account_id):
    _stock_init(self, region_name, account_id)
    self.provisioning_statuses = {}  # request ID -> PermissionSetProvisioningStatus
    # permission set ARN -> {account ID: whether its latest version is there}
    self.provisioning = {}
    self.assignment_index = {}  # _assignment_key -> AccountAssignment
    for instance in self.instances:
        instance.tags = []


Backend.__init__ = _init


# --- 1. tagging


def _tag_list(backend, instance_arn, resource_arn):
    """The tag list (of {"Key", "Value"}) of a permission set or instance."""
    for ps in backend.permission_sets:
        if ps.permission_set_arn == resource_arn and ps.instance_arn == instance_arn:
            if ps.tags is None:
                ps.tags = []
            return ps.tags
    for instance in backend.instances:
        if instance.instance_arn == resource_arn:
            return instance.tags
    raise ResourceNotFoundException(f"Could not find resource {resource_arn}")


def _tag_resource(self):
    backend = self.ssoadmin_backend
    tags = _tag_list(
        backend, self._get_param("InstanceArn"), self._get_param("ResourceArn")
    )
    merged = {t["Key"]: t.get("Value", "") for t in tags}
    for t in self._get_param("Tags") or []:
        merged[t["Key"]] = t.get("Value", "")
    if len(merged) > MAX_TAGS_PER_RESOURCE:
        raise ValidationException(
            f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags"
        )
    tags[:] = [{"Key": k, "Value": v} for k, v in merged.items()]
    return "{}"


def _untag_resource(self):
    tags = _tag_list(
        self.ssoadmin_backend,
        self._get_param("InstanceArn"),
        self._get_param("ResourceArn"),
    )
    keys = set(self._get_param("TagKeys") or [])
    tags[:] = [t for t in tags if t["Key"] not in keys]
    return "{}"


def _list_tags_for_resource(self):
    tags = _tag_list(
        self.ssoadmin_backend,
        self._get_param("InstanceArn"),
        self._get_param("ResourceArn"),
    )
    return json.dumps({"Tags": list(tags)})


Response.tag_resource = _tag_resource
Response.untag_resource = _untag_resource
Response.list_tags_for_resource = _list_tags_for_resource


# --- 2. provisioning status (and 7: what provisioning does)


def _provision_response(self):
    backend = self.ssoadmin_backend
    instance_arn = self._get_param("InstanceArn")
    ps_arn = self._get_param("PermissionSetArn")
    backend._find_permission_set(instance_arn, ps_arn)
    target_type = self._get_param("TargetType")
    target_id = self._get_param("TargetId")
    accounts = _provisioned_to(backend, ps_arn)
    if target_type == "AWS_ACCOUNT":
        if not target_id:
            raise ValidationException("TargetId is required when TargetType is AWS_ACCOUNT")
        accounts[target_id] = True
    elif target_type == "ALL_PROVISIONED_ACCOUNTS":
        for account in accounts:
            accounts[account] = True
    else:
        raise ValidationException(
            f"Value '{target_type}' at 'targetType' failed to satisfy constraint: "
            "Member must satisfy enum value set: [ALL_PROVISIONED_ACCOUNTS, AWS_ACCOUNT]"
        )
    status = {
        "CreatedDate": unix_time(),
        "PermissionSetArn": ps_arn,
        "RequestId": str(uuid4()),
        "Status": "SUCCEEDED",
    }
    if target_type == "AWS_ACCOUNT":
        status["AccountId"] = target_id
    backend.provisioning_statuses[status["RequestId"]] = status
    return json.dumps({"PermissionSetProvisioningStatus": status})


def _describe_provisioning_status(self):
    request_id = self._get_param("ProvisionPermissionSetRequestId")
    status = self.ssoadmin_backend.provisioning_statuses.get(request_id)
    if status is None:
        raise ResourceNotFoundException(
            f"Could not find provisioning request {request_id}"
        )
    return json.dumps({"PermissionSetProvisioningStatus": status})


Response.provision_permission_set = _provision_response
Response.describe_permission_set_provisioning_status = _describe_provisioning_status


# --- 3. SessionDuration defaults


def _create_permission_set(self):
    summary = self.ssoadmin_backend.create_permission_set(
        name=self._get_param("Name"),
        description=self._get_param("Description"),
        instance_arn=self._get_param("InstanceArn"),
        session_duration=self._get_param("SessionDuration", DEFAULT_SESSION_DURATION),
        relay_state=self._get_param("RelayState"),
        tags=self._get_param("Tags") or [],
    )
    return json.dumps({"PermissionSet": summary})


def _update_permission_set(self):
    instance_arn = self._get_param("InstanceArn")
    permission_set_arn = self._get_param("PermissionSetArn")
    current = self.ssoadmin_backend._find_permission_set(
        instance_arn, permission_set_arn
    )
    self.ssoadmin_backend.update_permission_set(
        instance_arn=instance_arn,
        permission_set_arn=permission_set_arn,
        description=self._get_param("Description", current.description),
        session_duration=self._get_param("SessionDuration", current.session_duration),
        relay_state=self._get_param("RelayState", current.relay_state),
    )
    return "{}"


Response.create_permission_set = _create_permission_set
Response.update_permission_set = _update_permission_set


# --- 4. one assignment per (instance, target, permission set, principal)


def _assignment_key(instance_arn, target_id, target_type, permission_set_arn,
                    principal_type, principal_id):
    return (instance_arn, target_id, target_type, permission_set_arn,
            principal_type, principal_id)


def _create_account_assignment(self, instance_arn, target_id, target_type,
                               permission_set_arn, principal_type, principal_id):
    key = _assignment_key(instance_arn, target_id, target_type,
                          permission_set_arn, principal_type, principal_id)
    existing = self.assignment_index.get(key)
    if existing is not None:
        return existing.to_json(include_creation_date=True, include_request_id=True)
    assignment = models.AccountAssignment(instance_arn, target_id, target_type,
                                          permission_set_arn, principal_type, principal_id)
    self.account_assignments.append(assignment)
    if target_type == "AWS_ACCOUNT":
        # AWS provisions the permission set's current version to the account
        # as part of the assignment (7).
        _provisioned_to(self, permission_set_arn)[target_id] = True
    self.assignment_index[key] = assignment
    return assignment.to_json(include_creation_date=True, include_request_id=True)


def _delete_account_assignment(self, instance_arn, target_id, target_type,
                               permission_set_arn, principal_type, principal_id):
    key = _assignment_key(instance_arn, target_id, target_type,
                          permission_set_arn, principal_type, principal_id)
    assignment = self.assignment_index.pop(key, None)
    if assignment is None:
        raise ResourceNotFoundException
    self.account_assignments.remove(assignment)
    assignment.request_id = str(uuid4())  # the deletion's own request ID
    self.deleted_account_assignments.append(assignment)
    return assignment.to_json(include_creation_date=True, include_request_id=True)


Backend.create_account_assignment = _create_account_assignment
Backend.delete_account_assignment = _delete_account_assignment


# --- 5. identitystore UpdateUser and UpdateGroup

IDBackend = id_models.IdentityStoreBackend
IDResponse = id_responses.IdentityStoreResponse

# AttributePath -> the moto User field it sets.
USER_STRINGS = {
    "userName": "UserName",
    "displayName": "DisplayName",
    "nickName": "NickName",
    "profileUrl": "ProfileUrl",
    "userType": "UserType",
    "title": "Title",
    "preferredLanguage": "PreferredLanguage",
    "locale": "Locale",
    "timezone": "Timezone",
}
# name.X -> the moto Name field.
USER_NAME_PARTS = {
    "name.formatted": "Formatted",
    "name.familyName": "FamilyName",
    "name.givenName": "GivenName",
    "name.middleName": "MiddleName",
    "name.honorificPrefix": "HonorificPrefix",
    "name.honorificSuffix": "HonorificSuffix",
}
_CONTACT_KEYS = {"value": "Value", "type": "Type", "primary": "Primary"}
# list AttributePath -> (moto User field, item key -> stored key)
USER_LISTS = {
    "emails": ("Emails", _CONTACT_KEYS),
    "phoneNumbers": ("PhoneNumbers", _CONTACT_KEYS),
    "addresses": ("Addresses", {
        "streetAddress": "StreetAddress", "locality": "Locality", "region": "Region",
        "postalCode": "PostalCode", "country": "Country", "formatted": "Formatted",
        "type": "Type", "primary": "Primary",
    }),
}
USER_REQUIRED = {"userName", "displayName", "name.givenName", "name.familyName"}
GROUP_STRINGS = {"displayName": "DisplayName", "description": "Description"}
GROUP_REQUIRED = {"displayName"}


def _operations(ops, known, required):
    """Checks an Operations list and yields (path, value), value None to
    remove, raising ValidationException as AWS does."""
    if not isinstance(ops, list) or not 1 <= len(ops) <= MAX_PAGE:
        raise IDValidationException(
            message=f"Operations must hold 1 to {MAX_PAGE} attribute operations"
        )
    for op in ops:
        path = op.get("AttributePath") if isinstance(op, dict) else None
        if not isinstance(path, str) or path not in known:
            raise IDValidationException(
                message=f"Updates for AttributePath: {path} is not supported"
            )
        value = op.get("AttributeValue")
        if value is None and path in required:
            raise IDValidationException(
                message=f"{path}: The attribute {path} is required"
            )
        if value == "":
            raise IDValidationException(
                message=f"{path}: The attribute {path} cannot be empty; send null to remove it"
            )
        yield path, value


def _string(path, value):
    if value is not None and not isinstance(value, str):
        raise IDValidationException(message=f"{path}: The attribute {path} must be a string")
    return value


def _contact_list(path, value, keys):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise IDValidationException(message=f"{path}: The attribute {path} must be a list of objects")
    items = []
    for v in value:
        unknown = set(v) - set(keys)
        if unknown:
            raise IDValidationException(
                message=f"{path}: unknown sub-attribute {sorted(unknown)[0]}"
            )
        items.append({keys[k]: x for k, x in v.items() if x is not None})
    return items


def _update_user(self):
    backend = self.identitystore_backend
    store = backend._IdentityStoreBackend__get_identity_store(self._get_param("IdentityStoreId"))
    user_id = self._get_param("UserId")
    user = store.users.get(user_id)
    if user is None:
        raise IDResourceNotFoundException(message="USER not found.", resource_type="USER")
    known = set(USER_STRINGS) | set(USER_NAME_PARTS) | set(USER_LISTS)
    fields, name = {}, {}
    for path, value in _operations(self._get_param("Operations"), known, USER_REQUIRED):
        if path in USER_STRINGS:
            fields[USER_STRINGS[path]] = _string(path, value)
        elif path in USER_NAME_PARTS:
            name[USER_NAME_PARTS[path]] = _string(path, value)
        else:
            field, keys = USER_LISTS[path]
            fields[field] = _contact_list(path, value, keys)
    if name:
        current = user.Name or id_models.Name(None, None, None, None, None, None)
        fields["Name"] = current._replace(**name)
    updated = user._replace(**fields)
    if any(u.UserName == updated.UserName for u in store.users.values() if u.UserId != user_id):
        raise IDConflictException(message="Duplicate UserName", reason="UNIQUENESS_CONSTRAINT_VIOLATION")
    store.users[user_id] = updated
    return "{}"


def _update_group(self):
    backend = self.identitystore_backend
    store = backend._IdentityStoreBackend__get_identity_store(self._get_param("IdentityStoreId"))
    group_id = self._get_param("GroupId")
    group = store.groups.get(group_id)
    if group is None:
        raise IDResourceNotFoundException(message="GROUP not found.", resource_type="GROUP")
    fields = {}
    for path, value in _operations(self._get_param("Operations"), set(GROUP_STRINGS), GROUP_REQUIRED):
        fields[GROUP_STRINGS[path]] = _string(path, value)
    updated = group._replace(**fields)
    if any(g.DisplayName == updated.DisplayName for g in store.groups.values() if g.GroupId != group_id):
        raise IDConflictException(message="Duplicate GroupDisplayName", reason="UNIQUENESS_CONSTRAINT_VIOLATION")
    store.groups[group_id] = updated
    return "{}"


IDResponse.update_user = _update_user
IDResponse.update_group = _update_group


# --- 6. permissions boundaries


def _permission_set(self):
    return self.ssoadmin_backend._find_permission_set(
        self._get_param("InstanceArn"), self._get_param("PermissionSetArn")
    )


def _boundary_or_not_found(ps):
    boundary = getattr(ps, "permissions_boundary", None)
    if boundary is None:
        ps_id = ps.permission_set_arn.split("/")[-1]
        raise ResourceNotFoundException(
            f"Could not find a permissions boundary on PermissionSet with id {ps_id}"
        )
    return boundary


def _put_boundary(self):
    backend = self.ssoadmin_backend
    ps = _permission_set(self)
    given = self._get_param("PermissionsBoundary") or {}
    managed = given.get("ManagedPolicyArn")
    ref = given.get("CustomerManagedPolicyReference")
    if bool(managed) == bool(ref):
        raise ValidationException(
            "A permissions boundary needs exactly one of ManagedPolicyArn and CustomerManagedPolicyReference"
        )
    if managed:
        backend._find_managed_policy(managed)
        boundary = {"ManagedPolicyArn": managed}
    else:
        if not ref.get("Name"):
            raise ValidationException("CustomerManagedPolicyReference needs a Name")
        boundary = {"CustomerManagedPolicyReference": {"Name": ref["Name"], "Path": ref.get("Path") or "/"}}
    ps.permissions_boundary = boundary
    _changed(backend, ps.permission_set_arn)
    return "{}"


def _get_boundary(self):
    return json.dumps({"PermissionsBoundary": _boundary_or_not_found(_permission_set(self))})


def _delete_boundary(self):
    ps = _permission_set(self)
    _boundary_or_not_found(ps)
    ps.permissions_boundary = None
    _changed(self.ssoadmin_backend, ps.permission_set_arn)
    return "{}"


Response.put_permissions_boundary_to_permission_set = _put_boundary
Response.get_permissions_boundary_for_permission_set = _get_boundary
Response.delete_permissions_boundary_from_permission_set = _delete_boundary


# --- 7. provisioning per (permission set, account)


def _provisioned_to(backend, ps_arn):
    """{account ID: latest version provisioned} of a permission set."""
    return backend.provisioning.setdefault(ps_arn, {})


def _changed(backend, ps_arn):
    """A change to the permission set leaves every account it is
    provisioned to behind."""
    accounts = backend.provisioning.get(ps_arn, {})
    for account in accounts:
        accounts[account] = False


def _marks_provisioning_stale(name):
    stock = getattr(Backend, name)
    signature = inspect.signature(stock)

    def patched(self, *args, **kwargs):
        result = stock(self, *args, **kwargs)
        _changed(self, signature.bind(self, *args, **kwargs).arguments["permission_set_arn"])
        return result

    setattr(Backend, name, patched)


for _name in (
    "update_permission_set",
    "put_inline_policy_to_permission_set",
    "delete_inline_policy_from_permission_set",
    "attach_managed_policy_to_permission_set",
    "detach_managed_policy_from_permission_set",
    "attach_customer_managed_policy_reference_to_permission_set",
    "detach_customer_managed_policy_reference_from_permission_set",
):
    _marks_provisioning_stale(_name)

_stock_delete_permission_set = Backend.delete_permission_set


def _delete_permission_set(self, instance_arn, permission_set_arn):
    result = _stock_delete_permission_set(self, instance_arn, permission_set_arn)
    self.provisioning.pop(permission_set_arn, None)
    return result


Backend.delete_permission_set = _delete_permission_set


def _status_filter(value):
    """A predicate on "latest version provisioned" for a ProvisioningStatus."""
    if value is None:
        return lambda latest: True
    if value not in (PROVISIONED, NOT_PROVISIONED):
        raise ValidationException(
            f"Value '{value}' at 'provisioningStatus' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{PROVISIONED}, {NOT_PROVISIONED}]"
        )
    return lambda latest: latest == (value == PROVISIONED)


def _page(self, items, key):
    """One page of items as a response: MaxResults 1..100 (default 100), and
    NextToken, an offset."""
    limit = self._get_param("MaxResults")
    if limit is None:
        limit = MAX_PAGE
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationException(f"MaxResults must be between 1 and {MAX_PAGE}")
    token = self._get_param("NextToken") or "0"
    if not token.isdigit():
        raise ValidationException("Invalid NextToken")
    start = int(token)
    out = {key: items[start:start + limit]}
    if start + limit < len(items):
        out["NextToken"] = str(start + limit)
    return json.dumps(out)


def _list_permission_sets_provisioned_to_account(self):
    backend = self.ssoadmin_backend
    instance_arn = self._get_param("InstanceArn")
    account = self._get_param("AccountId")
    if not account:
        raise ValidationException("AccountId is required")
    wanted = _status_filter(self._get_param("ProvisioningStatus"))
    arns = []
    for ps in backend.permission_sets:
        accounts = backend.provisioning.get(ps.permission_set_arn, {})
        if ps.instance_arn == instance_arn and account in accounts and wanted(accounts[account]):
            arns.append(ps.permission_set_arn)
    return _page(self, arns, "PermissionSets")


def _list_accounts_for_provisioned_permission_set(self):
    backend = self.ssoadmin_backend
    ps = _permission_set(self)
    wanted = _status_filter(self._get_param("ProvisioningStatus"))
    accounts = backend.provisioning.get(ps.permission_set_arn, {})
    return _page(self, [a for a, latest in accounts.items() if wanted(latest)], "AccountIds")


Response.list_permission_sets_provisioned_to_account = _list_permission_sets_provisioned_to_account
Response.list_accounts_for_provisioned_permission_set = _list_accounts_for_provisioned_permission_set


if __name__ == "__main__":
    from moto.server import main

    sys.argv[0] = "moto_server"
    sys.exit(main(sys.argv[1:]))
