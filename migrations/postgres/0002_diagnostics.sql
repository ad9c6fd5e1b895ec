-- 0002: what diagnostics leave behind (esp-domain §2.1, §3.4): diagnosis history, the latest
-- state of every alarm point, the alarm journal, the operator audit trail and learned baselines
-- (the counterpart of migrations/sqlite/0002).
--
-- Conventions, as in 0001: times are `timestamptz` to the millisecond; enums are stored as their
-- serde names (`gas_lock`, `unacknowledged`, `high`); a source is stored as its display form
-- (`W-001`, `feeder@F-1`, `gateway@10.0.0.5:502`). Nested data the store never queries
-- (evidence, alarm memory, baselines) is `json`, kept exactly as written.
-- Append-only tables carry `seq`, an identity that keeps write order among equal times; their
-- reads sort by `at, seq`.

-- Diagnosis history: one row each time a diagnosis is raised or cleared. Read per source over a
-- time range, hence the (source, at, seq) index.
CREATE TABLE diagnoses (
    seq                 bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source              text             NOT NULL,
    at                  timestamptz      NOT NULL,
    -- `DiagnosisKind::as_str`.
    kind                text             NOT NULL,
    -- `raised` or `cleared`.
    event               text             NOT NULL,
    priority            text             NOT NULL,
    -- Share of the confirming signals present and good, 0-1.
    confidence          double precision NOT NULL,
    -- A JSON array of evidence objects (signal, value, limit, baseline, window_secs).
    evidence            json             NOT NULL,
    blocks_auto_restart boolean          NOT NULL,
    advice              text             NOT NULL,
    -- The alarm point the diagnosis drives, and the parent alarm that explains it, if any.
    alarm_id            text             NOT NULL,
    parent              text
);

CREATE INDEX diagnoses_source_at ON diagnoses (source, at, seq);

-- The latest state of each alarm point, replaced on every change (upsert by id), so the alarm
-- list and the state machines come back after a restart. Small: one row per alarm point.
CREATE TABLE alarms (
    -- `{source}:{name}`, e.g. `W-001:gas_lock`.
    id         text        NOT NULL PRIMARY KEY,
    source     text        NOT NULL,
    -- A diagnosis name or a system condition (`supervision_failed`, `store_unavailable`).
    name       text        NOT NULL,
    priority   text        NOT NULL,
    -- The visible state (`AlarmState`), kept beside the memory so it can be listed without JSON.
    state      text        NOT NULL,
    parent     text,
    message    text        NOT NULL,
    updated_at timestamptz NOT NULL,
    -- The state machine (`AlarmMemory`) as JSON; its timestamps keep full precision.
    memory     json        NOT NULL
);

-- Every automatic or operator state change of an alarm, appended. Read by time range.
CREATE TABLE alarm_journal (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alarm_id   text        NOT NULL,
    at         timestamptz NOT NULL,
    from_state text        NOT NULL,
    to_state   text        NOT NULL,
    -- `activated`, `cleared`, `acknowledged`, `shelved`, ...
    cause      text        NOT NULL,
    priority   text        NOT NULL,
    -- The operator, for operator actions.
    actor      text
);

CREATE INDEX alarm_journal_at ON alarm_journal (at, seq);

-- Operator actions (esp-domain §3.4): who, when, what, on what, why, state before and after.
-- Append-only: the trigger below refuses any UPDATE, DELETE or TRUNCATE, even one that would
-- touch no row. A future retention policy must say so in its own migration.
CREATE TABLE audit (
    seq          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    -- The user and role once authentication exists; the client address until then.
    actor        text        NOT NULL,
    -- `ack`, `reset`, `shelve`, `unshelve`, `out_of_service`, `return_to_service`, ...
    action       text        NOT NULL,
    -- The alarm id, well id or other thing acted on.
    target       text        NOT NULL,
    reason       text,
    state_before text,
    state_after  text
);

CREATE INDEX audit_at ON audit (at, seq);

CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Each well's learned running baseline (esp-domain §1.2), replaced on every save (upsert by
-- well id). The state is opaque to the store; it only has to be JSON.
CREATE TABLE baselines (
    well_id text        NOT NULL PRIMARY KEY,
    at      timestamptz NOT NULL,
    state   json        NOT NULL
);
