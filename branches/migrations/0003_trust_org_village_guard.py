"""An organisation's village agrees with its parent's, in the database itself.

A branch of 花园村's committee recorded with 青桥村 as its village let 花园村's secretary see
青桥村's groups, leaders and cadres. ``branches.services`` refuses such a record; these triggers
refuse it from any other path too (a raw ``update()``, a script, a future import), on SQLite and
PostgreSQL alike. The rule: when both an organisation and its parent have a village, it is the
same village (an organisation without a village routes no village's records, so it is allowed).
Only inserts and changes of ``parent_id`` or ``village_id`` are checked, so a record that was
already inconsistent before this migration can still be dissolved or renamed.
"""

from django.db import migrations

ERROR = "org_village_differs_from_parent"

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER branches_org_village_insert
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
    CREATE TRIGGER branches_org_village_update
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


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0002_default_cadence"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
