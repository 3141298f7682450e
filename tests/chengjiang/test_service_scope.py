"""Every writing service names its acting user (``by``, required) and refuses other scopes."""

from __future__ import annotations

import datetime
import importlib
import inspect

import pytest
from django.core.exceptions import ValidationError

from branches import services as branch_services
from chengjiang.access import MSG_OUT_OF_SCOPE

SERVICE_MODULES = (
    "branches.services",
    "cadres.services",
    "training.services",
    "chengjiang.worktasks.services",
    "chengjiang.services",
    "chengjiang.jobs.services",
)
# Functions of the service modules that write nothing (loaders, validators).
NOT_WRITES = {
    "load_sheet",
    "validate_tiers",
    "clash_message",
    "check_version",  # reads the stored row, writes nothing
    "meeting_checks",  # meeting_save's checks of one record (the bulk import's too), no write
    "loaded_foreign_keys",  # which relations of a record are loaded, no write
}


def _public_functions():
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        for attr, func in vars(module).items():
            if attr.startswith("_") or attr in NOT_WRITES or not inspect.isfunction(func):
                continue
            if func.__module__ != name:
                continue  # imported helpers
            yield f"{name}.{attr}", func


@pytest.mark.parametrize(
    "name,func", list(_public_functions()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_writing_service_requires_the_acting_user(name, func):
    parameter = inspect.signature(func).parameters.get("by")
    assert parameter is not None, f"{name} takes no acting user (by=)"
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
    assert parameter.default is inspect.Parameter.empty, f"{name}: by= must be required"


OUT = {str(MSG_OUT_OF_SCOPE), str(branch_services.MSG_OUT_OF_SCOPE)}


@pytest.fixture
def qq(demo_db):
    """A user of 青桥村 (secretary) and records of 花园村, outside that scope."""
    from types import SimpleNamespace

    from branches.models import Meeting, Member, Organization
    from cadres.models import Pairing, ReserveCadre, VillageGroup
    from training.models import TrainingClass

    user = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
    return SimpleNamespace(
        user=user.objects.get(username="qingqiao"),
        org=Organization.objects.get(name="中共澄江街道花园村委员会"),
        member=Member.objects.filter(branch__village__name="花园村").order_by("pk").first(),
        meeting=Meeting.objects.filter(organization__village__name="花园村").order_by("pk").first(),
        group=VillageGroup.objects.filter(village__name="花园村").order_by("pk").first(),
        cadre=ReserveCadre.objects.filter(village__name="花园村").order_by("pk").first(),
        pairing=Pairing.objects.filter(reserve_cadre__village__name="花园村")
        .order_by("pk")
        .first(),
        klass=TrainingClass.objects.filter(base__village__name="花园村").order_by("pk").first(),
    )


def _calls(qq):
    from cadres import services as cadres_services
    from training import services as training_services

    day = datetime.date(2024, 6, 1)
    return {
        "organization_rename": lambda: branch_services.organization_rename(
            organization=qq.org, name="改名", by=qq.user
        ),
        "party_groups_set_up": lambda: branch_services.party_groups_set_up(
            branch=qq.member.branch, names=["新组"], date=day, by=qq.user
        ),
        "member_save": lambda: branch_services.member_save(member=qq.member, by=qq.user),
        "meeting_save": lambda: branch_services.meeting_save(meeting=qq.meeting, by=qq.user),
        "group_save": lambda: cadres_services.group_save(group=qq.group, by=qq.user),
        "reserve_cadre_set_status": lambda: cadres_services.reserve_cadre_set_status(
            cadre=qq.cadre, status="left", since=day, by=qq.user
        ),
        "mentoring_log_add": lambda: cadres_services.mentoring_log_add(
            pairing=qq.pairing, date=qq.pairing.started_on, content="越权", by=qq.user
        ),
        "class_save": lambda: training_services.class_save(training_class=qq.klass, by=qq.user),
    }


@pytest.mark.parametrize(
    "service",
    [
        "organization_rename",
        "party_groups_set_up",
        "member_save",
        "meeting_save",
        "group_save",
        "reserve_cadre_set_status",
        "mentoring_log_add",
        "class_save",
    ],
)
def test_a_service_refuses_a_write_outside_the_users_scope(qq, service):
    with pytest.raises(ValidationError) as exc:
        _calls(qq)[service]()
    assert set(exc.value.messages) & OUT


def _service_calls() -> dict[str, set[str]]:
    """{function name: names it calls} over every service module (one namespace: the names of
    public services do not repeat across modules)."""
    import ast

    calls: dict[str, set[str]] = {}
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                called = calls.setdefault(node.name, set())
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call):
                        func = sub.func
                        called.add(getattr(func, "id", None) or getattr(func, "attr", ""))
    return calls


def test_every_writing_service_checks_the_write_scope():
    """The write-side scope check is not opt-in: every public writing service calls
    ``access.check_write_scope`` itself or through another service or helper that does."""
    from chengjiang.importexport import ScopedResourceMixin

    calls = _service_calls()
    checks = {"check_write_scope"}
    # an import writes each row through its resource's do_instance_save, which checks the scope
    # (the shared one does; an app's own calls that app's service)
    assert "check_write_scope(" in inspect.getsource(ScopedResourceMixin.do_instance_save)
    checks.add("import_data")
    changed = True
    while changed:
        changed = False
        for func, called in calls.items():
            if func not in checks and called & checks:
                checks.add(func)
                changed = True
    missing = [name for name, _func in _public_functions() if name.rsplit(".", 1)[1] not in checks]
    assert not missing, missing
