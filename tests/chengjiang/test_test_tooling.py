"""What the Makefile and the browser fixtures promise about the test run itself: bytecode is
cached under the virtualenv, and journey steps are photographed only when asked (failures
always)."""

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.e2e import conftest as e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_commands_write_bytecode_under_the_virtualenv():
    """The machines set PYTHONDONTWRITEBYTECODE; every make command's Python sees it unset and
    caches under .venv/pycache (so the workers and subprocesses do not recompile)."""
    shown = subprocess.run(
        [
            "make", "-s", "--no-print-directory", "-E",
            "show-bytecode: ; @echo \"[$$PYTHONDONTWRITEBYTECODE][$$PYTHONPYCACHEPREFIX]\"",
            "show-bytecode",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    assert shown == f"[][{ROOT / '.venv' / 'pycache'}]"


class _Page:
    def __init__(self):
        self.taken = []

    def screenshot(self, *, path, full_page):
        self.taken.append(Path(path).name)


def _screen(tmp_path):
    return e2e.Screen(
        page=_Page(),
        kind="phone",
        base_url="http://testserver",
        folder=tmp_path,
        watch=e2e.Watcher(origin="http://testserver"),
        password="x",
    )


def test_steps_are_photographed_only_with_e2e_screenshots(monkeypatch, tmp_path):
    screen = _screen(tmp_path)
    monkeypatch.setattr(e2e, "SCREENSHOTS", False)
    assert screen.shot("01-home") is None
    assert screen.shot("failure", always=True) == tmp_path / "failure-phone.png"
    assert screen.page.taken == ["failure-phone.png"]
    monkeypatch.setattr(e2e, "SCREENSHOTS", True)
    assert screen.shot("01-home") == tmp_path / "01-home-phone.png"
    assert screen.page.taken == ["failure-phone.png", "01-home-phone.png"]


def test_a_failing_journey_is_photographed_without_e2e_screenshots(monkeypatch, tmp_path):
    monkeypatch.setattr(e2e, "SCREENSHOTS", False)
    screen = _screen(tmp_path)
    item = SimpleNamespace(e2e_screens=[screen])  # the hook reads the test item's screens
    generator = e2e.pytest_runtest_call(item)
    next(generator)  # the test runs …
    with pytest.raises(RuntimeError, match="the journey broke"):
        generator.throw(RuntimeError("the journey broke"))
    assert screen.page.taken == ["failure-phone.png"]
