"""EKS access entries and access policies for moto 5.2.1: a test rig only.

moto 5.2.1's EKS has clusters, node groups and Fargate profiles, but no access
entries or access policies at all: their paths answer 404 with an HTML page,
and clusters have no access configuration. This module patches moto's EKS
classes in memory so that they answer as the EKS API reference says. Product
code never depends on it. Import it before moto's server starts (the
motoserver package's launcher does, for Options.EKSExtensions), or run it as
`python eks_ext.py -H HOST -p PORT` like moto_server.

Patches, and the AWS behaviour imitated:

1. Cluster access configuration (moto: none; DescribeCluster has no
   accessConfig). CreateCluster takes accessConfig.authenticationMode (API,
   API_AND_CONFIG_MAP or CONFIG_MAP; another value is an
   InvalidParameterException) and
   accessConfig.bootstrapClusterCreatorAdminPermissions. As the API
   reference says for clusters made through the API or an SDK, the mode
   defaults to CONFIG_MAP (the console's default, API_AND_CONFIG_MAP, is not
   the API's), and bootstrapping defaults to true. CreateCluster and
   DescribeCluster then answer the cluster's accessConfig.
2. The cluster creator's access entry. With bootstrapping on and a mode
   that includes API, CreateCluster makes an access entry for the IAM
   principal that called it (the role of an assumed-role session, or the
   IAM user), with AmazonEKSClusterAdminPolicy on the cluster, as AWS does.
   Calls signed with credentials moto does not know (the static test keys)
   name no IAM principal: then no entry is made.
3. UpdateClusterConfig with accessConfig (moto: ignored). The mode may move
   only forward, CONFIG_MAP -> API_AND_CONFIG_MAP -> API, one step at a time,
   as AWS allows; another change, the same mode again, or accessConfig
   together with another kind of update is an InvalidParameterException
   (wording ours). It answers an update of type AccessConfigUpdate, status
   Successful (moto's updates are instant).
4. CreateAccessEntry (POST /clusters/{name}/access-entries). principalArn
   must be the ARN of an existing IAM role (a path is allowed) or IAM user,
   in any account for type STANDARD (the default) and in the cluster's
   account, and a role, for the node types (FARGATE_LINUX, EC2_LINUX,
   EC2_WINDOWS, EC2, HYBRID_LINUX, HYPERPOD_LINUX); an STS session ARN, a
   missing principal or an unknown type is an InvalidParameterException.
   kubernetesGroups and username are for STANDARD entries only; a username
   may not start with system:, eks:, aws:, amazon: or iam:. Without a
   username EKS sets arn:aws:sts::ACCOUNT:assumed-role/ROLE/{{SessionName}}
   for a role (its path dropped) and the user's ARN for a user. A second
   entry for the same principal is a ResourceInUseException (409), except
   that a retry with the first call's clientRequestToken answers the entry
   made (the SDKs send a fresh token per call and reuse it on retries).
   Answers {"accessEntry": {...}} with accessEntryArn
   arn:PARTITION:eks:REGION:ACCOUNT:access-entry/CLUSTER/role|user/PRINCIPAL_ACCOUNT/NAME/ID,
   createdAt, modifiedAt, kubernetesGroups, tags, username and type.
5. DescribeAccessEntry and DeleteAccessEntry (GET and DELETE
   /clusters/{name}/access-entries/{principalArn}). An unknown entry is a
   ResourceNotFoundException (404). Deleting an entry drops its policy
   associations. Delete answers {}.
6. ListAccessEntries (GET /clusters/{name}/access-entries): the principal
   ARNs, sorted, filtered by associatedPolicyArn when given, in pages
   (maxResults 1..100, default 100; nextToken opaque). A maxResults out of
   range or a nextToken this server did not give is an
   InvalidParameterException.
7. AssociateAccessPolicy (POST .../access-entries/{principalArn}/access-policies):
   policyArn must be one of ListAccessPolicies' ARNs and accessScope.type
   cluster (no namespaces) or namespace (at least one namespace, each a
   Kubernetes namespace name, optionally ending in * as a wildcard; no
   maximum is checked, none being documented); otherwise an
   InvalidParameterException. Associating a policy that is
   already associated replaces its scope (associatedAt stays, modifiedAt
   moves), as AWS does. Answers clusterName, principalArn and
   associatedAccessPolicy.
8. ListAssociatedAccessPolicies (GET .../access-policies): the entry's
   associations (policyArn, accessScope, associatedAt, modifiedAt) in pages
   as in 6, with clusterName and principalArn.
9. DisassociateAccessPolicy (DELETE .../access-policies/{policyArn}): an
   unknown entry, or a policy not associated with it, is a
   ResourceNotFoundException. Answers {}.
10. ListAccessPolicies (GET /access-policies): the AWS-managed access
    policies ({"name", "arn"}, arn:PARTITION:eks::aws:cluster-access-policy/NAME),
    a subset of what AWS lists today (see ACCESS_POLICIES), in pages as in 6.

11. The region of a call (moto: read from anywhere in the URL, so that the
    path of an Identity Center role, /aws-reserved/sso.amazonaws.com/, in a
    principal ARN made moto look for region "1:PORT/clusters/..." and fail
    with HTTP 500). It is read from the host only, as AWS routes calls.

Every operation on a cluster answers ResourceNotFoundException (404, "No
cluster found for name: NAME.") for an unknown cluster and, for 4 to 9,
InvalidRequestException (400) "The cluster's authentication mode must be set
to one of [API, API_AND_CONFIG_MAP] to perform this operation." when the
cluster's mode is CONFIG_MAP, as AWS answers. Errors carry the
x-amzn-ErrorType header and a JSON body with "message", as moto's other EKS
errors do. The API reference declares InvalidParameterException for
ListAccessEntries only; 8 and 10 use it too for bad pages (what AWS answers
there is not documented).

Not in the API reference, taken from the EKS user guide: the reserved
username prefixes of 4 and the namespace wildcard of 7.

Not modelled: the access entry quota (ResourceLimitExceededException),
UpdateAccessEntry, tagging access entries, the effect of access policies
inside Kubernetes, and the aws-auth ConfigMap.

State lives on moto's Cluster objects in its per-account, per-region EKS
backends: DeleteCluster drops a cluster's access entries with it (AWS deletes
them with the cluster) and `POST /moto-api/reset` clears everything.
"""

import base64
import json
import re
import sys
from urllib.parse import urlsplit
from uuid import uuid4

import moto
from moto.core.utils import unix_time
from moto.eks import models, responses, urls
from moto.eks.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

if moto.__version__ != "5.2.1":
    # The patches follow moto 5.2.1's classes; warn rather than fail.
    print(f"eks_ext: written for moto 5.2.1, running on {moto.__version__}", file=sys.stderr)

API, API_AND_CONFIG_MAP, CONFIG_MAP = "API", "API_AND_CONFIG_MAP", "CONFIG_MAP"
AUTHENTICATION_MODES = (API, API_AND_CONFIG_MAP, CONFIG_MAP)
# The forward steps UpdateClusterConfig allows.
MODE_STEPS = {CONFIG_MAP: API_AND_CONFIG_MAP, API_AND_CONFIG_MAP: API}
ENTRY_TYPES = ("STANDARD", "FARGATE_LINUX", "EC2_LINUX", "EC2_WINDOWS", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX")
RESERVED_USERNAME_PREFIXES = ("system:", "eks:", "aws:", "amazon:", "iam:")
MAX_PAGE = 100
# AWS-managed access policies: the Kubernetes user-facing roles and others
# AWS lists; `aws eks list-access-policies` shows the full, current list.
ACCESS_POLICIES = (
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSViewPolicy",
)
CLUSTER_ADMIN = "AmazonEKSClusterAdminPolicy"
MODE_MSG = (
    "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] "
    "to perform this operation."
)

PRINCIPAL_ARN = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(?P<account>\d{12}):"
    r"(?P<kind>role|user)(?P<path>/(?:[\w+=,.@-]+/)*)(?P<name>[\w+=,.@-]{1,128})$"
)
NAMESPACE = re.compile(r"^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?|[a-z0-9][-a-z0-9]*\*)$")

Cluster = models.Cluster
Backend = models.EKSBackend
Response = responses.EKSResponse


JSON = {"Content-Type": "application/json"}


def _invalid(message):
    return InvalidParameterException(message=message)


def _not_found(message):
    return ResourceNotFoundException(message=message)


# --- 1. access configuration on every cluster

_stock_cluster_init = Cluster.__init__


def _cluster_init(self, *args, **kwargs):
    _stock_cluster_init(self, *args, **kwargs)
    self.access_config = {"authenticationMode": CONFIG_MAP, "bootstrapClusterCreatorAdminPermissions": True}
    self.access_entries = {}  # principal ARN -> entry (dict), see _new_entry


Cluster.__init__ = _cluster_init


def _mode(cluster):
    return cluster.access_config["authenticationMode"]


def _access_config_param(value):
    """Checks CreateCluster's accessConfig; returns (mode, bootstrap)."""
    value = value or {}
    mode = value.get("authenticationMode", CONFIG_MAP)
    if mode not in AUTHENTICATION_MODES:
        raise _invalid(
            f"Value '{mode}' at 'accessConfig.authenticationMode' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(AUTHENTICATION_MODES)}]"
        )
    bootstrap = value.get("bootstrapClusterCreatorAdminPermissions", True)
    if not isinstance(bootstrap, bool):
        raise _invalid("accessConfig.bootstrapClusterCreatorAdminPermissions must be a boolean")
    return mode, bootstrap


_stock_create_cluster = Response.create_cluster


def _create_cluster(self):
    mode, bootstrap = _access_config_param(self._get_param("accessConfig"))
    result = _stock_create_cluster(self)
    cluster = self.eks_backend.clusters[self._get_param("name")]
    cluster.access_config = {"authenticationMode": mode, "bootstrapClusterCreatorAdminPermissions": bootstrap}
    # --- 2. the creator's entry
    creator = _caller_principal(self) if bootstrap and mode != CONFIG_MAP else None
    if creator is not None:
        entry = _new_entry(cluster, creator, "STANDARD", [], None, {}, None)
        now = unix_time()
        entry["policies"][_policy_arn(cluster, CLUSTER_ADMIN)] = {
            "policyArn": _policy_arn(cluster, CLUSTER_ADMIN),
            "accessScope": {"type": "cluster", "namespaces": []},
            "associatedAt": now,
            "modifiedAt": now,
        }
        cluster.access_entries[creator] = entry
    return result


Response.create_cluster = _create_cluster


def _caller_principal(self):
    """The IAM ARN of the role or user whose credentials signed the call, or
    None when moto does not know the credentials."""
    key = self.get_access_key()
    for account in list(sts_backends.keys()):
        for partition in list(sts_backends[account].keys()):
            assumed = sts_backends[account][partition].get_assumed_role_from_access_key(key)
            if assumed is not None:
                return assumed.role_arn
    for account in list(iam_backends.keys()):
        for partition in list(iam_backends[account].keys()):
            user = iam_backends[account][partition].get_user_from_access_key_id(key)
            if user is not None:
                return user.arn
    return None


# --- 3. UpdateClusterConfig with accessConfig

_stock_update_cluster_config = Response.update_cluster_config
OTHER_UPDATES = ("resourcesVpcConfig", "logging", "kubernetesNetworkConfig", "remoteNetworkConfig",
                 "upgradePolicy", "zonalShiftConfig", "computeConfig", "storageConfig",
                 "deletionProtection", "controlPlaneScalingConfig")


def _update_cluster_config(self):
    access = self._get_param("accessConfig")
    if not access:
        return _stock_update_cluster_config(self)
    if any(self._get_param(p) is not None for p in OTHER_UPDATES):
        raise _invalid("Only one type of update can be allowed.")
    cluster = _cluster(self)
    mode = access.get("authenticationMode")
    current = _mode(cluster)
    if mode not in AUTHENTICATION_MODES:
        raise _invalid(
            f"Value '{mode}' at 'accessConfig.authenticationMode' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(AUTHENTICATION_MODES)}]"
        )
    if mode == current:
        raise _invalid(f"The cluster's authentication mode is already {mode}.")
    if MODE_STEPS.get(current) != mode:
        raise _invalid(f"Unsupported authentication mode update from {current} to {mode}.")
    cluster.access_config = dict(cluster.access_config, authenticationMode=mode)
    update = {
        "id": str(uuid4()),
        "status": "Successful",
        "type": "AccessConfigUpdate",
        "params": [{"type": "AuthenticationMode", "value": mode}],
        "createdAt": unix_time(),
        "errors": [],
    }
    return 200, JSON, json.dumps({"update": update})


Response.update_cluster_config = _update_cluster_config


# --- 11. the region of calls whose path holds an ARN


_stock_region = Response.get_region_from_url


def _region_from_host(self, request, full_url):
    """moto looks for ".REGION.amazonaws.com" anywhere in the URL, and an
    Identity Center role's path (/aws-reserved/sso.amazonaws.com/) in a
    principal ARN matches it: look in the host only, as AWS routes."""
    parts = urlsplit(full_url)
    return _stock_region(self, request, f"{parts.scheme}://{parts.netloc}/")


Response.get_region_from_url = _region_from_host


# --- helpers shared by 4 to 10


def _cluster(self, need_api=False):
    name = self._get_param("name")
    cluster = self.eks_backend.clusters.get(name)
    if cluster is None:
        raise ResourceNotFoundException(clusterName=name, message=models.CLUSTER_NOT_FOUND_MSG.format(clusterName=name))
    if need_api and _mode(cluster) == CONFIG_MAP:
        raise InvalidRequestException(clusterName=name, message=MODE_MSG)
    return cluster


def _entry(self, cluster):
    arn = self._get_param("principalArn")
    entry = cluster.access_entries.get(arn)
    if entry is None:
        raise _not_found(f"The specified access entry resource is not found on cluster {cluster.name}: {arn}")
    return entry


def _policy_arn(cluster, name):
    return f"arn:{cluster.arn.split(':')[1]}:eks::aws:cluster-access-policy/{name}"


def _page(self, items):
    """A page of items and the next token: maxResults 1..100 (default 100),
    nextToken an opaque offset."""
    limit = self._get_param("maxResults")
    limit = MAX_PAGE if limit in (None, "") else limit
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        raise _invalid("maxResults must be an integer between 1 and 100")
    if not 1 <= limit <= MAX_PAGE:
        raise _invalid(f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
                       "constraint: Member must have value between 1 and 100")
    token = self._get_param("nextToken")
    start = 0
    if token:
        try:
            prefix, offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")
            start = int(offset)
        except ValueError:
            prefix, start = None, -1
        if prefix != "eks_ext" or start < 0:
            raise _invalid("The nextToken is invalid")
    end = start + limit
    following = base64.urlsafe_b64encode(f"eks_ext:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], following


def _public(entry):
    return {k: v for k, v in entry.items() if k not in ("policies", "token")}


# --- 4. CreateAccessEntry


def _check_principal(cluster, arn, entry_type):
    """Checks a principal ARN as AWS does: an existing IAM role or user, of
    the cluster's account (and a role) for the node types."""
    m = PRINCIPAL_ARN.match(arn or "")
    if m is None:
        raise _invalid(f"The principalArn parameter {arn!r} is not the ARN of an IAM role or IAM user")
    if entry_type != "STANDARD" and (m["kind"] != "role" or m["account"] != cluster.arn.split(":")[4]):
        raise _invalid(f"Access entries of type {entry_type} need an IAM role of the cluster's account")
    iam = iam_backends[m["account"]][m["partition"]]
    principals = iam.roles.values() if m["kind"] == "role" else iam.users.values()
    if not any(p.arn == arn for p in principals):
        raise _invalid(f"The principal {arn} does not exist")


def _new_entry(cluster, arn, entry_type, groups, username, tags, token):
    m = PRINCIPAL_ARN.match(arn)
    if m is None:  # the creator of 2 is always an IAM ARN; keep a clear failure
        raise _invalid(f"The principalArn parameter {arn!r} is not the ARN of an IAM role or IAM user")
    if username is None:
        if m["kind"] == "role":
            username = f"arn:{m['partition']}:sts::{m['account']}:assumed-role/{m['name']}/{{{{SessionName}}}}"
        else:
            username = arn
    now = unix_time()
    _, _, _, region, account, _ = cluster.arn.split(":", 5)
    return {
        "clusterName": cluster.name,
        "principalArn": arn,
        "kubernetesGroups": list(groups),
        "accessEntryArn": f"arn:{m['partition']}:eks:{region}:{account}:access-entry/{cluster.name}/"
                          f"{m['kind']}/{m['account']}/{m['name']}/{uuid4().hex[:20]}",
        "createdAt": now,
        "modifiedAt": now,
        "tags": dict(tags),
        "username": username,
        "type": entry_type,
        "policies": {},  # policy ARN -> associatedAccessPolicy
        "token": token,
    }


def _create_access_entry(self):
    cluster = _cluster(self, need_api=True)
    arn = self._get_param("principalArn")
    entry_type = self._get_param("type") or "STANDARD"
    if entry_type not in ENTRY_TYPES:
        raise _invalid(f"Value '{entry_type}' at 'type' failed to satisfy constraint: "
                       f"Member must satisfy enum value set: [{', '.join(ENTRY_TYPES)}]")
    groups = self._get_param("kubernetesGroups") or []
    username = self._get_param("username")
    tags = self._get_param("tags") or {}
    token = self._get_param("clientRequestToken")
    existing = cluster.access_entries.get(arn)
    if existing is not None:
        if token and existing["token"] == token:
            return 200, JSON, json.dumps({"accessEntry": _public(existing)})
        raise ResourceInUseException(clusterName=cluster.name,
                                     message="The specified access entry resource is already in use on this cluster.")
    _check_principal(cluster, arn, entry_type)
    if entry_type != "STANDARD" and (groups or username):
        raise _invalid(f"kubernetesGroups and username cannot be set for access entries of type {entry_type}")
    if username is not None:
        if not username or username.startswith(RESERVED_USERNAME_PREFIXES):
            raise _invalid(f"The username {username!r} is not allowed: it may not be empty or start with "
                           + ", ".join(RESERVED_USERNAME_PREFIXES))
    if len(tags) > 50:
        raise _invalid("An access entry can have at most 50 tags")
    entry = _new_entry(cluster, arn, entry_type, groups, username, tags, token)
    cluster.access_entries[arn] = entry
    return 200, JSON, json.dumps({"accessEntry": _public(entry)})


# --- 5. DescribeAccessEntry, DeleteAccessEntry


def _describe_access_entry(self):
    cluster = _cluster(self, need_api=True)
    return 200, JSON, json.dumps({"accessEntry": _public(_entry(self, cluster))})


def _delete_access_entry(self):
    cluster = _cluster(self, need_api=True)
    entry = _entry(self, cluster)
    del cluster.access_entries[entry["principalArn"]]
    return 200, JSON, "{}"


# --- 6. ListAccessEntries


def _list_access_entries(self):
    cluster = _cluster(self, need_api=True)
    policy = self._get_param("associatedPolicyArn")
    arns = sorted(a for a, e in cluster.access_entries.items() if not policy or policy in e["policies"])
    page, following = _page(self, arns)
    out = {"accessEntries": page}
    if following:
        out["nextToken"] = following
    return 200, JSON, json.dumps(out)


# --- 7. AssociateAccessPolicy


def _scope(value):
    if not isinstance(value, dict):
        raise _invalid("accessScope is required")
    kind = value.get("type")
    namespaces = value.get("namespaces") or []
    if kind == "cluster":
        if namespaces:
            raise _invalid("namespaces cannot be specified when the access scope type is cluster")
    elif kind == "namespace":
        if not namespaces:
            raise _invalid("An access scope of type namespace needs at least one namespace")
        for ns in namespaces:
            if not isinstance(ns, str) or len(ns) > 63 or not NAMESPACE.match(ns):
                raise _invalid(f"{ns!r} is not a valid Kubernetes namespace name")
    else:
        raise _invalid(f"Value '{kind}' at 'accessScope.type' failed to satisfy constraint: "
                       "Member must satisfy enum value set: [cluster, namespace]")
    return {"type": kind, "namespaces": list(namespaces)}


def _associate_access_policy(self):
    cluster = _cluster(self, need_api=True)
    entry = _entry(self, cluster)
    policy = self._get_param("policyArn")
    if policy not in {_policy_arn(cluster, n) for n in ACCESS_POLICIES}:
        raise _invalid(f"The policyArn {policy!r} is not an access policy; see ListAccessPolicies")
    scope = _scope(self._get_param("accessScope"))
    now = unix_time()
    current = entry["policies"].get(policy)
    association = {
        "policyArn": policy,
        "accessScope": scope,
        "associatedAt": current["associatedAt"] if current else now,
        "modifiedAt": now,
    }
    entry["policies"][policy] = association
    return 200, JSON, json.dumps({
        "clusterName": cluster.name,
        "principalArn": entry["principalArn"],
        "associatedAccessPolicy": association,
    })


# --- 8. ListAssociatedAccessPolicies


def _list_associated_access_policies(self):
    cluster = _cluster(self, need_api=True)
    entry = _entry(self, cluster)
    associations = [entry["policies"][p] for p in sorted(entry["policies"])]
    page, following = _page(self, associations)
    out = {"clusterName": cluster.name, "principalArn": entry["principalArn"], "associatedAccessPolicies": page}
    if following:
        out["nextToken"] = following
    return 200, JSON, json.dumps(out)


# --- 9. DisassociateAccessPolicy


def _disassociate_access_policy(self):
    cluster = _cluster(self, need_api=True)
    entry = _entry(self, cluster)
    policy = self._get_param("policyArn")
    if policy not in entry["policies"]:
        raise _not_found(f"The access policy {policy} is not associated with access entry {entry['principalArn']}")
    del entry["policies"][policy]
    return 200, JSON, "{}"


# --- 10. ListAccessPolicies


def _list_access_policies(self):
    partition = self.partition
    policies = [{"name": n, "arn": f"arn:{partition}:eks::aws:cluster-access-policy/{n}"} for n in ACCESS_POLICIES]
    page, following = _page(self, policies)
    out = {"accessPolicies": page}
    if following:
        out["nextToken"] = following
    return 200, JSON, json.dumps(out)


Response.create_access_entry = _create_access_entry
Response.describe_access_entry = _describe_access_entry
Response.delete_access_entry = _delete_access_entry
Response.list_access_entries = _list_access_entries
Response.associate_access_policy = _associate_access_policy
Response.list_associated_access_policies = _list_associated_access_policies
Response.disassociate_access_policy = _disassociate_access_policy
Response.list_access_policies = _list_access_policies

# Routes, most specific first. The server matches them against the decoded
# path, where a principal ARN's path and a policy ARN bring their own slashes;
# moto then picks the operation from the raw path with the API model's URIs.
urls.url_paths.update({
    "{0}/clusters/(?P<name>[^/]+)/access-entries$": urls.response.dispatch,
    "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)/access-policies/(?P<policyArn>arn:.+)$": urls.response.dispatch,
    "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)/access-policies$": urls.response.dispatch,
    "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$": urls.response.dispatch,
    "{0}/access-policies$": urls.response.dispatch,
})


if __name__ == "__main__":
    from moto.server import main

    sys.argv[0] = "moto_server"
    sys.exit(main(sys.argv[1:]))
