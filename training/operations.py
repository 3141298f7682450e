"""Migration operations that exist only on PostgreSQL.

The booking rule "two sessions in one facility may not overlap" is enforced in the database by an
exclusion constraint on the time range (``tstzrange(starts_at, ends_at) WITH &&`` per facility),
which needs the ``btree_gist`` extension for the ``facility_id WITH =`` part. SQLite has neither,
so these operations do nothing there, and the constraint is kept out of the model state: the
model's ``clean()`` checks the same rule on every database.
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db.migrations.operations.base import Operation
from django.db.models import Func, Q

SESSION_NO_OVERLAP = "session_no_overlap_in_facility"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def session_no_overlap_constraint() -> ExclusionConstraint:
    return ExclusionConstraint(
        name=SESSION_NO_OVERLAP,
        expressions=[
            ("facility", RangeOperators.EQUAL),
            (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=Q(facility__isnull=False),
        violation_error_message="booking clash",
    )


def _on_postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class BtreeGistOnPostgres(BtreeGistExtension):
    """``CREATE EXTENSION btree_gist`` on PostgreSQL (the parent skips other databases).

    Reversing leaves the extension in place: other schema objects may have come to rely on it,
    and it costs nothing when unused (the parent would also query pg_extension on SQLite).
    """

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


class AddSessionExclusionConstraint(Operation):
    """Add the no-overlap exclusion constraint to Session on PostgreSQL only (no state change)."""

    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgres(schema_editor):
            model = to_state.apps.get_model(app_label, "Session")
            schema_editor.add_constraint(model, session_no_overlap_constraint())

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgres(schema_editor):
            model = from_state.apps.get_model(app_label, "Session")
            schema_editor.remove_constraint(model, session_no_overlap_constraint())

    def describe(self):
        return "Add the exclusion constraint %s on PostgreSQL" % SESSION_NO_OVERLAP

    @property
    def migration_name_fragment(self):
        return "session_no_overlap"
