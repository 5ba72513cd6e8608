"""Who holds which role, and granting or withdrawing one. What a role allows is each app's permissions.py.

Roles are Django groups (the role) plus guardian object permissions (its scope): a sector lead holds
sectors.manage_membership on their sectors; a moderator holds board.moderate_forum on their forums.
Superusers may do everything.
"""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from common import badges, usercache

OFFICERS = "Police liaison officers"
MODERATORS = "Moderators"
SECTOR_LEADS = "Sector leads"

# Scoped roles: the group marks the role (and its two-factor requirement), the object permission its scope.
SCOPED_ROLES = {
    SECTOR_LEADS: "sectors.manage_membership",
    MODERATORS: "board.moderate_forum",
}


def forget_cached_roles(user) -> None:
    """Drop the answers cached on this user object, after their roles or memberships changed."""
    usercache.forget(user)


# Stands in _role_facts' answer for "holds a lead's or moderator's object permission" beside the group names.
SCOPED = object()


@functools.cache
def _role_facts_sql() -> str:
    """The query of _role_facts, written once. It is the first query of every signed-in page (the two-factor
    gate asks it): as SQL text it costs the round trip alone, where the ORM spent longer building it than the
    database took to answer. Table and column names come from the models."""
    quote = connection.ops.quote_name
    memberships = get_user_model().groups.through._meta
    member, group = (quote(memberships.get_field(name).column) for name in ("user", "group"))
    user_perm, group_perm = UserObjectPermission._meta, GroupObjectPermission._meta
    codenames = ", ".join(["%s"] * len(SCOPED_ROLES))
    # Both halves give (name, scoped); "SELECT ... WHERE EXISTS" without FROM runs on PostgreSQL and SQLite.
    # Only the models' own names, quoted, go into the text; the values are parameters.
    return (
        f"SELECT g.{quote('name')}, 0 FROM {quote(Group._meta.db_table)} g "  # noqa: S608
        f"JOIN {quote(memberships.db_table)} m ON m.{group} = g.{quote('id')} WHERE m.{member} = %s "
        f"UNION ALL SELECT '', 1 WHERE EXISTS ("
        f"SELECT 1 FROM {quote(user_perm.db_table)} up JOIN {quote(Permission._meta.db_table)} p "
        f"ON p.{quote('id')} = up.{quote(user_perm.get_field('permission').column)} "
        f"WHERE up.{quote(user_perm.get_field('user').column)} = %s AND p.{quote('codename')} IN ({codenames})"
        f") OR EXISTS ("
        f"SELECT 1 FROM {quote(group_perm.db_table)} gp JOIN {quote(Permission._meta.db_table)} p "
        f"ON p.{quote('id')} = gp.{quote(group_perm.get_field('permission').column)} "
        f"JOIN {quote(memberships.db_table)} m ON m.{group} = gp.{quote(group_perm.get_field('group').column)} "
        f"WHERE m.{member} = %s AND p.{quote('codename')} IN ({codenames}))"
    )


def _role_facts(user) -> frozenset:
    """The user's group names, plus SCOPED if they hold a lead's or moderator's object permission (directly or
    through a group): what every page asks first (two-factor, navigation, the board's and the sectors' scope),
    in one query, cached on the user object for the request. Nothing is kept across requests, so a role
    granted or withdrawn counts from the very next request, wherever it was changed (admin, shell, services)."""

    def compute() -> frozenset:
        codenames = [permission.split(".")[1] for permission in SCOPED_ROLES.values()]
        with connection.cursor() as cursor:
            cursor.execute(_role_facts_sql(), [user.pk, user.pk, *codenames, user.pk, *codenames])
            return frozenset(SCOPED if scoped else name for name, scoped in cursor.fetchall())

    return usercache.cached(user, "role_facts", compute)


def _in_group(user, name: str) -> bool:
    if not user.is_authenticated:
        return False
    return name in _role_facts(user)


def holds_any_role(user) -> bool:
    """Officer, moderator or sector lead: the roles that must use two-factor authentication."""
    return any(_in_group(user, name) for name in (OFFICERS, MODERATORS, SECTOR_LEADS))


def is_officer(user) -> bool:
    return user.is_authenticated and (user.is_superuser or _in_group(user, OFFICERS))


def site_badges(user) -> tuple[badges.RoleBadge, ...]:
    """The verified badges of the portal-wide roles (administrator, officer) beside a person's name: from the role
    they hold now, never from their display name. Forum and sector roles add theirs where they apply
    (messaging.board.selectors.author_badges)."""
    if user.is_superuser:
        return (badges.ADMINISTRATOR,)
    return (badges.OFFICER,) if is_officer(user) else ()


def is_moderator(user) -> bool:
    """Holds the moderator role; which forums they moderate is the board's object permission."""
    return _in_group(user, MODERATORS)


def has_lead_role(user) -> bool:
    """Holds the sector lead role; which sectors they lead is the sectors app's object permission."""
    return _in_group(user, SECTOR_LEADS)


def objects_in_scope(user, permission: str, model):
    """The objects of a scoped role this user holds directly (leads' sectors, moderators' forums)."""
    if permission in SCOPED_ROLES.values() and not holds_scoped_permission(user):
        # Most people hold no scoped role at all: _role_facts has already asked, in the query every page makes.
        return model.objects.none()
    return get_objects_for_user(user, permission, klass=model, with_superuser=False, accept_global_perms=False)


def grant_scoped_role(user, role: str, obj) -> None:
    """Make the user a sector lead of a sector, or a moderator of a forum."""
    user.groups.add(Group.objects.get(name=role))
    assign_perm(SCOPED_ROLES[role], user, obj)
    forget_cached_roles(user)


def revoke_scoped_role(user, role: str, obj) -> None:
    """Withdraw the role for one object; the group goes once the user holds it for no object."""
    permission = SCOPED_ROLES[role]
    remove_perm(permission, user, obj)
    if not get_objects_for_user(user, permission, with_superuser=False, accept_global_perms=False).exists():
        user.groups.remove(Group.objects.get(name=role))
    forget_cached_roles(user)


def holds_scoped_permission(user) -> bool:
    """Any lead's or moderator's object permission, held directly or through a group (asked with the groups)."""
    return user.is_authenticated and SCOPED in _role_facts(user)


def make_sector_lead(user, sector) -> None:
    grant_scoped_role(user, SECTOR_LEADS, sector)


def remove_sector_lead(user, sector) -> None:
    revoke_scoped_role(user, SECTOR_LEADS, sector)


def make_moderator(user, forum) -> None:
    grant_scoped_role(user, MODERATORS, forum)


def remove_moderator(user, forum) -> None:
    revoke_scoped_role(user, MODERATORS, forum)
