"""Vendored front-end files and copied library templates match static/vendor/MANIFEST.json."""

import importlib.util
import io
import json
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    path = ROOT / "scripts" / "vendor_assets.py"
    spec = importlib.util.spec_from_file_location("vendor_assets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


vendor = load_script()


@pytest.fixture
def manifest():
    return vendor.load_manifest(ROOT)


def test_every_vendored_file_matches_its_recorded_checksum(manifest):
    assert vendor.check_files(manifest, ROOT) == []


def test_the_pages_use_vendored_files_listed_in_the_manifest(manifest):
    listed = {t for entry in manifest["npm"].values() for t in entry["files"]}
    assert {
        "bootstrap/bootstrap.min.css",
        "bootstrap/bootstrap.bundle.min.js",
        "echarts/echarts.min.js",
    } <= listed
    for entry in manifest["npm"].values():
        assert entry["integrity"].startswith("sha512-")
        assert entry["version"] and entry["license"]


@pytest.fixture
def spoilt_tree(tmp_path, manifest):
    """A copy of static/vendor/ to spoil."""
    for entry in manifest["npm"].values():
        for target in entry["files"]:
            path = tmp_path / vendor.VENDOR / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes((ROOT / vendor.VENDOR / target).read_bytes())
    (tmp_path / vendor.MANIFEST).write_bytes((ROOT / vendor.MANIFEST).read_bytes())
    assert vendor.check_files(manifest, tmp_path) == []
    return tmp_path


def test_an_edited_vendored_file_is_caught(spoilt_tree, manifest):
    path = spoilt_tree / vendor.VENDOR / "echarts" / "echarts.min.js"
    path.write_bytes(path.read_bytes() + b"\n/* patched by hand */\n")
    assert vendor.check_files(manifest, spoilt_tree) == [
        "static/vendor/echarts/echarts.min.js differs from echarts@"
        f"{manifest['npm']['echarts']['version']} as recorded"
    ]


def test_a_missing_or_unlisted_vendored_file_is_caught(spoilt_tree, manifest):
    (spoilt_tree / vendor.VENDOR / "bootstrap" / "LICENSE").unlink()
    (spoilt_tree / vendor.VENDOR / "bootstrap" / "bootstrap.js").write_text("/* extra */")
    errors = vendor.check_files(manifest, spoilt_tree)
    assert "static/vendor/bootstrap/LICENSE (bootstrap) is missing" in errors
    assert "static/vendor/bootstrap/bootstrap.js is not in static/vendor/MANIFEST.json" in errors


def test_the_copied_export_template_is_pinned_to_the_installed_import_export(manifest):
    assert vendor.check_templates(manifest) == []
    pinned = manifest["copied_templates"]["templates/admin/import_export/export.html"]
    assert pinned["package"] == "django-import-export"
    assert (ROOT / "templates/admin/import_export/export.html").is_file()


def test_an_import_export_upgrade_forces_a_recheck_of_the_copied_template(manifest):
    pinned = manifest["copied_templates"]["templates/admin/import_export/export.html"]
    newer = pinned["version"] + ".post1"
    errors = vendor.check_templates(manifest, version_of=lambda package: newer)
    assert len(errors) == len(manifest["copied_templates"])  # one line per copied template
    assert f"copied from django-import-export {pinned['version']} but {newer}" in errors[0]
    assert all("--pin-templates" in e for e in errors)


def test_a_changed_upstream_template_at_the_same_version_is_caught(manifest, tmp_path):
    changed = tmp_path / "export.html"
    changed.write_text("{% extends 'admin/base.html' %}")
    errors = vendor.check_templates(manifest, locate=lambda package, relative: changed)
    assert len(errors) == len(manifest["copied_templates"])
    assert all("is not the file it was copied from" in e for e in errors)


# Re-vendoring, on a tarball made here (the tests never reach the registry).


def make_tarball(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


MINIFIED = b"!function(){return 1}();\n//# sourceMappingURL=lib.min.js.map"


@pytest.fixture
def tarball(tmp_path):
    return make_tarball(
        tmp_path / "lib-1.0.0.tgz", {"package/dist/lib.min.js": MINIFIED, "package/LICENSE": b"MIT"}
    )


def entry_for(tarball: Path, **overrides) -> dict:
    entry = {
        "version": "1.0.0",
        "integrity": vendor.sri_sha512(tarball.read_bytes()),
        "files": {
            "lib/lib.min.js": {
                "from": "package/dist/lib.min.js",
                "strip_source_map": True,
                "sha256": vendor.sha256(b"!function(){return 1}();\n"),
            },
            "lib/LICENSE": {"from": "package/LICENSE", "sha256": vendor.sha256(b"MIT")},
        },
    }
    return entry | overrides


def test_a_verified_tarball_yields_the_files_without_their_source_map_comment(tarball):
    files = vendor.extract("lib", entry_for(tarball), tarball)
    assert files == {"lib/lib.min.js": b"!function(){return 1}();\n", "lib/LICENSE": b"MIT"}


def test_a_tarball_with_another_integrity_is_refused(tarball):
    entry = entry_for(tarball, integrity=vendor.sri_sha512(b"the published tarball"))
    with pytest.raises(vendor.VendorError, match="integrity"):
        vendor.extract("lib", entry, tarball)


def test_a_file_with_another_checksum_is_refused(tarball):
    entry = json.loads(json.dumps(entry_for(tarball)))
    entry["files"]["lib/LICENSE"]["sha256"] = vendor.sha256(b"Apache-2.0")
    with pytest.raises(vendor.VendorError, match="package/LICENSE has sha256"):
        vendor.extract("lib", entry, tarball)


def test_nothing_is_written_when_one_package_fails(tmp_path, tarball, monkeypatch):
    good = entry_for(tarball)
    bad = entry_for(tarball, integrity="sha512-AAAA")
    manifest = {"npm": {"good": good, "bad": bad}, "copied_templates": {}}
    monkeypatch.setattr(vendor, "npm_pack", lambda name, version, into: tarball)
    with pytest.raises(vendor.VendorError):
        vendor.vendor(manifest, upgrade={}, root=tmp_path)
    assert not (tmp_path / vendor.VENDOR).exists()


def test_an_upgrade_records_the_new_version_integrity_and_checksums(tmp_path, tarball, monkeypatch):
    old = entry_for(tarball, version="0.9.0", integrity="sha512-old")
    old["files"]["lib/LICENSE"]["sha256"] = "old"
    manifest = {"npm": {"lib": old}, "copied_templates": {}}
    (tmp_path / vendor.VENDOR).mkdir(parents=True)
    fetched = []
    monkeypatch.setattr(
        vendor, "npm_pack", lambda name, version, into: fetched.append(version) or tarball
    )
    vendor.vendor(manifest, upgrade={"lib": "1.0.0"}, root=tmp_path)
    assert fetched == ["1.0.0"]
    assert vendor.load_manifest(tmp_path)["npm"]["lib"] == entry_for(tarball)
    assert (tmp_path / vendor.VENDOR / "lib/lib.min.js").read_bytes() == (
        b"!function(){return 1}();\n"
    )
    assert vendor.check_files(vendor.load_manifest(tmp_path), tmp_path) == []


def test_only_a_final_source_map_comment_is_stripped():
    css = b"a{color:red}\n/*# sourceMappingURL=x.css.map */"
    assert vendor.strip_source_map(css) == b"a{color:red}\n"
    kept = b"/*# sourceMappingURL=first.map */\nb{}\n"
    assert vendor.strip_source_map(kept) == kept
