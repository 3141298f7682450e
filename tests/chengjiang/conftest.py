"""Fixtures of the tests in this folder."""

from tests.chengjiang.committed_db import _sqlite_memory_kept, committed_db  # noqa: F401
