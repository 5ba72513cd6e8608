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


def make_sector_lead(user, sector) -> None:
    forget_cached_roles(user)
    from guardian.shortcuts import assign_perm

    user.groups.add(Group.objects.get(name=SECTOR_LEADS))
    assign_perm("sectors.manage_membership", user, sector)


def remove_sector_lead(user, sector) -> None:
    """Withdraw the lead role for one sector; the group goes once they lead no sector."""
    forget_cached_roles(user)
    from guardian.shortcuts import remove_perm

    remove_perm("sectors.manage_membership", user, sector)
    from guardian.shortcuts import get_objects_for_user

    if not get_objects_for_user(user, "sectors.manage_membership", with_superuser=False,
                                accept_global_perms=False).exists():
        user.groups.remove(Group.objects.get(name=SECTOR_LEADS))


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


def make_moderator(user, forum) -> None:
    forget_cached_roles(user)
    from guardian.shortcuts import assign_perm

    user.groups.add(Group.objects.get(name=MODERATORS))
    assign_perm("board.moderate_forum", user, forum)


def remove_moderator(user, forum) -> None:
    """Withdraw moderation of one forum; the group goes once they moderate none."""
    forget_cached_roles(user)
    from guardian.shortcuts import get_objects_for_user, remove_perm

    remove_perm("board.moderate_forum", user, forum)
    if not get_objects_for_user(user, "board.moderate_forum", with_superuser=False,
                                accept_global_perms=False).exists():
        user.groups.remove(Group.objects.get(name=MODERATORS))
