"""Long work run outside the request: a job per run, its progress, its result or its errors.

See ``registry`` (the kinds of work and ``run_job``), ``runner`` (how a job is run: Celery,
a thread, or eagerly) and ``kinds`` (the portal's long work wired as jobs)."""
