"""Admin changelists stay readable at the desk (QA M4), checked on every changelist the office
reaches from the admin index, at 1366 px wide with the navigation sidebar and the filters open.

Chinese text can break after any character, so a table squeezed into its box gave its text
columns the width of one character (会议's 主题 was 42 px, rows 225 px tall). What must hold on
each list: a column whose text wraps is at least 5 em wide; headers, dates and short cells (up to
6 characters: numbers, a status, a name) keep to one line; no text spills out of its cell; a
table wider than its box scrolls inside the box (Django's ``#changelist .results``) and never
widens the page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

MIN_EM = 5
SHORT = 6
# the QA report's lists, which must be among the ones walked
NAMED = (
    "/admin/branches/meeting/",
    "/admin/branches/member/",
    "/admin/training/session/",
    "/admin/worktasks/task/",
    "/admin/cadres/groupmeeting/",
)

MEASURE = r"""([minEm, short]) => {
  const table = document.querySelector("#result_list");
  if (!table) return null;
  const box = table.closest(".results");
  const lines = (el) => {  // lines of text (text nodes only: padded boxes do not count)
    const bottoms = new Set();
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) if (r.width > 0) bottoms.add(Math.round(r.bottom));
    }
    return bottoms.size;
  };
  const text = (el) => (el.innerText || "").trim();
  const DATE = /^\d{4}(年\d{1,2}月\d{1,2}日|-\d\d-\d\d)( \d{1,2}:\d\d)?$/;
  const problems = [];
  const heads = [...table.querySelectorAll("thead th")];
  const rows = [...table.querySelectorAll("tbody tr")];
  heads.forEach((th, i) => {
    const label = th.querySelector(".text") || th;
    const name = text(label) || "#" + i;
    if (lines(label) > 1) problems.push(`header ${name} wraps`);
    const cells = rows.map((r) => r.children[i]).filter(Boolean);
    const em = cells.length ? parseFloat(getComputedStyle(cells[0]).fontSize) : 13;
    const width = th.getBoundingClientRect().width;
    const squeezed = cells.find((c) => lines(c) > 1);
    if (squeezed && width < minEm * em - 0.5)
      problems.push(`${name} is ${Math.round(width)} px wide (< ${minEm} em) and wraps`
                    + ` "${text(squeezed).slice(0, 20)}"`);
    const wrapped = cells.find((c) => (text(c).length <= short || DATE.test(text(c)))
                                      && lines(c) > 1);
    if (wrapped) problems.push(`${name}: short cell "${text(wrapped)}" wraps`);
    const spilling = cells.find((c) => c.scrollWidth > c.clientWidth + 1);
    if (spilling) problems.push(`${name}: "${text(spilling).slice(0, 20)}" spills out of its cell`);
  });
  const overflowX = getComputedStyle(box).overflowX;
  if (box.scrollWidth > box.clientWidth + 1 && !["auto", "scroll"].includes(overflowX))
    problems.push(`table ${box.scrollWidth} px is cut off in its ${box.clientWidth} px box`);
  if (table.getBoundingClientRect().width > box.clientWidth + 1
      && box.scrollWidth <= box.clientWidth + 1)
    problems.push("table wider than its box, which does not scroll");
  if (document.documentElement.scrollWidth > window.innerWidth)
    problems.push(`page is ${document.documentElement.scrollWidth} px wide`);
  return {problems, table: Math.round(table.getBoundingClientRect().width),
          box: box.clientWidth, scroll: box.scrollWidth};
}"""


def test_changelist_columns_are_readable_at_the_desk(desktop):
    office, page = desktop, desktop.page
    office.login("office", next_path="/admin/")
    lists = page.eval_on_selector_all(
        "#content-main th[scope=row] a",
        "links => [...new Set(links.map((a) => new URL(a.href).pathname))]",
    )
    assert set(NAMED) <= set(lists), lists
    findings = []
    for path in lists:
        office.goto(path)
        measured = page.evaluate(MEASURE, [MIN_EM, SHORT])
        if measured is None:
            continue
        if path in NAMED:
            office.shot(path.strip("/").replace("/", "-"))
        findings += [f"{path}: {p}" for p in measured["problems"]]
    assert not findings, "\n".join(findings)
