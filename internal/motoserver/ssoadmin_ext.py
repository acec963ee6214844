"""moto_server with the sso-admin operations moto 5.2.1 lacks: a test rig only.

Run as `python ssoadmin_ext.py -H HOST -p PORT` with the interpreter that has
moto 5.2.1 installed; it takes the same arguments as `moto_server` and starts
the same server after patching moto's sso-admin classes in memory. Product code
never depends on these patches: they only make moto answer like AWS so that
stint and Terraform can be tested and benchmarked against it
(motoserver.Options.SSOAdminExtensions starts this script).

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
   request ID gives ResourceNotFoundException. Provisioning the same permission
   set again no longer lists it twice in ListPermissionSetsProvisionedToAccount.
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

State lives in moto's per-account, per-region sso-admin backends, so
`POST /moto-api/reset` clears it like the rest.
"""

import json
import sys
from uuid import uuid4

import moto
from moto.core.exceptions import JsonRESTError
from moto.core.utils import unix_time
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


# --- 2. provisioning status

_stock_provision = Backend.provision_permission_set


def _provision_backend(self, instance_arn, permission_set_arn):
    ps = self._find_permission_set(instance_arn, permission_set_arn)
    for instance in self.instances:
        if instance.instance_arn == instance_arn and ps in instance.provisioned_permission_sets:
            return  # already provisioned: AWS lists it once
    _stock_provision(self, instance_arn, permission_set_arn)


def _provision_response(self):
    status = {
        "AccountId": self._get_param("TargetId") or self.current_account,
        "CreatedDate": unix_time(),
        "PermissionSetArn": self._get_param("PermissionSetArn"),
        "RequestId": str(uuid4()),
        "Status": "SUCCEEDED",
    }
    self.ssoadmin_backend.provision_permission_set(
        instance_arn=self._get_param("InstanceArn"),
        permission_set_arn=status["PermissionSetArn"],
    )
    self.ssoadmin_backend.provisioning_statuses[status["RequestId"]] = status
    return json.dumps({"PermissionSetProvisioningStatus": status})


def _describe_provisioning_status(self):
    request_id = self._get_param("ProvisionPermissionSetRequestId")
    status = self.ssoadmin_backend.provisioning_statuses.get(request_id)
    if status is None:
        raise ResourceNotFoundException(
            f"Could not find provisioning request {request_id}"
        )
    return json.dumps({"PermissionSetProvisioningStatus": status})


Backend.provision_permission_set = _provision_backend
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


if __name__ == "__main__":
    from moto.server import main

    sys.argv[0] = "moto_server"
    sys.exit(main(sys.argv[1:]))
