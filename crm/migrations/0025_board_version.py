"""A version number that changes whenever deals change, for caching the board's column
totals (crm.web.board_cache): summing 50,000 open deals costs more than drawing the board.

Triggers, not service calls, so that every way a deal changes counts: services, queryset
`update()`, deletes, imports, raw SQL, TRUNCATE. Two parts:

- `crm_board_version.version`, bumped once per transaction at its commit by a deferred
  constraint trigger. The row lock lasts from that trigger to the commit's end, so writers
  never wait on each other while they work, and no deadlock can form on it (a committing
  transaction takes no further lock). Other sessions see the bump when, and only when, they
  can see the changed rows.
- the setting `goalpost.board_write`, set for the rest of the writing transaction to a new
  number after each statement: a transaction that reads the board after its own writes (a
  test, a management command inside `atomic`) gets its own cache key. A savepoint rolled
  back restores the setting together with the rows, so a key never outlives its data.

metrics.0006 attaches the same triggers to exchange rates, which the totals convert with.
"""

from django.db import migrations

FUNCTIONS = """
CREATE TABLE crm_board_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO crm_board_version VALUES (1, 0);
CREATE SEQUENCE crm_board_write_seq;

CREATE FUNCTION goalpost_board_mark_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('goalpost.board_write', nextval('crm_board_write_seq')::text, true);
    RETURN NULL;
END $$;

CREATE FUNCTION goalpost_board_bump_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Fires once per changed row at commit; one bump per transaction is enough.
    IF current_setting('goalpost.board_bumped', true) IS DISTINCT FROM '1' THEN
        UPDATE crm_board_version SET version = nextval('crm_board_write_seq') WHERE id = 1;
        PERFORM set_config('goalpost.board_bumped', '1', true);
    END IF;
    RETURN NULL;
END $$;

-- TRUNCATE has no row triggers (and so no constraint trigger): bump at once; TRUNCATE
-- holds an exclusive lock on its table until commit anyway.
CREATE FUNCTION goalpost_board_bump_now() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE crm_board_version SET version = nextval('crm_board_write_seq') WHERE id = 1;
    PERFORM set_config('goalpost.board_write', nextval('crm_board_write_seq')::text, true);
    RETURN NULL;
END $$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION goalpost_board_bump_now();
DROP FUNCTION goalpost_board_bump_at_commit();
DROP FUNCTION goalpost_board_mark_write();
DROP SEQUENCE crm_board_write_seq;
DROP TABLE crm_board_version;
"""


def watch(table: str) -> str:
    """SQL: make changes to `table` change the board version."""
    return f"""
CREATE TRIGGER {table}_board_write AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION goalpost_board_mark_write();
CREATE CONSTRAINT TRIGGER {table}_board_commit AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION goalpost_board_bump_at_commit();
CREATE TRIGGER {table}_board_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION goalpost_board_bump_now();
"""


def unwatch(table: str) -> str:
    return "".join(
        f"DROP TRIGGER {table}_board_{name} ON {table};\n"
        for name in ("write", "commit", "truncate")
    )


class Migration(migrations.Migration):
    dependencies = [("crm", "0024_list_order_indexes")]

    operations = [
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(watch("crm_deal"), unwatch("crm_deal")),
    ]
