"""The cadres catalogue is fully filled and compiled; the pages speak Chinese."""

import re
from pathlib import Path

from django.urls import reverse
from django.utils import translation

import cadres
from cadres.models import Candidate, Pairing

LOCALE = Path(cadres.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_msgstr_is_filled_and_none_is_fuzzy():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    assert entries
    for entry in entries:
        assert "#, fuzzy" not in entry
        assert re.search(r'msgstr(\[0\])? "(?!")', entry), entry
    assert (LOCALE / "django.mo").stat().st_mtime >= (LOCALE / "django.po").stat().st_mtime - 5


def test_labels_are_chinese():
    with translation.override("zh-hans"):
        assert str(Pairing.Mode.MANY_TO_ONE.label) == "多对一"
        assert str(Candidate._meta.get_field("lives_locally").verbose_name) == "长期在家"
        assert str(Candidate._meta.verbose_name) == "候选人"


def test_home_page_in_chinese(users, login):
    html = login(users.office).get(reverse("cadres:home")).content.decode()
    assert "队伍建设" in html and "结对帮带" in html
