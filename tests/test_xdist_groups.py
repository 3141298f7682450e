"""`make test` runs ``--dist loadgroup``: each module's tests on one worker, the shared demo's
tests and then the browser journeys in one group (``demo_groups`` in ``tests/conftest.py``).
A pytest or pytest-xdist upgrade once made the groups silently take no effect (pytest 9.2 with
xdist 3.8, pytest-dev/pytest-xdist#1386): this fails when that happens again."""

import pytest


def test_this_module_runs_as_one_group(request):
    option = request.config.option
    if not getattr(option, "loadgroup", False):
        pytest.skip("only under pytest-xdist with --dist loadgroup (make test, CI)")
    assert request.node.nodeid.endswith("@" + __name__), (
        f"{request.node.nodeid}: the xdist group did not reach the scheduler; "
        "see pytest-dev/pytest-xdist#1386 and pyproject.toml's pin of pytest"
    )
