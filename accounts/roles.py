"""Who holds which role, and granting or withdrawing one. What a role allows is each app's permissions.py.

Roles are Django groups (the role) plus guardian object permissions (its scope): a sector lead holds
sectors.manage_membership on their sectors; a moderator holds board.moderate_forum on their forums.
Superusers may do everything.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists
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


def _in_group(user, name: str) -> bool:
    if not user.is_authenticated:
        return False
    return name in usercache.cached(user, "role_groups", lambda: set(user.groups.values_list("name", flat=True)))


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
    """Any lead's or moderator's object permission, held directly or through a group: one query."""
    codenames = [permission.split(".")[1] for permission in SCOPED_ROLES.values()]
    direct = UserObjectPermission.objects.filter(user=user, permission__codename__in=codenames)
    by_group = GroupObjectPermission.objects.filter(group__user=user, permission__codename__in=codenames)
    return get_user_model().objects.filter(pk=user.pk).filter(Exists(direct) | Exists(by_group)).exists()


def make_sector_lead(user, sector) -> None:
    grant_scoped_role(user, SECTOR_LEADS, sector)


def remove_sector_lead(user, sector) -> None:
    revoke_scoped_role(user, SECTOR_LEADS, sector)


def make_moderator(user, forum) -> None:
    grant_scoped_role(user, MODERATORS, forum)


def remove_moderator(user, forum) -> None:
    revoke_scoped_role(user, MODERATORS, forum)
