"""Run Python with the settings module under a production-like environment, in a subprocess
(settings are read from the environment once, at import, so each variant needs its own process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k7#Vq9!mZ2@xR4$wT8^pL1&nB6*hD3(jF5)gS0_cY-eU+aI=oK~zQ|vN?rM<tH>yW",
    "ALLOWED_HOSTS": "portal.example.cn,testserver",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.cn",
    "BEHIND_HTTPS": "1",
    "PROXY_COUNT": "1",
}
# Variables of the calling test run that must not leak into the child's settings.
DROP = (
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "BEHIND_HTTPS",
    "PROXY_COUNT",
    "SESSION_IDLE_SECONDS",
    "REDIS_URL",
    "PYTEST_CURRENT_TEST",
    "PYTEST_ADDOPTS",
)


def child_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env.update(PRODUCTION_ENV)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'child.sqlite3'}"
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    env["DJANGO_SETTINGS_MODULE"] = "chengjiang.settings"
    env["PYTHONPATH"] = str(ROOT)
    env.update(overrides)
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
