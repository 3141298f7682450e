"""Imports point down the layers only (docs/ARCHITECTURE.md, "Packages and layers").

    chengjiang.worktasks        reads the apps only through chengjiang.measures (measures, tables)
    cadres       training       may use branches, never each other
    branches                    owns the organisation tree
    chengjiang (shared)         settings, access/scope, tree, measures, personal_data, uploads, ...

Every ``.py`` of the portal is read with ``ast``: module-level imports, imports inside functions
and ``if TYPE_CHECKING:`` blocks alike, relative imports resolved, and ``import_module("...")``
with a literal name. An import that points up or sideways fails the test, named by file:line.
The composition root (URLconf, the commands that assemble the whole portal's data) sits above
every layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("chengjiang", "branches", "cadres", "training")

# Which layers each layer may import (its own included). Third-party and stdlib are free.
SHARED, BRANCHES, CADRES, TRAINING, WORKTASKS, TOP = (
    "shared",
    "branches",
    "cadres",
    "training",
    "worktasks",
    "top",
)
MAY_IMPORT = {
    SHARED: {SHARED},
    BRANCHES: {SHARED, BRANCHES},
    CADRES: {SHARED, BRANCHES, CADRES},
    TRAINING: {SHARED, BRANCHES, TRAINING},
    WORKTASKS: {SHARED, WORKTASKS},
    TOP: {SHARED, BRANCHES, CADRES, TRAINING, WORKTASKS, TOP},
}
# Above every layer: they wire the whole portal together.
COMPOSITION_ROOT = (
    "chengjiang.urls",
    "chengjiang.management.commands.load_demo",
    "chengjiang.management.commands.generate_scale_data",
)


def layer_of(module: str) -> str | None:
    """The layer of a project module (dotted name); None for anything outside the project."""
    if any(module == m or module.startswith(m + ".") for m in COMPOSITION_ROOT):
        return TOP
    top = module.split(".")[0]
    if top == "chengjiang":
        if module == "chengjiang.worktasks" or module.startswith("chengjiang.worktasks."):
            return WORKTASKS
        return SHARED
    return {"branches": BRANCHES, "cadres": CADRES, "training": TRAINING}.get(top)


def module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def imported_names(tree: ast.AST, module: str, is_package: bool):
    """(line, imported module) for every import in ``tree``, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # "from chengjiang import worktasks" names a module too
                name = f"{target}.{alias.name}"
                if layer_of(name) != layer_of(target):
                    yield node.lineno, name
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def violations(files=None) -> list[str]:
    found = []
    if files is None:
        files = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))
    for path in files:
        module, is_package = module_name(path)
        own = layer_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in imported_names(tree, module, is_package):
            theirs = layer_of(target)
            if theirs is None or theirs in MAY_IMPORT[own]:
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            text = f"{where}: {module} ({own}) imports {target} ({theirs})"
            found.append((str(path.relative_to(ROOT)), line, text))
    return [text for _path, _line, text in sorted(set(found))]


def test_imports_point_down_the_layers():
    found = violations()
    assert not found, "imports against the layers:\n" + "\n".join(found)


def test_the_walk_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The walk itself: a function-level, a TYPE_CHECKING, a relative and an import_module
    import that break the layers are each reported with their file and line."""
    package = tmp_path / "chengjiang" / "worktasks"
    package.mkdir(parents=True)
    bad = package / "bad.py"
    bad.write_text(
        "from typing import TYPE_CHECKING\n"
        "import importlib\n"
        "if TYPE_CHECKING:\n"
        "    from branches.models import Organization\n"
        "def f():\n"
        "    import cadres.models\n"
        "    return importlib.import_module('training.models')\n"
        "from .. import access\n"
        "from . import views\n"
        "from django.db import models\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    found = violations([bad])
    assert [v.split(": ")[0] for v in found] == [
        "chengjiang/worktasks/bad.py:4",
        "chengjiang/worktasks/bad.py:6",
        "chengjiang/worktasks/bad.py:7",
    ]


def test_shared_layer_may_not_reach_up(tmp_path, monkeypatch):
    package = tmp_path / "chengjiang"
    package.mkdir()
    bad = package / "access.py"
    bad.write_text("from branches.models import Organization\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert violations([bad]) == [
        "chengjiang/access.py:1: chengjiang.access (shared) imports branches.models (branches)"
    ]


def test_apps_beside_each_other_may_not_meet(tmp_path, monkeypatch):
    package = tmp_path / "training"
    package.mkdir()
    bad = package / "demo.py"
    bad.write_text("from cadres.models import ReserveCadre\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert violations([bad]) == [
        "training/demo.py:1: training.demo (training) imports cadres.models (cadres)"
    ]
