"""The sales ledger's SQL, created by migration 0012_sales_ledger (and by bench_ledger in
its throwaway schema). Frozen once deployed: a change is a new constant run by a new
migration, never an edit of these."""

# The chaining: entries recorded in the journal (ticketing_ledgerpending) by the business
# writes, oldest first, numbered and hashed into the ledger and removed from the journal in
# one transaction. One chaining at a time per venue (a transaction-level advisory lock keyed
# on the schema; a second caller returns -1 at once instead of waiting); the chain head's row
# is locked too. The hash covers "<number>|<previous hash>|<body>" (ticketing.ledger.chain).
CHAIN_SQL = """
CREATE FUNCTION ticketing_ledger_chain(max_rows integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    last_number bigint;
    last_hash text;
    p record;
    h text;
    moved bigint[] := '{}';
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ticketing_ledgerpending) THEN
        RETURN 0;
    END IF;
    IF NOT pg_try_advisory_xact_lock(
        hashtext('ticketing_ledger_chain'), hashtext(current_schema())
    ) THEN
        RETURN -1;
    END IF;
    INSERT INTO ticketing_ledgerhead (singleton, number, hash)
    VALUES (true, 0, repeat('0', 64)) ON CONFLICT (singleton) DO NOTHING;
    SELECT number, hash INTO last_number, last_hash
    FROM ticketing_ledgerhead WHERE singleton FOR UPDATE;
    PERFORM set_config('parterre.ledger_chaining', 'on', true);
    FOR p IN SELECT * FROM ticketing_ledgerpending ORDER BY id LIMIT max_rows LOOP
        last_number := last_number + 1;
        h := encode(sha256(convert_to(
            last_number::text || '|' || last_hash || '|' || p.body, 'UTF8')), 'hex');
        INSERT INTO ticketing_ledgerentry (
            number, kind, order_id, order_reference, payment_id, method, currency,
            total_cents, vat_cents, fee_cents, actor_id, actor_label, data, created_at,
            previous_hash, hash)
        VALUES (
            last_number, p.kind, p.order_id, p.order_reference, p.payment_id, p.method,
            p.currency, p.total_cents, p.vat_cents, p.fee_cents, p.actor_id, p.actor_label,
            p.data, p.created_at, last_hash, h);
        last_hash := h;
        moved := moved || p.id;
    END LOOP;
    DELETE FROM ticketing_ledgerpending WHERE id = ANY(moved);
    UPDATE ticketing_ledgerhead SET number = last_number, hash = last_hash WHERE singleton;
    PERFORM set_config('parterre.ledger_chaining', 'off', true);
    RETURN cardinality(moved);
END
$$;
"""

# Inalterability: no UPDATE, DELETE or TRUNCATE of entries and closings, whoever asks (a
# correction is a new entry); the journal's rows leave it only through the chaining.
REFUSE_SQL = """
CREATE FUNCTION ticketing_ledger_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'ticketing_ledgerpending' AND TG_OP = 'DELETE'
            AND current_setting('parterre.ledger_chaining', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the sales ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'P0001';
END
$$;
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ticketing_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ticketing_ledger_refuse();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ticketing_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION ticketing_ledger_refuse();
CREATE TRIGGER ledger_closing_append_only BEFORE UPDATE OR DELETE ON ticketing_ledgerclosing
    FOR EACH ROW EXECUTE FUNCTION ticketing_ledger_refuse();
CREATE TRIGGER ledger_closing_no_truncate BEFORE TRUNCATE ON ticketing_ledgerclosing
    FOR EACH STATEMENT EXECUTE FUNCTION ticketing_ledger_refuse();
CREATE TRIGGER ledger_pending_append_only BEFORE UPDATE OR DELETE ON ticketing_ledgerpending
    FOR EACH ROW EXECUTE FUNCTION ticketing_ledger_refuse();
CREATE TRIGGER ledger_pending_no_truncate BEFORE TRUNCATE ON ticketing_ledgerpending
    FOR EACH STATEMENT EXECUTE FUNCTION ticketing_ledger_refuse();
"""

UNDO_SQL = """
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ticketing_ledgerentry;
DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON ticketing_ledgerentry;
DROP TRIGGER IF EXISTS ledger_closing_append_only ON ticketing_ledgerclosing;
DROP TRIGGER IF EXISTS ledger_closing_no_truncate ON ticketing_ledgerclosing;
DROP TRIGGER IF EXISTS ledger_pending_append_only ON ticketing_ledgerpending;
DROP TRIGGER IF EXISTS ledger_pending_no_truncate ON ticketing_ledgerpending;
DROP FUNCTION IF EXISTS ticketing_ledger_refuse();
DROP FUNCTION IF EXISTS ticketing_ledger_chain(integer);
"""
