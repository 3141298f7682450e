"""Small helpers the journeys share (pictures to upload, the collapsed navigation, forms)."""

from __future__ import annotations

import re
import struct
import zlib

CJK = re.compile(r"[\u4e00-\u9fff]")


def tiny_png(width: int = 16, height: int = 12) -> bytes:
    """A real PNG (a red rectangle), as a phone's camera would upload a photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xc8\x10\x2e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def photo(name: str = "会议照片.png") -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": tiny_png()}


def open_menu(screen) -> None:
    """On a phone the navigation is collapsed behind the menu button: open it."""
    page = screen.page
    toggler = page.locator("nav .navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#mainnav.show").wait_for()


def nav_to(screen, href: str) -> None:
    """Follow a link of the main navigation (opening the menu first on a phone)."""
    open_menu(screen)
    link = screen.page.locator(f"nav a.nav-link[href='{href}']")
    with screen.page.expect_navigation():
        link.click()


def choose_organization(screen, pk: int) -> None:
    """Step one of a new record: pick the organisation (the page goes on by itself with JS)."""
    page = screen.page
    page.locator("select[name=organization]").select_option(str(pk))
    try:
        page.wait_for_url(re.compile(r"[?&]organization=\d+"), timeout=3000)
    except Exception:
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def submit_main_form(screen, selector: str = "main form[method=post] button[type=submit]"):
    page = screen.page
    with page.expect_navigation():
        page.locator(selector).first.click()


def admin_find(screen, changelist: str, text: str) -> None:
    """Open an admin change list and search it."""
    page = screen.page
    screen.goto(changelist)
    page.locator("#searchbar").fill(text)
    with page.expect_navigation():
        page.locator("#searchbar").press("Enter")


def admin_action(screen, text: str, action: str) -> None:
    """Tick the rows that show ``text`` in the change list and run an admin action."""
    page = screen.page
    rows = page.locator("#result_list tbody tr").filter(has_text=text)
    assert rows.count() >= 1, f"the admin change list has no row with {text!r}"
    for i in range(rows.count()):
        rows.nth(i).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(action)
    with page.expect_navigation():
        page.locator("button[name=index]").first.click()


def matrix_rows(screen, org_name: str) -> dict[str, str]:
    """The dashboard's 三会一课 due-vs-done rows of one organisation: {table title: row text}."""
    return screen.page.evaluate(
        """(name) => {
            const out = {};
            const section = document.querySelector("section[aria-labelledby=wt-cadence-h]")
                || document.body;
            for (const table of section.querySelectorAll("table")) {
                let title = "";
                let el = table;
                while (el && !title) {
                    el = el.previousElementSibling || el.parentElement;
                    if (el && /^H[1-6]$/.test(el.tagName)) title = el.textContent.trim();
                }
                for (const row of table.querySelectorAll("tbody tr")) {
                    const head = row.querySelector("th");
                    if (head && head.textContent.trim() === name) {
                        const cells = [...row.querySelectorAll("td")];
                        out[title] = cells.map((td) => td.textContent.trim()).join(" | ");
                    }
                }
            }
            return out;
        }""",
        org_name,
    )
