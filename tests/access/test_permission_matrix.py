"""The permission matrix: every URL × every role × in scope and out of scope.

The demo is loaded once (花园村 is "in scope" for its secretary, 青桥村 is not). Every URL pattern
of the portal must have an entry in SPECS (when it takes arguments) so that a new page cannot
escape the matrix; every model registered in the admin is checked through its changelist, add,
change, history and delete views. All failing cells are collected and reported together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from chengjiang.access import SYSTEM
from chengjiang.accounts import roles

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# Pages that answer without login.
PUBLIC = {"healthz", "login"}
# Patterns the matrix does not walk, with the reason.
SKIPPED = {
    "logout": "POST-only, ends the session",
    "qr_code": "needs ?next=, covered in test_qr_code.py",
}

OFFICE, SECRETARY = "office", "secretary"


@dataclass(frozen=True)
class Spec:
    """How a URL is filled and who may write through it.

    ``find(ctx, village)`` gives the URL's kwargs for an object of that village ("a" = 花园村, in
    the secretary's scope; "b" = 青桥村, outside it), or None for URLs without arguments.
    ``writers`` is None for read-only pages; otherwise the roles allowed to write.
    ``scoped`` says whether the object belongs to a village (out of scope answers 404).
    """

    find: Callable | None = None
    writers: frozenset | None = None
    scoped: bool = True


def _first(model_path: str, **filters):
    def find(ctx, village):
        from django.apps import apps

        model = apps.get_model(model_path)
        obj = model.objects.within(ctx["orgs"][village].path).filter(**filters)
        obj = obj.order_by("pk").first()
        return None if obj is None else {"pk": obj.pk}

    return find


def _fixed(**kwargs):
    return lambda ctx, village: kwargs


READ = Spec()
BOTH = frozenset({OFFICE, SECRETARY})
ONLY_OFFICE = frozenset({OFFICE})
DRAFT = {"status__in": ["draft", "returned"]}

SPECS = {
    # branches: the secretaries' portal
    "branches:meeting_create": Spec(writers=BOTH),
    "branches:talk_create": Spec(writers=BOTH),
    "branches:meeting_detail": Spec(_first("branches.Meeting")),
    "branches:meeting_edit": Spec(_first("branches.Meeting", **DRAFT), BOTH),
    "branches:meeting_submit": Spec(_first("branches.Meeting", **DRAFT), BOTH),
    "branches:talk_detail": Spec(_first("branches.Talk")),
    "branches:talk_edit": Spec(_first("branches.Talk", **DRAFT), BOTH),
    "branches:talk_submit": Spec(_first("branches.Talk", **DRAFT), BOTH),
    "branches:meeting_approve": Spec(_first("branches.Meeting"), ONLY_OFFICE),
    "branches:meeting_return": Spec(_first("branches.Meeting"), ONLY_OFFICE),
    "branches:talk_approve": Spec(_first("branches.Talk"), ONLY_OFFICE),
    "branches:talk_return": Spec(_first("branches.Talk"), ONLY_OFFICE),
    "branches:attachment_download": Spec(_first("branches.MeetingAttachment")),
    # cadres: read-only for secretaries, but for their mentoring log
    "cadres:group_detail": Spec(_first("cadres.VillageGroup")),
    "cadres:reserve_detail": Spec(_first("cadres.ReserveCadre")),
    "cadres:pairing_detail": Spec(_first("cadres.Pairing")),
    "cadres:pairing_log_add": Spec(_first("cadres.Pairing"), BOTH),
    # training: bookings and attendance by the office
    "training:class_detail": Spec(_first("training.TrainingClass")),
    "training:session_book": Spec(_first("training.TrainingClass"), ONLY_OFFICE),
    "training:session_attendance": Spec(_first("training.Session"), ONLY_OFFICE),
    # worktasks: dashboards and reports; the office edits wording, tasks and imports
    "worktasks:drilldown": Spec(_fixed(key="branches.meetings"), scoped=False),
    "worktasks:import": Spec(writers=ONLY_OFFICE),
    "worktasks:task_manual": Spec(_first("worktasks.Task", measure_key=""), ONLY_OFFICE),
    "worktasks:evidence_download": Spec(_first("worktasks.Evidence")),
    "worktasks:report": Spec(_fixed(year=2024), scoped=False),
    "worktasks:report_edit": Spec(_fixed(year=2024), ONLY_OFFICE, scoped=False),
    "worktasks:report_docx": Spec(_fixed(year=2024), scoped=False),
    "worktasks:progress_xlsx": Spec(_fixed(year=2024), scoped=False),
    # jobs: seen within the starter's organisation's scope; started through jobs:start (POST)
    "jobs:detail": Spec(_first("jobs.Job")),
    "jobs:status": Spec(_first("jobs.Job")),
    "jobs:download": Spec(_first("jobs.Job")),
}


@dataclass
class Cell:
    url: str
    who: str
    method: str
    got: int
    expected: str

    def __str__(self):
        return f"{self.method} {self.url} as {self.who}: got {self.got}, expected {self.expected}"


def _walk(resolver=None, prefix="", ns=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            sub_ns = ns
            if p.namespace:
                sub_ns = f"{ns}{p.namespace}:"
            yield from _walk(p, prefix + str(p.pattern), sub_ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}{p.name}", prefix + str(p.pattern), p


def portal_names():
    """Portal URL names the matrix can fill (argument-taking ones need an OBJECTS entry)."""
    names = []
    for name, route, _p in _walk():
        if name.startswith("admin:") or name.split(":")[-1] in PUBLIC | set(SKIPPED):
            continue
        if "<" in route and name not in SPECS:
            continue  # reported by test_every_portal_url_with_arguments_is_in_the_matrix
        names.append(name)
    return sorted(set(names))


@pytest.fixture
def demo(demo_db):
    from branches.models import Meeting, Organization, Talk
    from branches.services import AttendanceLine, TalkPerson, meeting_save, talk_save
    from chengjiang.worktasks.models import Checklist, Task
    from chengjiang.worktasks.services import evidence_add, task_save

    orgs = {
        "a": Organization.objects.get(name="中共澄江街道花园村委员会"),
        "b": Organization.objects.get(name="中共澄江街道青桥村总支部委员会"),
    }
    # Draft records in both villages (the demo's talks are all approved).
    for key in ("a", "b"):
        branch = Organization.objects.within(orgs[key].path).filter(kind="branch").first()
        member = branch.members.first()
        talk_save(
            talk=Talk(
                organization=branch, held_on="2024-06-01", talker=member, topic="矩阵测试谈话"
            ),
            participants=[TalkPerson(name="群众")],
            by=SYSTEM,
        )
        meeting = meeting_save(
            meeting=Meeting(
                kind="branch_committee",
                organization=branch,
                held_on="2024-06-02",
                topic="矩阵测试会议",
            ),
            attendance=[AttendanceLine(member=member)],
            attachments=[SimpleUploadedFile("photo.png", PNG, content_type="image/png")],
            by=SYSTEM,
        )
        assert meeting.attachments.count() == 1
        # A manual checklist task of the village, with a piece of evidence.
        task = task_save(
            task=Task(
                checklist=Checklist.objects.get(year=2024),
                number={"a": 91, "b": 92}[key],
                line="organization",
                title="矩阵测试任务",
                responsible=orgs[key],
                deadline="2024-12-31",
                manual_status="in_progress",
            ),
            by=SYSTEM,
        )
        evidence_add(
            task=task, upload=SimpleUploadedFile("e.png", PNG), description="证明", by=SYSTEM
        )
        # A finished job with its file, started in the village.
        from django.core.files.base import ContentFile

        from chengjiang.jobs.models import Job

        job = Job(organization=orgs[key], kind="export", status="done", done=1, total=1)
        job.result_file.save("r.csv", ContentFile(b"a\n"), save=False)
        job.result_name, job.result_type = "r.csv", "text/csv"
        job.save()
    User = get_user_model()
    office_a = User.objects.create_user(
        "office_a", password="x-Long-pass-1", is_staff=True, organization=orgs["a"]
    )
    office_a.groups.add(Group.objects.get(name=roles.OFFICE))
    users = {u.username: u for u in User.objects.all()}
    return {"orgs": orgs, "users": users}


def _client(user):
    c = Client()
    if user is not None:
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def _url(name, spec, village, ctx):
    if spec.find is None:
        return reverse(name)
    kwargs = spec.find(ctx, village)
    return None if kwargs is None else reverse(name, kwargs=kwargs)


def test_every_portal_url_with_arguments_is_in_the_matrix():
    missing = []
    for name, route, _p in _walk():
        if name.startswith("admin:") or name.split(":")[-1] in PUBLIC | set(SKIPPED):
            continue
        if "<" in route and name not in SPECS:
            missing.append(f"{name} ({route})")
    assert not missing, "add these URL patterns to SPECS: " + ", ".join(missing)


def _expected(role, spec):
    """What a role should get for village A's object (in scope for huayuan, not qingqiao)."""
    if role == "anonymous":
        return "login"
    kind = {"office": OFFICE, "leader": "leader"}.get(role, SECRETARY)
    if role == "qingqiao" and spec.find is not None and spec.scoped:
        return "403/404"  # out of scope: nothing revealed (403 when the role may not write anyway)
    if spec.writers is None:
        return "200"
    return "allowed" if kind in spec.writers else "403"


def _ok(expected, response):
    code = response.status_code
    if expected == "login":
        return code == 302 and "/accounts/login/" in response["Location"]
    if expected == "200":
        return code == 200
    if expected == "403":
        return code == 403
    if expected == "403/404":
        return code in (403, 404)
    return code not in (403, 404) and code < 500


def _portal_failures(demo) -> list:
    users = demo["users"]
    who = {
        "anonymous": None,
        "office": users["office"],
        "huayuan": users["huayuan"],
        "qingqiao": users["qingqiao"],
        "leader": users["leader"],
    }
    clients = {k: _client(u) for k, u in who.items()}
    failures: list[Cell] = []
    checked = 0
    for name in portal_names():
        spec = SPECS.get(name, READ)
        url_a = _url(name, spec, "a", demo)
        if url_a is None:
            failures.append(Cell(name, "-", "-", 0, "an in-scope object to test with"))
            continue
        methods = ("GET", "POST") if spec.writers is not None else ("GET",)
        for role, client in clients.items():
            for method in methods:
                response = getattr(client, method.lower())(url_a)
                checked += 1
                if response.status_code == 405 and role != "anonymous" and method == "GET":
                    continue  # a POST-only action: GET reveals nothing
                expected = _expected(role, spec)
                if not _ok(expected, response):
                    failures.append(Cell(url_a, role, method, response.status_code, expected))
    assert checked > 100
    return [str(f) for f in failures]


def _admin_urls(model, obj):
    info = (model._meta.app_label, model._meta.model_name)
    urls = {"changelist": reverse("admin:%s_%s_changelist" % info)}
    with contextlib.suppress(Exception):
        urls["add"] = reverse("admin:%s_%s_add" % info)
    if obj is not None:
        for view in ("change", "history", "delete"):
            urls[view] = reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk])
    return urls


def _scoped_object(model, path, *, not_in=None):
    """An object inside ``path``'s scope (and, with ``not_in``, outside that other scope)."""
    qs = model._default_manager.all()
    if not hasattr(qs, "within"):
        return None
    try:
        found = qs.within(path)
        if not_in is not None:
            found = found.exclude(pk__in=qs.within(not_in).values("pk"))
        return found.order_by("pk").first()
    except NotImplementedError:
        return None


def _admin_failures(demo) -> list:
    users = demo["users"]
    orgs = demo["orgs"]
    clients = {
        "anonymous": _client(None),
        "huayuan": _client(users["huayuan"]),
        "leader": _client(users["leader"]),
        "office": _client(users["office"]),
        "office_a": _client(users["office_a"]),
    }
    failures = []
    for model, _model_admin in admin.site._registry.items():
        if model._meta.app_label not in roles.DOMAIN_APPS:
            continue
        obj_a = _scoped_object(model, orgs["a"].path)
        obj_b = _scoped_object(model, orgs["b"].path, not_in=orgs["a"].path)
        for view, url in _admin_urls(model, obj_a).items():
            for role in ("anonymous", "huayuan", "leader"):
                r = clients[role].get(url)
                if not (r.status_code == 302 and "login/" in r["Location"]):
                    failures.append(f"GET {url} as {role}: {r.status_code}, expected admin login")
            for role in ("office", "office_a"):
                r = clients[role].get(url)
                if r.status_code not in (200, 302, 403):
                    failures.append(f"GET {url} as {role}: {r.status_code}")
                if view == "changelist" and r.status_code != 200:
                    failures.append(f"GET {url} as {role}: {r.status_code}, expected 200")
        if obj_b is not None:
            # 青桥村's object for a staff user scoped to 花园村: the admin's "does not exist".
            for view, url in _admin_urls(model, obj_b).items():
                if view in ("changelist", "add"):
                    continue
                r = clients["office_a"].get(url)
                if r.status_code not in (302, 403, 404):
                    failures.append(f"GET {url} as office_a (out of scope): {r.status_code}")
                elif r.status_code == 302 and "/admin/" not in r["Location"]:
                    failures.append(f"GET {url} as office_a: redirected to {r['Location']}")
    return failures


def test_permission_matrix(demo):
    """One demo load, both halves: the portal's URLs and the admin's views."""
    failures = _portal_failures(demo) + _admin_failures(demo)
    assert not failures, "\n".join(failures)
