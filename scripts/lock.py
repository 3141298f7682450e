"""The Python lock file: requirements/all.lock, every package pinned with its hashes.

pyproject.toml states the policy (lower bounds, and upper bounds where a major version would
break us); requirements/all.lock is what `make install` installs, with `uv pip install
--require-hashes` (uv itself comes first, from its own line here), so every machine gets the
same files. It holds the runtime dependencies and the dev and e2e extras (`make test` and CI
need both) for CPython 3.11 and newer on every platform (environment markers select what a
platform needs).

    make lock       # after editing pyproject.toml's dependencies: re-resolve, other pins kept
    make upgrade    # every package to the newest release that pyproject.toml allows
    python scripts/lock.py --check    # CI: was the lock made from pyproject.toml as it is?

The lock's first line records a digest of pyproject.toml's dependency lists (not of the whole
file: comments and tool settings do not need a re-lock). `--check` fails when that digest is
stale, when a line is not pinned with `==` and hashes, or when a pin falls outside what
pyproject.toml allows. It works offline, so CI never depends on the day's newest releases.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = Path("requirements") / "all.lock"
EXTRAS = ("dev", "e2e")
PYTHON_VERSION = "3.11"  # the lowest Python pyproject.toml allows: the lock must hold for it
DIGEST_PREFIX = "# pyproject.toml dependencies sha256: "
RELOCK = "run `make lock` and commit pyproject.toml and requirements/all.lock together"


def dependencies_digest(pyproject_text: str) -> str:
    """A digest of what pyproject.toml asks for: requires-python and the dependency lists."""
    project = tomllib.loads(pyproject_text)["project"]
    wanted = {
        "requires-python": project.get("requires-python"),
        "dependencies": project.get("dependencies", []),
        "optional-dependencies": project.get("optional-dependencies", {}),
    }
    canonical = json.dumps(wanted, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_lock(text: str) -> list[tuple[int, str]]:
    """The lock's requirement entries (continuation lines joined), each with its line number."""
    entries: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line and not pending:
            continue
        if not pending:
            start = number
        continued = line.endswith("\\")
        pending.append(line.rstrip("\\").strip())
        if not continued:
            entries.append((start, " ".join(part for part in pending if part)))
            pending = []
    if pending:
        entries.append((start, " ".join(part for part in pending if part)))
    return entries


def entry(name: str, root: Path = ROOT) -> str:
    """One package's pinned line from the lock, hashes included (how `make install` fetches uv,
    which then installs the rest: pip takes about 30 s for the lock, uv about 2)."""
    text = (root / LOCK).read_text(encoding="utf-8")
    for _, line in parse_lock(text):
        if line.split("==", 1)[0].strip().lower() == name.lower():
            return line
    raise SystemExit(f"lock: {name} is not in {LOCK}")


def check(root: Path = ROOT) -> list[str]:
    """What is wrong with the lock under root, as messages; an empty list when it is sound."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    lock_path = root / LOCK
    if not lock_path.exists():
        return [f"{LOCK} is missing: {RELOCK}."]
    pyproject_text = (root / "pyproject.toml").read_text(encoding="utf-8")
    lock_text = lock_path.read_text(encoding="utf-8")
    errors: list[str] = []

    stamps = [ln for ln in lock_text.splitlines() if ln.startswith(DIGEST_PREFIX)]
    recorded = stamps[0].removeprefix(DIGEST_PREFIX).strip() if stamps else None
    if recorded != dependencies_digest(pyproject_text):
        errors.append(f"pyproject.toml's dependencies changed since {LOCK} was made: {RELOCK}.")

    pins: dict[str, Version] = {}
    for number, entry in parse_lock(lock_text):
        words = entry.split()
        hashes = [word for word in words if word.startswith("--hash=")]
        spec = " ".join(word for word in words if not word.startswith("--hash="))
        try:
            pinned = Requirement(spec)
        except InvalidRequirement:
            pinned = None
        exact = [s for s in pinned.specifier if s.operator == "=="] if pinned else []
        if pinned is None or len(exact) != 1 or len(pinned.specifier) != 1 or pinned.url:
            errors.append(f"{LOCK} line {number}: not a `name==version` pin: {entry[:80]}")
            continue
        if not any(word.startswith("--hash=sha256:") for word in hashes):
            errors.append(f"{LOCK} line {number}: {pinned.name} has no sha256 hash.")
        pins[canonicalize_name(pinned.name)] = Version(exact[0].version)

    project = tomllib.loads(pyproject_text)["project"]
    wanted = list(project.get("dependencies", []))
    for extra in EXTRAS:
        wanted += project.get("optional-dependencies", {}).get(extra, [])
    for spec in wanted:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        if name not in pins:
            errors.append(f"{requirement.name} is in pyproject.toml but not in {LOCK}: {RELOCK}.")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            errors.append(
                f"{LOCK} pins {requirement.name}=={pins[name]}, outside pyproject.toml's "
                f"{requirement.specifier}: {RELOCK}."
            )
    return errors


def lock(*, upgrade: bool, root: Path = ROOT) -> None:
    """Re-resolve the lock with uv (installed from the lock itself), then record the digest."""
    command = [
        sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml",
        *[arg for extra in EXTRAS for arg in ("--extra", extra)],
        "--universal", "--python-version", PYTHON_VERSION, "--generate-hashes",
        "--custom-compile-command", "make lock", "--quiet", "--output-file", str(LOCK),
    ]  # fmt: skip
    if upgrade:
        command.append("--upgrade")
    subprocess.run(command, cwd=root, check=True)
    lock_path = root / LOCK
    body = [
        line
        for line in lock_path.read_text(encoding="utf-8").splitlines()
        if not line.startswith(DIGEST_PREFIX)
    ]
    digest = dependencies_digest((root / "pyproject.toml").read_text(encoding="utf-8"))
    lock_path.write_text("\n".join([DIGEST_PREFIX + digest, *body]) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", action="store_true", help="verify only (offline); for CI")
    action.add_argument("--upgrade", action="store_true", help="newest allowed release of all")
    action.add_argument("--entry", metavar="NAME", help="print NAME's pinned line, hashes included")
    parser.add_argument("--quiet", action="store_true", help="say nothing when all is well")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.entry:
        print(entry(args.entry, args.root))
        return 0
    if not args.check:
        lock(upgrade=args.upgrade, root=args.root)
    errors = check(args.root)
    for error in errors:
        print(f"lock: {error}", file=sys.stderr)
    if not errors and not args.quiet:
        print(f"lock: {LOCK} matches pyproject.toml.")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
