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
