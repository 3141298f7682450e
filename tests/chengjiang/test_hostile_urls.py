"""Every portal URL with hostile path ids and query values answers a page, a redirect, a form
error or 404 — never a server error. The URLs are walked from the URLconf (urlwalk.py), so a
new page is covered the day it is added; the parameter names are every name a view reads."""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.http import QueryDict

from .trust_data import candidate_pks, open_pages
from .trust_data import rich as rich_fixture
from .urlwalk import walk

rich = rich_fixture
ROOT = str(Path(__file__).resolve().parents[2])

# Every query parameter a portal view reads (grep request.GET); extra names cost nothing.
PARAMS = [
    "date", "month", "year", "period", "org", "organization", "village", "page", "base",
    "facility", "view", "mode", "all", "next", "kind", "status", "q", "from", "to", "member",
    "branch", "key", "show",
]  # fmt: skip
HOSTILE_VALUES = [
    "0",
    "-1",
    "9999-12-31",
    "0001-01-01",
    "9999-12",
    "0000-00",
    "2024-13",
    "2024-Q9",
    "99999-Q1",
    "0000-Q1",
    "10000-01-01",
    "2024-02-30",
    "999999999999999999999",
    "-999999999999999999999",
    "1e309",
    "NaN",
    "１２",
    "x\x00y",
    "\ud800",
    "'; DROP TABLE x; --",
    "<script>",
    "9" * 400,
    "[]",
]
HOSTILE_IDS = ["0", "99999", "999999999999999999999", "9223372036854775808"]


def _query(params: dict[str, str]) -> str:
    # surrogatepass: a lone surrogate arrives as the invalid UTF-8 bytes a browser could send
    return "&".join(f"{n}={quote(v, safe='', errors='surrogatepass')}" for n, v in params.items())


def _portal_paths():
    return [w for w in walk(pk=1)[0] if not w.name.startswith("admin:") and w.name != "logout"]


def _assert_no_500(client, url, failures):
    try:
        response = client.get(url)
    except Exception as exc:
        failures.append(f"{url!r}: raised {type(exc).__name__}: {exc}"[:300])
        return
    if response.status_code >= 500:
        failures.append(f"{url!r}: answered {response.status_code}")


@contextlib.contextmanager
def _reads(methods, *, own_code_only=False):
    """Record the query parameter names a view asks for through ``methods`` of QueryDict
    (``own_code_only``: only when the caller is the project's code, not Django's)."""
    names: set[str] = set()
    originals = {m: getattr(QueryDict, m) for m in methods}

    def spy(method):
        def wrapper(self, key, *args, **kwargs):
            caller = sys._getframe(1).f_code.co_filename
            if not own_code_only or (caller.startswith(ROOT) and "-packages" not in caller):
                names.add(key)
            return originals[method](self, key, *args, **kwargs)

        return wrapper

    for method in originals:
        setattr(QueryDict, method, spy(method))
    try:
        yield names
    finally:
        for method, original in originals.items():
            setattr(QueryDict, method, original)


def _names_read(client, path: str) -> set[str]:
    """The names the page at ``path`` reads: with no query (any access counts), and with every
    known name set (only the project's own reads count: Django's error page reads every key)."""
    with _reads(("get", "__getitem__", "__contains__", "getlist")) as bare:
        client.get(path)
    with _reads(("get", "__getitem__", "__contains__", "getlist"), own_code_only=True) as filled:
        client.get(f"{path}?{_query(dict.fromkeys(PARAMS, '1'))}")
    return {n for n in bare | filled if isinstance(n, str) and n != "csrfmiddlewaretoken"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["office", "sec_a"])
def test_hostile_query_values_never_answer_500(login, users, tree, rich, role):
    client = login(getattr(users, role))
    client.raise_request_exception = True
    failures: list[str] = []
    pages = [
        w.path for w, r in open_pages(client, candidate_pks(tree, rich)) if r.status_code < 400
    ]
    for path in pages:
        names = sorted(_names_read(client, path))
        if not names:
            continue
        for value in HOSTILE_VALUES:
            # all names at once, then each name alone (one bad name must not hide another)
            _assert_no_500(client, f"{path}?{_query(dict.fromkeys(names, value))}", failures)
            if len(names) > 1:
                for name in names:
                    _assert_no_500(client, f"{path}?{_query({name: value})}", failures)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_hostile_path_ids_never_answer_500(login, users, tree, rich):
    client = login(users.office)
    client.raise_request_exception = True
    failures: list[str] = []
    for walked in _portal_paths():
        if not re.search(r"/1(/|\.|$)", walked.path):
            continue
        for bad in HOSTILE_IDS:
            path = re.sub(r"/1(?=/|\.|$)", f"/{bad}", walked.path)
            _assert_no_500(client, path, failures)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/reports/0/",
        "/reports/99999/summary.docx",
        "/reports/0/progress.xlsx",
        "/reports/99999/edit/",
        "/training/?date=9999-12-31",
        "/training/?date=0001-01-01&view=week",
        "/dashboard/measure/branches.meetings/?month=999999999999999999999",
        "/dashboard/measure/branches.meetings/?month=13",
        "/dashboard/?org=999999999999999999999",
        "/cadres/groups/?date=9999-12-31",
    ],
)
def test_named_hostile_urls_answer_404_or_page(login, users, tree, url):
    client = login(users.office)
    response = client.get(url)
    assert response.status_code in (200, 302, 404), (url, response.status_code)


@pytest.mark.django_db
def test_names_read_are_discovered(login, users, tree):
    client = login(users.office)
    assert {"date", "view", "base", "facility"} <= _names_read(client, "/training/")
    assert "period" in _names_read(client, "/cadres/allowances/")
