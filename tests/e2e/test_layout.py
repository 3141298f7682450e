"""Phone-first checks on every portal page the 花园村 secretary can reach, at 375 px.

The pages are found by walking the links from the home page (one page per URL shape, e.g. one
meeting detail for all of /meetings/<id>/), plus the second step of the new-record forms. On
each page, at 375 × 812: nothing overflows horizontally; interactive controls (buttons, inputs,
selects, links in a nav, summaries) are at least 44 px high (a checkbox counts with its label);
every input has a label; headings go down one level at a time; date fields are native date
inputs. Every page is also opened at the desk (the watcher's checks); with E2E_SCREENSHOTS=1 both
are photographed (e2e-artifacts/layout/). The findings are written to
e2e-artifacts/layout/findings.txt as well as into the failure.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from branches.models import Organization

from .helpers import open_menu

pytestmark = pytest.mark.e2e

WIDTH = 375
MIN_TARGET = 44
MAX_PAGES = 24
SKIP = re.compile(
    r"^/(admin|static|media|accounts/logout|qr\.svg|attachments|healthz)"
    r"|/dashboard/evidence/|\.(docx|xlsx|csv|pdf|png|jpg|svg)$"
)

CHECKS = """() => {
  const W = %(width)d, MIN = %(min)d;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim())
      s += "." + el.className.trim().split(/\\s+/).join(".");
    if (el.getAttribute("name")) s += "[name=" + el.getAttribute("name") + "]";
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    return text ? s + ' "' + text.slice(0, 24).replace(/\\s+/g, " ") + '"' : s;
  };
  const shown = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== "hidden" && s.display !== "none";
  };
  const out = [];

  const width = document.documentElement.scrollWidth;
  if (width > W) {
    const wide = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.right > W + 1 && r.width > 0 && shown(el)
          && !(el.parentElement && el.parentElement.getBoundingClientRect().right > W + 1))
        wide.push(describe(el) + " (right edge " + Math.round(r.right) + " px)");
    }
    out.push("overflow: the page is " + width + " px wide; sticking out: "
             + wide.slice(0, 4).join("; "));
  }

  const controls = document.querySelectorAll(
    "button, input:not([type=hidden]), select, textarea, a.btn, nav a, summary, [role=button]");
  for (const el of controls) {
    if (!shown(el)) continue;
    let r = el.getBoundingClientRect(), top = r.top, bottom = r.bottom;
    if (el.type === "checkbox" || el.type === "radio") {
      for (const label of el.labels || []) {
        const l = label.getBoundingClientRect();
        top = Math.min(top, l.top); bottom = Math.max(bottom, l.bottom);
      }
    }
    if (bottom - top < MIN - 0.5)
      out.push("small target: " + describe(el) + " is " + Math.round(bottom - top) + " px high");
  }

  const fields = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset])"
    + ":not([type=image]), select, textarea");
  for (const el of fields) {
    let name = (el.getAttribute("aria-label") || "").trim();
    const by = el.getAttribute("aria-labelledby");
    if (!name && by) name = by.split(/\\s+/).map((id) => {
      const t = document.getElementById(id); return t ? t.textContent.trim() : ""; }).join(" ");
    if (!name) name = [...(el.labels || [])].map((l) => l.textContent.trim()).join(" ");
    if (!name) name = (el.getAttribute("title") || "").trim();
    if (!name) out.push("no label: " + describe(el));
    const field = el.getAttribute("name") || "";
    if (el.tagName === "INPUT" && /(^|_)(date|on)$|^date_/.test(field) && el.type !== "date")
      out.push("not a native date input: " + describe(el) + " is type=" + el.type);
  }

  const seen = {1: false, 2: false, 3: false, 4: false, 5: false, 6: false};
  const heads = document.querySelectorAll("h1, h2, h3, h4, h5, h6");
  if (![...heads].some((h) => h.tagName === "H1")) out.push("headings: the page has no h1");
  for (const h of heads) {
    const level = Number(h.tagName[1]);
    if (level > 1 && !seen[level - 1])
      out.push("headings: " + describe(h) + " comes without an h" + (level - 1) + " before it");
    seen[level] = true;
  }
  return out;
}""" % {"width": WIDTH, "min": MIN_TARGET}


def shape(path: str) -> str:
    """One page per URL shape: ids become N; only ?organization= is kept (a form's step 2)."""
    parts = urlsplit(path)
    key = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    key = re.sub(r"/measure/[^/]+/", "/measure/K/", key)
    if parts.path.endswith("/new/") and "organization" in parse_qs(parts.query):
        key += "?organization"
    return key


def collapse(problems: list[str]) -> list[str]:
    """Rows of the same control (present_12, present_8 …) as one line with a count."""
    keys = []
    for p in problems:
        p = re.sub(r"(#id_\w+?_)\d+", r"\1N", p)
        p = re.sub(r"_\d+\]", "_N]", p)
        keys.append(re.sub(r' "(\d+|on)"', "", p))
    counts = {k: keys.count(k) for k in keys}
    return [k if n == 1 else f"{k} (×{n})" for k, n in counts.items()]


def step_name(index: int, path: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", shape(path).lower()).strip("-") or "home"
    return f"{index:02d}-{slug}"


def links(screen) -> list[str]:
    hrefs = screen.page.eval_on_selector_all(
        "a[href]", "(as) => as.map((a) => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        if href.startswith("http"):
            if not href.startswith(screen.base_url):
                continue
            href = href[len(screen.base_url) :]
        if not href.startswith("/"):
            continue  # ?page=2 and friends: same shape as their page
        parts = urlsplit(href)
        keep = parts.path.endswith("/new/") and "organization" in parse_qs(parts.query)
        path = parts.path + (f"?{parts.query}" if keep else "")
        if not SKIP.search(parts.path):
            found.append(path)
    return found


def test_secretary_pages_at_phone_width(phone, desktop):
    phone.login("huayuan")
    desktop.login("huayuan")
    group = Organization.objects.get(name="花园村第一党支部第一党小组")
    branch = Organization.objects.get(name="花园村第一党支部")
    queue = [
        "/",
        "/meetings/",
        "/meetings/new/",
        f"/meetings/new/?organization={group.pk}",
        "/talks/",
        "/talks/new/",
        f"/talks/new/?organization={branch.pk}",
    ]
    seen: set[str] = set()
    findings: dict[str, list[str]] = {}
    visited = 0
    icon = None
    while queue and visited < MAX_PAGES:
        path = queue.pop(0)
        if shape(path) in seen:
            continue
        seen.add(shape(path))
        response = phone.goto(path)
        final = phone.path()
        if response is None or response.status != 200 or shape(final) in seen - {shape(path)}:
            continue  # a redirect to a page already checked (e.g. edit of a submitted record)
        visited += 1
        name = step_name(visited, final)
        phone.shot(name)
        open_menu(phone)
        problems = phone.page.evaluate(CHECKS)
        if icon is None:
            icon = phone.page.locator("link[rel~=icon]").count() > 0
        if problems:
            findings[final] = collapse(problems)
        queue += [p for p in links(phone) if shape(p) not in seen]
        desktop.goto(final)
        desktop.shot(name)

    assert visited >= 5, f"only {visited} portal pages were reachable from the home page"
    # what every page shows comes from templates/base.html: say it once
    common = [
        p for p in next(iter(findings.values()), []) if all(p in f for f in findings.values())
    ]
    if len(findings) < visited:
        common = []
    pages = {k: [p for p in v if p not in common] for k, v in findings.items()}
    pages = {k: v for k, v in pages.items() if v}
    if not icon:
        common.append(
            "no <link rel=icon> in templates/base.html: browsers fetch /favicon.ico, a 404"
        )
    if common:
        pages = {"(every page: templates/base.html)": common, **pages}
    report = "\n".join(
        f"{page}\n" + "\n".join(f"  - {p}" for p in problems) for page, problems in pages.items()
    )
    (phone.folder / "findings.txt").write_text(
        f"{visited} pages checked at {WIDTH} px: {', '.join(sorted(seen))}\n\n{report or 'none'}\n",
        encoding="utf-8",
    )
    assert not pages, f"phone-layout findings ({visited} pages checked):\n{report}"
