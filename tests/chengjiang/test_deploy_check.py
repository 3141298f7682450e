"""Production settings pass Django's deployment checklist with no warning at all."""

from .subproc import child_env, run_manage, run_python


def test_check_deploy_passes_at_warning_level(tmp_path):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], child_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_without_https(tmp_path):
    """The check can fail: without BEHIND_HTTPS the HSTS/secure-cookie warnings appear."""
    result = run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"], child_env(tmp_path, BEHIND_HTTPS="0")
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_no_secret_key_no_start(tmp_path):
    """A server (the WSGI application gunicorn loads) refuses to start without its key."""
    env = child_env(tmp_path)
    del env["SECRET_KEY"]
    result = run_python("import chengjiang.wsgi", env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_one_off_command_runs_without_a_key(tmp_path):
    """migrate, backup or makemigrations sign nothing lasting: they get a random throwaway key."""
    env = child_env(tmp_path)
    del env["SECRET_KEY"]
    result = run_python(
        "from django.conf import settings; "
        "assert not settings.SECRET_KEY.startswith('dev-only'), settings.SECRET_KEY",
        env,
    )
    assert result.returncode == 0, result.stderr
