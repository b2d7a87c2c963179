"""A version per stage, so that a deal change makes the board re-sum only the columns it
touched (crm.web.board_cache), not every open deal of every pipeline.

0025 gave the board one version for every deal and rate: one changed deal made the next
view re-sum all 50,000 open deals. Now `crm_board_stage_version` holds one version per
stage, bumped for the stage a deal left and the stage it is in (OLD.stage_id and
NEW.stage_id) by any write: services, queryset `update()`, deletes, imports, raw SQL. A
deal that is won, lost, moved to another pipeline, reassigned or revalued leaves or
changes its stage's open deals, so every change that can alter a column's totals changes
a row's stage_id before or after. `crm_board_version` stays the version of what all
stages depend on: exchange rates (metrics.0006) and TRUNCATE.

How a transaction's deal writes reach the versions:

- after each statement, triggers with transition tables add the stage ids of the changed
  rows to the transaction-local setting `goalpost.board_stages` (ascending, comma
  separated; one query per statement, whatever the number of rows) and set
  `goalpost.board_stage_write` to a new number, so a transaction that reads the board
  after its own writes gets keys of its own for those stages (the rows it sees are not
  everybody's yet). A savepoint rolled back restores both with the rows.
- at commit a deferred constraint trigger bumps the touched stages' versions, in
  ascending stage order and only after taking the `crm_board_version` row lock: every
  bump of a stage row happens under that one lock, so two committing transactions can
  never wait for each other's stage rows in opposite orders (no deadlock), and, as in
  0025, no lock is held while a transaction works. Other sessions see the new versions
  when, and only when, they can see the changed rows.
- when that trigger has already fired before the commit (SET CONSTRAINTS … IMMEDIATE,
  where row constraint triggers fire before the statement's own triggers), the statement
  trigger bumps at once instead, so no touched stage is ever left unbumped.
"""

from django.db import migrations

FUNCTIONS = """
CREATE TABLE crm_board_stage_version (
    -- No foreign key: a stage's deals are PROTECTed, and a leftover row of a deleted stage
    -- (ids are never reused) is harmless.
    stage_id bigint PRIMARY KEY,
    version bigint NOT NULL
);

-- Bump the versions of the stages this transaction touched and has not bumped yet.
CREATE FUNCTION goalpost_board_bump_stages() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    touched text := COALESCE(current_setting('goalpost.board_stages', true), '');
    bumped text := COALESCE(current_setting('goalpost.board_stages_bumped', true), '');
BEGIN
    IF touched = bumped THEN
        RETURN;
    END IF;
    -- The one lock every stage bump is taken under (see the module docstring).
    PERFORM 1 FROM crm_board_version WHERE id = 1 FOR NO KEY UPDATE;
    INSERT INTO crm_board_stage_version AS v (stage_id, version)
    SELECT stage_id, nextval('crm_board_write_seq')
    FROM unnest(string_to_array(touched, ',')::bigint[]) AS stage_id
    WHERE stage_id <> ALL (string_to_array(NULLIF(bumped, ''), ',')::bigint[])
        OR bumped = ''
    ORDER BY stage_id
    ON CONFLICT (stage_id) DO UPDATE SET version = EXCLUDED.version;
    PERFORM set_config('goalpost.board_stages_bumped', touched, true);
END $$;

-- After each deal statement: note the stages its rows were in and are in.
CREATE FUNCTION goalpost_board_note_stages() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before text := NULLIF(current_setting('goalpost.board_stages', true), '');
    touched text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT string_agg(stage_id::text, ',' ORDER BY stage_id) INTO touched FROM (
            SELECT unnest(string_to_array(before, ',')::bigint[])
            UNION SELECT stage_id FROM new_rows
        ) AS s(stage_id);
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT string_agg(stage_id::text, ',' ORDER BY stage_id) INTO touched FROM (
            SELECT unnest(string_to_array(before, ',')::bigint[])
            UNION SELECT stage_id FROM old_rows
            UNION SELECT stage_id FROM new_rows
        ) AS s(stage_id);
    ELSE
        SELECT string_agg(stage_id::text, ',' ORDER BY stage_id) INTO touched FROM (
            SELECT unnest(string_to_array(before, ',')::bigint[])
            UNION SELECT stage_id FROM old_rows
        ) AS s(stage_id);
    END IF;
    IF touched IS NULL THEN
        RETURN NULL;  -- no deal written in this transaction yet
    END IF;
    PERFORM set_config('goalpost.board_stages', touched, true);
    PERFORM set_config('goalpost.board_stage_write', nextval('crm_board_write_seq')::text, true);
    IF current_setting('goalpost.board_stages_flushed', true) = '1' THEN
        PERFORM goalpost_board_bump_stages();
    END IF;
    RETURN NULL;
END $$;

-- Deferred to the commit: fires once per changed row; the first firing does the work.
CREATE FUNCTION goalpost_board_bump_stages_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('goalpost.board_stages_flushed', true) IS DISTINCT FROM '1' THEN
        PERFORM set_config('goalpost.board_stages_flushed', '1', true);
    END IF;
    IF COALESCE(current_setting('goalpost.board_stages', true), '')
            IS DISTINCT FROM COALESCE(current_setting('goalpost.board_stages_bumped', true), '') THEN
        PERFORM goalpost_board_bump_stages();
    END IF;
    RETURN NULL;
END $$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION goalpost_board_bump_stages_at_commit();
DROP FUNCTION goalpost_board_note_stages();
DROP FUNCTION goalpost_board_bump_stages();
DROP TABLE crm_board_stage_version;
"""

# crm_deal_board_truncate (0025) stays: TRUNCATE bumps crm_board_version, which every
# stage's key includes.
DEAL_TRIGGERS = """
DROP TRIGGER crm_deal_board_write ON crm_deal;
DROP TRIGGER crm_deal_board_commit ON crm_deal;
CREATE TRIGGER crm_deal_board_stages_insert AFTER INSERT ON crm_deal
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION goalpost_board_note_stages();
CREATE TRIGGER crm_deal_board_stages_update AFTER UPDATE ON crm_deal
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION goalpost_board_note_stages();
CREATE TRIGGER crm_deal_board_stages_delete AFTER DELETE ON crm_deal
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION goalpost_board_note_stages();
CREATE CONSTRAINT TRIGGER crm_deal_board_stages_commit AFTER INSERT OR UPDATE OR DELETE
    ON crm_deal DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION goalpost_board_bump_stages_at_commit();
"""

# Back to 0025's triggers, whose functions are still there (exchange rates use them).
DEAL_TRIGGERS_BACK = """
DROP TRIGGER crm_deal_board_stages_commit ON crm_deal;
DROP TRIGGER crm_deal_board_stages_delete ON crm_deal;
DROP TRIGGER crm_deal_board_stages_update ON crm_deal;
DROP TRIGGER crm_deal_board_stages_insert ON crm_deal;
CREATE TRIGGER crm_deal_board_write AFTER INSERT OR UPDATE OR DELETE ON crm_deal
    FOR EACH STATEMENT EXECUTE FUNCTION goalpost_board_mark_write();
CREATE CONSTRAINT TRIGGER crm_deal_board_commit AFTER INSERT OR UPDATE OR DELETE ON crm_deal
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION goalpost_board_bump_at_commit();
"""


class Migration(migrations.Migration):
    dependencies = [("crm", "0030_domain_event_receipts")]

    operations = [
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(DEAL_TRIGGERS, DEAL_TRIGGERS_BACK),
    ]
