"""The suite's own rules (issue 13 §3), so a weaker assertion cannot creep back in."""

import ast
import pathlib

TESTS = pathlib.Path(__file__).resolve().parents[1]


def _calls(name_check):
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.With):
                for item in node.items:
                    if name_check(item):
                        yield f"{path.relative_to(TESTS.parent)}:{node.lineno}"
            elif isinstance(node, ast.Call) and name_check(node):
                yield f"{path.relative_to(TESTS.parent)}:{node.lineno}"


def _is_bare_validation_raises(item) -> bool:
    if not isinstance(item, ast.withitem):
        return False
    call = item.context_expr
    return (
        isinstance(call, ast.Call)
        and ast.unparse(call.func) == "pytest.raises"
        and [ast.unparse(a) for a in call.args] == ["ValidationError"]
        and not any(k.arg == "match" for k in call.keywords)
        and item.optional_vars is None
    )


def _is_system_today(node) -> bool:
    return isinstance(node, ast.Call) and ast.unparse(node.func) in {
        "datetime.date.today",
        "date.today",
    }


def test_every_refusal_test_names_its_message():
    """``pytest.raises(ValidationError)`` alone passes on any refusal, even the wrong one."""
    assert list(_calls(_is_bare_validation_raises)) == []


def test_tests_use_the_projects_local_date():
    """``date.today()`` is the machine's date; the portal's is ``timezone.localdate()``."""
    assert list(_calls(_is_system_today)) == []
