"""Walk the whole URLconf: one concrete, resolvable path per URL pattern.

Used by the tests that must cover every URL, including those added later: login required,
headers, personal data on pages, hostile input. Converters get sample values (``<int:pk>`` → 1);
regex patterns get a sample built from their groups (the first alternative of ``(a|b)``).
A pattern that cannot be sampled is reported, so a new kind of URL cannot slip through unseen.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLE_UUID = str(uuid.UUID(int=1))


@dataclass(frozen=True)
class Walked:
    path: str  # "/admin/branches/member/1/change/"
    name: str  # "admin:branches_member_change" ("" when unnamed)
    pattern: str  # the pattern text, for messages


def _converter_sample(converter, pk: int) -> str:
    if isinstance(converter, IntConverter):
        return str(pk)
    if isinstance(converter, UUIDConverter):
        return SAMPLE_UUID
    if isinstance(converter, SlugConverter):
        return "x"
    regex = getattr(converter, "regex", "[^/]+")
    for candidate in (str(pk), "x", "2024", "2024-01", SAMPLE_UUID):
        if re.fullmatch(regex, candidate):
            return candidate
    return str(pk)


def _route_sample(pattern: RoutePattern, pk: int) -> str:
    route = str(pattern._route)
    converters = pattern.converters

    def repl(match):
        name = match.group("name")
        return _converter_sample(converters[name], pk)

    return re.sub(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", repl, route)


def _group_end(regex: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(regex)


def _group_sample(body: str, pk: int) -> str:
    if body in (".*", ".+", "[^/]+", "[^/]*", "[-\\w]+", "[\\w-]+"):
        return "x"
    if body in ("\\d+", "[0-9]+"):
        return str(pk)
    alternatives = body.split("|")
    if all(re.fullmatch(r"[\w\-\.]+", alt) for alt in alternatives):
        return alternatives[0]
    return "x"


def _regex_sample(pattern: RegexPattern, pk: int) -> str:
    regex = pattern._regex
    regex = regex.removeprefix("^").removesuffix("\\Z").removesuffix("$")
    out = []
    i = 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            end = _group_end(regex, i)
            body = regex[regex.index(">", i) + 1 : end]
            out.append(_group_sample(body, pk))
            i = end + 1
        elif regex.startswith("(?:", i):
            end = _group_end(regex, i)
            out.append(_group_sample(regex[i + 3 : end], pk))
            i = end + 1
            if i < len(regex) and regex[i] in "?*":
                i += 1
        elif regex[i] == "\\" and i + 1 < len(regex):
            out.append(regex[i + 1])
            i += 2
        elif regex[i] in "?":
            i += 1
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _sample(pattern, pk: int) -> str:
    if isinstance(pattern, RoutePattern):
        return _route_sample(pattern, pk)
    if isinstance(pattern, RegexPattern):
        return _regex_sample(pattern, pk)
    return str(pattern)


def walk(pk: int = 1) -> tuple[list[Walked], list[str]]:
    """All URL patterns as concrete paths, and the patterns that could not be sampled."""
    found: list[Walked] = []
    unsampled: list[str] = []

    def visit(resolver: URLResolver, prefix: str, namespaces: list[str], text: str):
        for entry in resolver.url_patterns:
            sample = _sample(entry.pattern, pk)
            entry_text = text + str(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = [*namespaces, entry.namespace] if entry.namespace else namespaces
                visit(entry, prefix + sample, ns, entry_text)
            elif isinstance(entry, URLPattern):
                path = "/" + prefix + sample
                try:
                    resolve(path)
                except Resolver404:
                    unsampled.append(entry_text)
                    continue
                name = ":".join([*namespaces, entry.name]) if entry.name else ""
                found.append(Walked(path=path, name=name, pattern=entry_text))

    visit(get_resolver(), "", [], "")
    return found, unsampled


def is_public(path: str) -> bool:
    """Whether the view at ``path`` is marked ``login_not_required``."""
    func = resolve(path).func
    return getattr(func, "login_required", True) is False
