"""The allowance sheet survives hostile input: a bad 期间 is a Chinese form error (not 404, not
500), and stored text with control characters (Word's vertical tab) still renders and exports."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from cadres.models import GroupLeader
from tests.cadres.conftest import village_records
from tests.cadres.factories import make_scale

pytestmark = pytest.mark.django_db

MSG = "请填写月份（如2024-10）或季度（如2024-Q4）。"


@pytest.mark.parametrize("code", ["9999-12", "0000-01", "2024-13", "2024-Q5", "x", "２０２４-10"])
@pytest.mark.parametrize("url", ["/cadres/allowances/", "/cadres/allowances.xlsx"])
def test_bad_period_is_a_chinese_form_error(login, users, url, code):
    response = login(users.office).get(url, {"period": code})
    assert response.status_code == 400
    page = response.content.decode()
    assert MSG in page
    assert f'value="{code}"' in page  # what was typed is shown again


@pytest.mark.parametrize("role", ["office", "sec_a"])
def test_control_characters_in_a_stored_name_do_not_break_the_sheet(login, users, tree, role):
    make_scale()
    village_records(tree.va)
    leader = GroupLeader.objects.filter(group__village=tree.va).first()
    GroupLeader.objects.filter(pk=leader.pk).update(name="张\v三\x00")  # stored before cleaning
    client = login(getattr(users, role))
    page = client.get("/cadres/allowances/", {"period": "2024-10"})
    assert page.status_code == 200
    response = client.get("/cadres/allowances.xlsx", {"period": "2024-10"})
    assert response.status_code == 200
    cells = [c.value for row in load_workbook(BytesIO(response.content)).active for c in row]
    assert "张\n三" in cells
