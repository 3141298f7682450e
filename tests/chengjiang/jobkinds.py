"""Kinds of job the job tests run (imported by the test and, with --include, by the Celery worker
the Redis test starts): one that writes a row per step and reports progress, one that writes and
then fails."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError

from chengjiang.jobs.registry import Outcome, register

MSG_TEST_REFUSED = "第三步被拒绝：测试用的失败原因"


def _village(name: str):
    from branches.models import Village

    return Village.objects.create(name=name)


@register("test.count", label="测试：逐步写入", writes=True)
def count(params, *, by, progress):
    steps, pause = int(params["steps"]), float(params.get("pause", 0))
    progress(0, steps)
    for i in range(steps):
        time.sleep(pause)
        _village(f"{params['name']}-{i + 1}")
        progress(i + 1, steps)
    return Outcome(summary=f"写入 {steps} 个村", content=b"a,b\n1,2\n", filename="result.csv")


@register("test.fail", label="测试：写入后失败", writes=True)
def fail(params, *, by, progress):
    progress(0, 3)
    for i in range(2):
        time.sleep(float(params.get("pause", 0)))
        _village(f"{params['name']}-{i + 1}")
        progress(i + 1, 3)
    raise ValidationError(MSG_TEST_REFUSED)


@register("test.crash", label="测试：意外错误", writes=True)
def crash(params, *, by, progress):
    _village(f"{params['name']}-1")
    raise RuntimeError("boom")


# Stand-ins for the hooks the job kinds call by dotted path (settings.JOB_IMPORT_FUNCTION,
# settings.JOB_REBUILD_SUMMARIES_FUNCTION), with the contract those kinds expect.
class ImportResult:
    """As chengjiang/bulkimport.py's BulkResult: ``lines()``, ``total``, ``counts``."""

    def __init__(self, total=0, errors=()):
        self.total = total
        self.errors = list(errors)
        self.counts = {"new": total - len(self.errors), "update": 0, "skip": 0}

    def lines(self):
        return list(self.errors)


def fake_import_rows(resource, file, *, by, dry_run, progress=None, name=""):
    """Writes a village per line, then refuses the lines that say so (all or nothing is the
    job's transaction)."""
    lines = file.read().decode().splitlines()
    errors = []
    for number, line in enumerate(lines, start=2):
        _village(line)
        if "坏" in line:
            errors.append(f"第 {number} 行：测试拒绝")
        if progress:
            progress(number - 1, len(lines))
    return ImportResult(total=len(lines), errors=errors)


def fake_rebuild_summaries(progress=None):
    for i in range(3):
        if progress:
            progress(i + 1, 3)


MSG_TEST_FILE_REFUSED = "文件超过大小限制（测试）"


def fake_import_refusing_the_file(resource, file, *, by, dry_run, progress=None, name=""):
    from chengjiang.importexport import ImportRefused

    raise ImportRefused(MSG_TEST_FILE_REFUSED)
