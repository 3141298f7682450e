"""A member's dates are plausible (defect H4): nobody was born after today, nobody joined the
Party before being born or before turning 18 (党章第一条: 年满十八岁), nobody was confirmed
(转正) before joining. The rules are the model's ``clean``, so the admin, the services, the
one-row import and the bulk import all refuse the same records with the same messages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branches import services
from branches.models import (
    MSG_BORN_IN_FUTURE,
    MSG_JOINED_BEFORE_BORN,
    MSG_JOINED_UNDER_18,
    Member,
)
from branches.resources import MemberResource
from chengjiang.access import SYSTEM
from chengjiang.bulkimport import import_rows
from chengjiang.importexport import row_reasons
from tests.branches.test_import_members import xlsx_dataset
from tests.chengjiang.test_bulk_import import MEMBER_HEADERS, xlsx
from tests.factories import MemberFactory, valid_id_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chinese")]
D = datetime.date

# The records of the defect report.
FUTURE_ID, FUTURE_BIRTH = "341802203001011234", D(2030, 1, 1)
ID_1974, BIRTH_1974 = "341802197404241239", D(1974, 4, 24)


def _member(tree, *, born, joined, id_number=None, **kwargs) -> Member:
    return Member(
        name="测试党员",
        gender="M",
        birth_date=born,
        id_number=id_number or valid_id_number(born),
        joined_on=joined,
        branch=tree.a1,
        **kwargs,
    )


def _refusals(member) -> dict:
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    return exc.value.message_dict


def _under_18(eighteen: D) -> str:
    return str(MSG_JOINED_UNDER_18 % {"date": eighteen.isoformat()})


# --- the model ---------------------------------------------------------------------------------


def test_a_birth_date_in_the_future_is_refused_even_when_the_id_number_agrees(tree):
    errors = _refusals(_member(tree, born=FUTURE_BIRTH, id_number=FUTURE_ID, joined=D(2020, 7, 1)))
    assert errors["birth_date"] == [str(MSG_BORN_IN_FUTURE)]
    # the joining date is not judged against a birth date that is itself refused
    assert "joined_on" not in errors


def test_the_birth_date_is_judged_by_the_local_date(tree):
    today = timezone.localdate()
    tomorrow = _member(tree, born=today + datetime.timedelta(days=1), joined=D(2020, 7, 1))
    assert _refusals(tomorrow)["birth_date"] == [str(MSG_BORN_IN_FUTURE)]
    born_today = _member(tree, born=today, joined=D(2020, 7, 1))
    assert "birth_date" not in _refusals(born_today)  # refused for joining, not for birth


def test_joining_before_birth_is_refused(tree):
    errors = _refusals(_member(tree, born=BIRTH_1974, id_number=ID_1974, joined=D(1960, 5, 1)))
    assert errors == {"joined_on": [str(MSG_JOINED_BEFORE_BORN)]}


def test_joining_at_six_is_refused(tree):
    errors = _refusals(_member(tree, born=BIRTH_1974, id_number=ID_1974, joined=D(1980, 5, 1)))
    assert errors == {"joined_on": [_under_18(D(1992, 4, 24))]}


def test_joining_on_the_eighteenth_birthday_is_accepted_the_day_before_is_not(tree):
    _member(tree, born=BIRTH_1974, id_number=ID_1974, joined=D(1992, 4, 24)).full_clean()
    errors = _refusals(_member(tree, born=BIRTH_1974, id_number=ID_1974, joined=D(1992, 4, 23)))
    assert errors == {"joined_on": [_under_18(D(1992, 4, 24))]}


def test_one_born_on_29_february_is_18_on_28_february(tree):
    born = D(2000, 2, 29)
    _member(tree, born=born, joined=D(2018, 2, 28)).full_clean()
    errors = _refusals(_member(tree, born=born, joined=D(2018, 2, 27)))
    assert errors == {"joined_on": [_under_18(D(2018, 2, 28))]}


def test_a_confirmation_before_joining_is_refused(tree):
    member = _member(tree, born=D(1980, 1, 1), joined=D(2010, 7, 1), confirmed_on=D(2010, 6, 30))
    assert _refusals(member) == {
        "confirmed_on": ["转正日期不能早于入党日期。"],
    }


def test_the_service_refuses_and_writes_nothing(tree):
    before = Member.objects.count()
    member = _member(tree, born=BIRTH_1974, id_number=ID_1974, joined=D(1980, 5, 1))
    with pytest.raises(ValidationError) as exc:
        services.member_save(member=member, by=SYSTEM)
    assert exc.value.message_dict["joined_on"] == [_under_18(D(1992, 4, 24))]
    assert Member.objects.count() == before


def test_the_factories_build_valid_members(tree):
    MemberFactory.build(branch=tree.a1).full_clean(validate_unique=False)


# --- the admin ---------------------------------------------------------------------------------


def _admin_data(form, **changes) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = value
    data.update(changes)
    data["_save"] = "保存"
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"birth_date": "2030-01-01", "id_number": FUTURE_ID},
            "birth_date",
            "出生日期不能晚于今天。",
        ),
        (
            {"birth_date": "1974-04-24", "id_number": ID_1974, "joined_on": "1960-05-01"},
            "joined_on",
            "入党日期不能早于出生日期。",
        ),
        (
            {"birth_date": "1974-04-24", "id_number": ID_1974, "joined_on": "1980-05-01"},
            "joined_on",
            "入党时须年满18周岁",
        ),
    ],
)
def test_the_admin_change_page_shows_the_reason_and_keeps_what_was_typed(
    login, users, tree, changes, field, message
):
    member = tree.a_members[0]
    url = reverse("admin:branches_member_change", args=[member.pk])
    client = login(users.office)
    form = client.get(url).context["adminform"].form
    assert "id_number" in form.fields  # the office holds the personal-data permission
    response = client.post(url, _admin_data(form, **changes))
    assert response.status_code == 200
    refused = response.context["adminform"].form
    assert any(message in e for e in refused.errors[field]), refused.errors
    page = response.content.decode()
    for value in changes.values():
        assert f'value="{value}"' in page
    stored = Member.objects.get(pk=member.pk)
    assert (stored.birth_date, stored.joined_on) == (member.birth_date, member.joined_on)


# --- imports -----------------------------------------------------------------------------------


def _row(name, born, id_number, joined):
    return [name, "M", born, id_number, "13800001234", "", "formal", joined, "花园村第一党支部", ""]


BAD_ROWS = [
    _row("未来", FUTURE_BIRTH, FUTURE_ID, D(2020, 7, 1)),
    _row("早入", BIRTH_1974, ID_1974, D(1960, 5, 1)),
    _row("六岁", BIRTH_1974, "341802197404241255", D(1980, 5, 1)),  # another valid number
]
EXPECTED = [
    ("第 2 行", "出生日期不能晚于今天。"),
    ("第 3 行", "入党日期不能早于出生日期。"),
    ("第 4 行", "入党时须年满18周岁"),
]


def test_the_one_row_import_names_each_row_and_its_reason(tree, users):
    before = Member.objects.count()
    result = MemberResource(user=users.office).import_data(xlsx_dataset(BAD_ROWS))
    lines = row_reasons(result)
    assert len(lines) == 3, lines
    for line, (row, reason) in zip(lines, EXPECTED, strict=True):
        assert line.startswith(row) and reason in line, lines
    assert Member.objects.count() == before


def test_the_bulk_import_names_each_row_and_its_reason(tree, users):
    data = xlsx(MEMBER_HEADERS, [[*r[:6], "正式党员", *r[7:]] for r in BAD_ROWS])
    result = import_rows(MemberResource, data, by=users.office, dry_run=False, name="m.xlsx")
    lines = result.lines()
    assert len(lines) == 3, lines
    for line, (row, reason) in zip(lines, EXPECTED, strict=True):
        assert line.startswith(row) and reason in line, lines
    assert not result.written


# --- the demo ----------------------------------------------------------------------------------


def test_every_demo_member_passes_the_date_rules(demo_db):
    members = Member.objects.select_related("branch", "group")
    assert members.exists()
    for member in members:
        member.clean()
