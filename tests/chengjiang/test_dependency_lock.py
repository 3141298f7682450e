"""requirements/all.lock: what `make install` installs, and the check CI runs on it."""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location("lock_script", ROOT / "scripts" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lock = load_script()


@pytest.fixture
def copy(tmp_path):
    """pyproject.toml and the lock copied aside, to be spoilt."""
    (tmp_path / "requirements").mkdir()
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(ROOT / lock.LOCK, tmp_path / lock.LOCK)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_committed_lock_matches_pyproject():
    assert lock.check(ROOT) == []


def test_every_dependency_and_both_extras_are_pinned_with_hashes():
    text = (ROOT / lock.LOCK).read_text(encoding="utf-8")
    entries = lock.parse_lock(text)
    names = {entry.split("==")[0].lower() for _, entry in entries}
    # One from the runtime list, one from each extra the Makefile installs.
    assert {"django", "pytest", "playwright"} <= names
    assert all("--hash=sha256:" in entry and "==" in entry for _, entry in entries)


def test_a_dependency_added_without_relocking_fails_the_check(copy):
    edit(copy / "pyproject.toml", '"redis>=5",', '"redis>=5",\n    "requests>=2",')
    errors = lock.check(copy)
    assert any("dependencies changed" in e and "make lock" in e for e in errors)
    assert any(e.startswith("requests is in pyproject.toml but not in") for e in errors)


def test_a_raised_lower_bound_without_relocking_fails_the_check(copy):
    edit(copy / "pyproject.toml", '"Django>=5.2,<5.3"', '"Django>=5.2.999,<5.3"')
    errors = lock.check(copy)
    assert any("dependencies changed" in e for e in errors)
    assert any("outside pyproject.toml's" in e and "Django" in e for e in errors)


def test_a_comment_in_pyproject_needs_no_relock(copy):
    edit(copy / "pyproject.toml", "[project]\n", "[project]\n# a note that changes nothing\n")
    edit(copy / "pyproject.toml", "line-length = 100", "line-length = 100  # ruff only")
    assert lock.check(copy) == []


def test_a_hand_edited_pin_outside_the_policy_fails_the_check(copy):
    text = (copy / lock.LOCK).read_text(encoding="utf-8")
    django_line = next(line for line in text.splitlines() if line.startswith("django=="))
    edit(copy / lock.LOCK, django_line, "django==5.1.0 \\")
    assert any("pins Django==5.1.0" in e for e in lock.check(copy))


def test_a_pin_without_a_hash_fails_the_check(copy):
    edit(copy / lock.LOCK, "\nwhitenoise==", "\nsix==1.16.0\nwhitenoise==")
    assert any("six has no sha256 hash" in e for e in lock.check(copy))


def test_a_range_instead_of_a_pin_fails_the_check(copy):
    edit(copy / lock.LOCK, "\nwhitenoise==", "\nsix>=1.16 --hash=sha256:00\nwhitenoise==")
    assert any("not a `name==version` pin" in e for e in lock.check(copy))


def test_the_ci_command_exits_non_zero_on_a_stale_lock(copy):
    edit(copy / "pyproject.toml", '"redis>=5",', '"redis>=6",')
    script = ROOT / "scripts" / "lock.py"
    stale = subprocess.run(
        [sys.executable, script, "--check", "--root", copy], capture_output=True, text=True
    )
    assert stale.returncode == 1
    assert "make lock" in stale.stderr
    sound = subprocess.run([sys.executable, script, "--check"], capture_output=True, text=True)
    assert sound.returncode == 0, sound.stderr


def test_make_install_installs_from_the_lock_with_hashes_and_checks_it():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^LOCK\s*:=\s*requirements/all\.lock$", makefile, re.M)
    assert "uv pip install -q --python $(BIN)/python --require-hashes -r $(LOCK)" in makefile
    assert "scripts/lock.py --entry uv" in makefile  # uv itself from the lock, with its hashes
    install = makefile[makefile.index("\ninstall:") :].split("\n\n")[0]
    assert "scripts/lock.py --check" in install


def test_the_entry_for_one_package_is_its_pinned_line_with_every_hash():
    line = lock.entry("uv")
    text = (ROOT / lock.LOCK).read_text(encoding="utf-8")
    block = text[text.index("\nuv==") + 1 :].split("\n    #", 1)[0]
    assert line.startswith("uv==") and " --hash=sha256:" in line
    assert line.count("--hash=sha256:") == block.count("--hash=sha256:") > 1
    with pytest.raises(SystemExit, match="no-such-package is not in"):
        lock.entry("no-such-package")
