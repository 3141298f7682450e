"""The Celery task that runs a job on a worker (``make worker``)."""

from __future__ import annotations

from chengjiang.celery import app


@app.task(name="chengjiang.jobs.run", ignore_result=True)
def run(job_id: int) -> None:
    from .runner import execute

    execute(job_id)
