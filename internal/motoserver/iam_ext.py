"""IAM dates for moto 5.2.1: a test rig only.

moto stamps IAM users, access keys, console passwords and roles with the time
of the call that made or used them, and offers no HTTP way to say "this key
was made 400 days ago". In-process users of moto set those attributes
directly (moto treats them as public API: getmoto/moto issues 5927 and 6859);
moto_server's clients cannot. stint's discovery tests need the dates AWS
would report for an organisation that has run for years (old access keys,
passwords and roles unused for months), so this module lets a test set them
with tags, which IAM accepts on users and roles anyway. Product code never
depends on it. Import it before moto's server starts (the motoserver
package's launcher does, for Options.IAMExtensions).

Tags, each with an RFC 3339 UTC time such as 2024-01-02T03:04:05Z:

1. TagUser with moto-ext:created sets the user's creation date (the
   credential report's user_creation_time and password_last_changed).
2. TagUser with moto-ext:access-keys-created sets the creation date of every
   access key the user has then (access_key_N_last_rotated, CreateDate).
3. TagUser with moto-ext:access-keys-last-used sets their last use
   (access_key_N_last_used_date, GetAccessKeyLastUsed); "never" clears it.
4. TagUser with moto-ext:password-last-used sets the console password's last
   use (the credential report's password_last_used); "never" clears it.
5. TagRole with moto-ext:created sets the role's creation date, and
   moto-ext:last-used its RoleLastUsed (date, and region us-east-1);
   "never" clears it.

The tags are stored as moto stores any other tag. A malformed time is a
ValidationError naming the tag.
"""

from datetime import datetime

from moto.iam.exceptions import ValidationError
from moto.iam.models import AccessKeyLastUsed, IAMBackend

_PREFIX = "moto-ext:"


def _when(key, value):
    if value == "never":
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ValidationError(f"tag {key}: {value!r} is not an RFC 3339 UTC time such as 2024-01-02T03:04:05Z or never")


def _dates(tags):
    return [(t["Key"], _when(t["Key"], t["Value"])) for t in tags if t["Key"].startswith(_PREFIX)]


_tag_user = IAMBackend.tag_user
_tag_role = IAMBackend.tag_role


def tag_user(self, name, tags):
    dates = _dates(tags)
    _tag_user(self, name, tags)
    user = self.get_user(name)
    for key, when in dates:
        if key == _PREFIX + "created" and when is not None:
            user.create_date = when
        elif key == _PREFIX + "access-keys-created" and when is not None:
            for k in user.access_keys:
                k.create_date = when
        elif key == _PREFIX + "access-keys-last-used":
            for k in user.access_keys:
                k.last_used = None if when is None else AccessKeyLastUsed(timestamp=when, service="iam", region="us-east-1")
        elif key == _PREFIX + "password-last-used":
            user.password_last_used = when


def tag_role(self, role_name, tags):
    dates = _dates(tags)
    _tag_role(self, role_name, tags)
    role = self.get_role(role_name)
    for key, when in dates:
        if key == _PREFIX + "created" and when is not None:
            role.create_date = when
        elif key == _PREFIX + "last-used":
            role.last_used = when
            role.last_used_region = None if when is None else "us-east-1"


IAMBackend.tag_user = tag_user
IAMBackend.tag_role = tag_role
