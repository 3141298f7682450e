"""The vendored front-end assets under static/vendor/, fetched from the npm registry.

static/vendor/MANIFEST.json records, for each npm package, the pinned version, the tarball's
integrity (the registry's sha512) and, for each file taken from it, where it comes from in the
tarball and the sha256 of the file as committed. It also pins templates copied from a Python
package (django-import-export's export page) to the version they were copied from.

    python3 scripts/vendor_assets.py                      # re-vendor: fetch, verify, write
    python3 scripts/vendor_assets.py --check              # offline: files match the manifest
    python3 scripts/vendor_assets.py --upgrade echarts@5.6.1   # move a package to a version
    python3 scripts/vendor_assets.py --pin-templates      # after re-checking a copied template

Re-vendoring refuses (and writes nothing) when a tarball's integrity or a file's checksum
differs from the manifest. `--upgrade` records the new version's integrity and checksums;
review the diff, run the tests, commit the files and the manifest together.

Minified files lose their trailing `sourceMappingURL` comment: the .map files are not
vendored, and the production static storage refuses references to missing files.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = Path("static") / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"
SOURCE_MAP_MARKERS = (b"/*# sourceMappingURL=", b"//# sourceMappingURL=")


class VendorError(Exception):
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sri_sha512(data: bytes) -> str:
    """The integrity string npm's registry publishes for a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def strip_source_map(data: bytes) -> bytes:
    """Drop a final `sourceMappingURL` comment line, keeping the newline before it."""
    head, sep, last = data.rstrip(b"\n").rpartition(b"\n")
    if last.startswith(SOURCE_MAP_MARKERS):
        return head + sep
    return data


def load_manifest(root: Path = ROOT) -> dict:
    return json.loads((root / MANIFEST).read_text(encoding="utf-8"))


def save_manifest(manifest: dict, root: Path = ROOT) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (root / MANIFEST).write_text(text, encoding="utf-8")


def npm_pack(name: str, version: str, into: Path) -> Path:
    """Download name@version's tarball from the npm registry with npm itself."""
    result = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(into)],
        cwd=into,
        check=True,
        capture_output=True,
        text=True,
    )
    (packed,) = json.loads(result.stdout)
    return into / packed["filename"]


def extract(name: str, entry: dict, tarball: Path, *, record: bool = False) -> dict[str, bytes]:
    """The files entry names, read from tarball and checked against the manifest.

    With record=True the tarball's integrity and the files' checksums are written into entry
    instead of checked (a new version). Raises VendorError on any mismatch.
    """
    data = tarball.read_bytes()
    integrity = sri_sha512(data)
    if record:
        entry["integrity"] = integrity
    elif integrity != entry["integrity"]:
        raise VendorError(
            f"{name}@{entry['version']}: the tarball's integrity {integrity} differs from "
            f"the manifest's {entry['integrity']}"
        )
    out: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for target, spec in entry["files"].items():
            try:
                member = archive.extractfile(spec["from"])
            except KeyError:
                member = None
            if member is None:
                raise VendorError(f"{name}@{entry['version']}: no file {spec['from']}")
            content = member.read()
            if spec.get("strip_source_map"):
                content = strip_source_map(content)
            if record:
                spec["sha256"] = sha256(content)
            elif sha256(content) != spec["sha256"]:
                raise VendorError(
                    f"{name}@{entry['version']}: {spec['from']} has sha256 {sha256(content)}, "
                    f"the manifest records {spec['sha256']}"
                )
            out[target] = content
    return out


def check_files(manifest: dict, root: Path = ROOT) -> list[str]:
    """Offline: every vendored file is listed and matches its recorded checksum."""
    errors = []
    listed = set()
    for name, entry in manifest["npm"].items():
        for target, spec in entry["files"].items():
            listed.add(target)
            path = root / VENDOR / target
            if not path.is_file():
                errors.append(f"{VENDOR / target} ({name}) is missing")
            elif sha256(path.read_bytes()) != spec["sha256"]:
                errors.append(
                    f"{VENDOR / target} differs from {name}@{entry['version']} as recorded"
                )
    for path in sorted((root / VENDOR).rglob("*")):
        relative = path.relative_to(root / VENDOR).as_posix()
        if path.is_file() and path != root / MANIFEST and relative not in listed:
            errors.append(f"{VENDOR / relative} is not in {MANIFEST}")
    return errors


def installed_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def upstream_file(package: str, relative: str) -> Path | None:
    try:
        files = importlib.metadata.distribution(package).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.as_posix() == relative:
            return Path(file.locate())
    return None


def check_templates(
    manifest: dict,
    version_of: Callable[[str], str | None] = installed_version,
    locate: Callable[[str, str], Path | None] = upstream_file,
) -> list[str]:
    """A copied template is stale when its package's installed version (or file) moved on."""
    errors = []
    for target, spec in manifest["copied_templates"].items():
        installed = version_of(spec["package"])
        if installed != spec["version"]:
            errors.append(
                f"{target} was copied from {spec['package']} {spec['version']} but "
                f"{installed} is installed: compare it with {spec['from']} of {installed}, "
                f"carry over upstream's changes, then run scripts/vendor_assets.py --pin-templates"
            )
            continue
        source = locate(spec["package"], spec["from"])
        if source is None or sha256(source.read_bytes()) != spec["sha256"]:
            errors.append(
                f"{target}: {spec['package']} {installed}'s {spec['from']} is not the file it "
                f"was copied from; re-check the copy, then run --pin-templates"
            )
    return errors


def pin_templates(manifest: dict) -> None:
    for target, spec in manifest["copied_templates"].items():
        source = upstream_file(spec["package"], spec["from"])
        if source is None:
            raise VendorError(f"{target}: {spec['package']} has no {spec['from']}")
        spec["version"] = installed_version(spec["package"])
        spec["sha256"] = sha256(source.read_bytes())


def vendor(manifest: dict, *, upgrade: dict[str, str], root: Path = ROOT) -> None:
    """Fetch every package, verify (or record, for the upgraded ones), then write the files."""
    unknown = set(upgrade) - set(manifest["npm"])
    if unknown:
        raise VendorError(f"not in the manifest: {', '.join(sorted(unknown))}")
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, entry in manifest["npm"].items():
            if name in upgrade:
                entry["version"] = upgrade[name]
            tarball = npm_pack(name, entry["version"], Path(tmp))
            files |= extract(name, entry, tarball, record=name in upgrade)
    # Everything fetched and verified: only now touch the tree.
    for target, content in files.items():
        path = root / VENDOR / target
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
            print(f"wrote {VENDOR / target}")
    if upgrade:
        save_manifest(manifest, root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", action="store_true", help="offline: files match the manifest")
    action.add_argument("--upgrade", nargs="+", metavar="NAME@VERSION", default=[])
    action.add_argument("--pin-templates", action="store_true")
    args = parser.parse_args(argv)
    manifest = load_manifest()
    try:
        if args.pin_templates:
            pin_templates(manifest)
            save_manifest(manifest)
        elif not args.check:
            upgrade = dict(spec.rsplit("@", 1) for spec in args.upgrade)
            vendor(manifest, upgrade=upgrade)
    except (VendorError, subprocess.CalledProcessError) as error:
        print(f"vendor: {error}", file=sys.stderr)
        return 1
    errors = check_files(manifest) + check_templates(manifest)
    for error in errors:
        print(f"vendor: {error}", file=sys.stderr)
    if not errors:
        print(f"vendor: static/vendor/ and the copied templates match {MANIFEST}.")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
