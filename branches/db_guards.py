"""The database's own guard: an organisation's village agrees with its parent's.

A branch of 花园村's committee recorded with 青桥村 as its village let 花园村's secretary see
青桥村's groups, leaders and cadres. ``branches.services`` refuses such a record; these triggers
refuse it from any other path too (a raw ``update()``, a script, a future import), on SQLite and
PostgreSQL alike. The rule: when both an organisation and its parent have a village, it is the
same village (an organisation without a village routes no village's records, so it is allowed).
Only inserts and changes of ``parent_id`` or ``village_id`` are checked, so a record that was
already inconsistent before the guard can still be dissolved, renamed or corrected.

Installed by a migration and re-installed after every ``migrate`` (``install``, from
``BranchesConfig``): SQLite drops a table's triggers when a later migration rebuilds the table.
"""

from __future__ import annotations

ERROR = "org_village_differs_from_parent"

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER IF NOT EXISTS branches_org_village_insert
    BEFORE INSERT ON branches_organization
    FOR EACH ROW WHEN NEW.village_id IS NOT NULL AND NEW.parent_id IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, '{ERROR}')
        WHERE EXISTS (
            SELECT 1 FROM branches_organization p
            WHERE p.id = NEW.parent_id
              AND p.village_id IS NOT NULL AND p.village_id <> NEW.village_id
        );
    END;
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS branches_org_village_update
    BEFORE UPDATE OF parent_id, village_id ON branches_organization
    FOR EACH ROW WHEN NEW.parent_id IS NOT OLD.parent_id OR NEW.village_id IS NOT OLD.village_id
    BEGIN
        SELECT RAISE(ABORT, '{ERROR}')
        WHERE NEW.village_id IS NOT NULL AND (
            EXISTS (
                SELECT 1 FROM branches_organization p
                WHERE p.id = NEW.parent_id
                  AND p.village_id IS NOT NULL AND p.village_id <> NEW.village_id
            )
            OR EXISTS (
                SELECT 1 FROM branches_organization c
                WHERE c.parent_id = NEW.id
                  AND c.village_id IS NOT NULL AND c.village_id <> NEW.village_id
            )
        );
    END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS branches_org_village_insert;",
    "DROP TRIGGER IF EXISTS branches_org_village_update;",
]

POSTGRES_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION branches_org_village_agrees() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id
           AND NEW.village_id IS NOT DISTINCT FROM OLD.village_id THEN
            RETURN NEW;
        END IF;
        IF NEW.village_id IS NOT NULL AND (
            EXISTS (
                SELECT 1 FROM branches_organization p
                WHERE p.id = NEW.parent_id
                  AND p.village_id IS NOT NULL AND p.village_id <> NEW.village_id
            )
            OR (TG_OP = 'UPDATE' AND EXISTS (
                SELECT 1 FROM branches_organization c
                WHERE c.parent_id = NEW.id
                  AND c.village_id IS NOT NULL AND c.village_id <> NEW.village_id
            ))
        ) THEN
            RAISE EXCEPTION '{ERROR}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "DROP TRIGGER IF EXISTS branches_org_village_agrees ON branches_organization;",
    """
    CREATE TRIGGER branches_org_village_agrees
    BEFORE INSERT OR UPDATE OF parent_id, village_id ON branches_organization
    FOR EACH ROW EXECUTE FUNCTION branches_org_village_agrees();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS branches_org_village_agrees ON branches_organization;",
    "DROP FUNCTION IF EXISTS branches_org_village_agrees();",
]


FORWARD = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}
BACKWARD = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}


def install(connection) -> None:
    """Create the triggers on ``connection`` (idempotent; nothing before the table exists)."""
    if "branches_organization" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for sql in FORWARD.get(connection.vendor, ()):
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in BACKWARD.get(connection.vendor, ()):
            cursor.execute(sql)
