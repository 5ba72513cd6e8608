"""The one place that answers "may this user do X to Y". Views and services ask here, never inline.

Roles are Django groups (the role) plus guardian object permissions (its scope): a sector lead holds
sectors.manage_membership on their sectors; a moderator holds board.moderate_forum on their forums.
Superusers may do everything.
"""

from django.contrib.auth.models import Group

OFFICERS = "Police liaison officers"
MODERATORS = "Moderators"
SECTOR_LEADS = "Sector leads"


def forget_cached_roles(user) -> None:
    """Drop the answers cached on this user object, after their roles changed."""
    for name in ("_role_groups", "_approved_sector_ids", "_led_sector_ids", "_moderated_forum_ids"):
        user.__dict__.pop(name, None)


def _in_group(user, name: str) -> bool:
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_role_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._role_groups = cache
    return name in cache


def holds_any_role(user) -> bool:
    """Officer, moderator or sector lead: the roles that must use two-factor authentication."""
    return any(_in_group(user, name) for name in (OFFICERS, MODERATORS, SECTOR_LEADS))


def is_officer(user) -> bool:
    return user.is_authenticated and (user.is_superuser or _in_group(user, OFFICERS))


def is_moderator(user) -> bool:
    """Holds the moderator role; which forums they moderate is the board's object permission."""
    return _in_group(user, MODERATORS)


def has_lead_role(user) -> bool:
    return _in_group(user, SECTOR_LEADS)


def has_verified_email(user) -> bool:
    from allauth.account.models import EmailAddress

    return user.is_authenticated and EmailAddress.objects.filter(user=user, verified=True).exists()


def approved_sector_ids(user) -> set[int]:
    """The sectors this user is an approved member of (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_approved_sector_ids", None)
    if cached is None:
        from sectors.models import Membership

        cached = set(Membership.objects.approved().filter(user=user).values_list("sector_id", flat=True))
        user._approved_sector_ids = cached
    return cached


def is_approved_member(user) -> bool:
    """An approved member of at least one sector: may use the cross-sector Hub forum and the live feed."""
    return bool(approved_sector_ids(user))


def is_member_of(user, sector) -> bool:
    return sector.pk in approved_sector_ids(user)


def led_sector_ids(user) -> set[int]:
    """The sectors this user leads (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_led_sector_ids", None)
    if cached is None:
        cached = set(sectors_led(user).values_list("pk", flat=True))
        user._led_sector_ids = cached
    return cached


def can_manage_membership(user, sector) -> bool:
    """Sector leads of this sector and administrators approve, refuse and suspend its members."""
    return user.is_authenticated and (user.is_superuser or sector.pk in led_sector_ids(user))


def sectors_led(user):
    """The sectors whose applications this user decides."""
    from guardian.shortcuts import get_objects_for_user

    from sectors.models import Sector

    if not user.is_authenticated:
        return Sector.objects.none()
    if user.is_superuser:
        return Sector.objects.all()
    return get_objects_for_user(user, "sectors.manage_membership", klass=Sector, with_superuser=False,
                                accept_global_perms=False)


def is_sector_lead(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(led_sector_ids(user)))


def can_view_sector(user, sector) -> bool:
    """A sector's page (who is in it) is for its approved members, its leads and officers."""
    return is_member_of(user, sector) or can_manage_membership(user, sector) or is_officer(user)


def can_view_organisation(user, organisation) -> bool:
    """Its own people, officers, leads of a sector it applied to, and members sharing an approved sector."""
    if not user.is_authenticated:
        return False
    if is_officer(user) or (user.organisation_id == organisation.pk and is_approved_member(user)):
        return True
    from sectors.models import Membership

    memberships = Membership.objects.filter(user__organisation=organisation)
    if memberships.filter(sector__in=sectors_led(user)).exists():
        return True
    return memberships.approved().filter(sector_id__in=approved_sector_ids(user)).exists()


def can_edit_organisation(user, organisation) -> bool:
    """Its people, once a sector lead has approved them: claiming an organisation when applying gives nothing."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or (user.organisation_id == organisation.pk and is_approved_member(user))


# Scoped roles: the group marks the role (and its two-factor requirement), the object permission its scope.
SCOPED_ROLES = {
    SECTOR_LEADS: "sectors.manage_membership",
    MODERATORS: "board.moderate_forum",
}


def grant_scoped_role(user, role: str, obj) -> None:
    """Make the user a sector lead of a sector, or a moderator of a forum."""
    from guardian.shortcuts import assign_perm

    user.groups.add(Group.objects.get(name=role))
    assign_perm(SCOPED_ROLES[role], user, obj)
    forget_cached_roles(user)


def revoke_scoped_role(user, role: str, obj) -> None:
    """Withdraw the role for one object; the group goes once the user holds it for no object."""
    from guardian.shortcuts import get_objects_for_user, remove_perm

    permission = SCOPED_ROLES[role]
    remove_perm(permission, user, obj)
    if not get_objects_for_user(user, permission, with_superuser=False, accept_global_perms=False).exists():
        user.groups.remove(Group.objects.get(name=role))
    forget_cached_roles(user)


def holds_scoped_permission(user) -> bool:
    """Any lead's or moderator's object permission, held directly or through a group: one query."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists
    from guardian.models import GroupObjectPermission, UserObjectPermission

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
