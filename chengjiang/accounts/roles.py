"""The three roles, as Django groups with model permissions.

Office staff keep the records (admin, import, export, review); village secretaries submit and edit
their own drafts in the portal; leadership reads dashboards and reports and changes nothing.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

OFFICE = "街道工作人员"
SECRETARY = "村书记"
LEADERSHIP = "领导"
ROLES = (OFFICE, SECRETARY, LEADERSHIP)

# Apps whose records the roles work on.
DOMAIN_APPS = ("branches", "cadres", "training", "worktasks")

# Models a village secretary may add and change (their own drafts, through the portal).
SECRETARY_EDITABLE = {
    "branches.meeting",
    "branches.attendance",
    "branches.meetingattachment",
    "branches.talk",
    "branches.talkparticipant",
    "cadres.mentoringlog",
}


def role_permissions(Permission) -> dict[str, list]:
    domain = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)
    views = domain.filter(codename__startswith="view_")
    office = (
        list(domain)
        + list(
            Permission.objects.filter(
                content_type__app_label="accounts",
                codename__in=["view_personal_data", "view_user", "view_personaldataaccess"],
            )
        )
        # The audit trail: read-only for office staff (the admin refuses add/change/delete).
        + list(
            Permission.objects.filter(
                content_type__app_label="auditlog", codename__in=["view_logentry"]
            )
        )
    )
    secretary = list(views)
    for perm in domain.select_related("content_type"):
        label = f"{perm.content_type.app_label}.{perm.content_type.model}"
        if label in SECRETARY_EDITABLE and perm.codename.split("_", 1)[0] in ("add", "change"):
            secretary.append(perm)
    return {OFFICE: office, SECRETARY: secretary, LEADERSHIP: list(views)}


def sync_roles(sender=None, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    for name, perms in role_permissions(Permission.objects.db_manager(using).model).items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(perms)
