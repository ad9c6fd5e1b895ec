-- 0002: what diagnostics leave behind (esp-domain §2.1, §3.4): diagnosis history, the latest
-- state of every alarm point, the alarm journal, the operator audit trail and learned baselines.
--
-- Conventions, as in 0001: timestamps are unix epoch milliseconds UTC in a column named `ts`;
-- enums are stored as their serde names (`gas_lock`, `unacknowledged`, `high`); a source is
-- stored as its display form (`W-001`, `feeder@F-1`, `gateway@10.0.0.5:502`). Nested data the
-- store never queries (evidence, alarm memory, baselines) is JSON text, checked to be JSON.
-- Append-only tables are rowid tables: the rowid keeps write order among equal timestamps, and
-- their reads sort by `ts, rowid`.

-- Diagnosis history: one row each time a diagnosis is raised or cleared. Read per source over a
-- time range, hence the (source, ts) index.
CREATE TABLE diagnoses (
    source              TEXT    NOT NULL,
    ts                  INTEGER NOT NULL,
    -- `DiagnosisKind::as_str`.
    kind                TEXT    NOT NULL,
    -- `raised` or `cleared`.
    event               TEXT    NOT NULL,
    priority            TEXT    NOT NULL,
    -- Share of the confirming signals present and good, 0-1.
    confidence          REAL    NOT NULL,
    -- A JSON array of evidence objects (signal, value, limit, baseline, window_secs).
    evidence            TEXT    NOT NULL CHECK (json_valid(evidence)),
    -- 0 or 1.
    blocks_auto_restart INTEGER NOT NULL CHECK (blocks_auto_restart IN (0, 1)),
    advice              TEXT    NOT NULL,
    -- The alarm point the diagnosis drives, and the parent alarm that explains it, if any.
    alarm_id            TEXT    NOT NULL,
    parent              TEXT
);

CREATE INDEX diagnoses_source_ts ON diagnoses (source, ts);

-- The latest state of each alarm point, replaced on every change (upsert by id), so the alarm
-- list and the state machines come back after a restart. Small: one row per alarm point.
CREATE TABLE alarms (
    -- `{source}:{name}`, e.g. `W-001:gas_lock`.
    id         TEXT    NOT NULL PRIMARY KEY,
    source     TEXT    NOT NULL,
    -- A diagnosis name or a system condition (`supervision_failed`, `store_unavailable`).
    name       TEXT    NOT NULL,
    priority   TEXT    NOT NULL,
    -- The visible state (`AlarmState`), kept beside the memory so it can be listed without JSON.
    state      TEXT    NOT NULL,
    parent     TEXT,
    message    TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    -- The state machine (`AlarmMemory`) as JSON; its timestamps keep full precision.
    memory     TEXT    NOT NULL CHECK (json_valid(memory))
);

-- Every automatic or operator state change of an alarm, appended. Read by time range.
CREATE TABLE alarm_journal (
    alarm_id   TEXT    NOT NULL,
    ts         INTEGER NOT NULL,
    from_state TEXT    NOT NULL,
    to_state   TEXT    NOT NULL,
    -- `activated`, `cleared`, `acknowledged`, `shelved`, ...
    cause      TEXT    NOT NULL,
    priority   TEXT    NOT NULL,
    -- The operator, for operator actions.
    actor      TEXT
);

CREATE INDEX alarm_journal_ts ON alarm_journal (ts);

-- Operator actions (esp-domain §3.4): who, when, what, on what, why, state before and after.
-- Append-only: the triggers below refuse any change or removal of a written row. A future
-- retention policy must say so in its own migration.
CREATE TABLE audit (
    ts           INTEGER NOT NULL,
    -- The user and role once authentication exists; the client address until then.
    actor        TEXT    NOT NULL,
    -- `ack`, `reset`, `shelve`, `unshelve`, `out_of_service`, `return_to_service`, ...
    action       TEXT    NOT NULL,
    -- The alarm id, well id or other thing acted on.
    target       TEXT    NOT NULL,
    reason       TEXT,
    state_before TEXT,
    state_after  TEXT
);

CREATE INDEX audit_ts ON audit (ts);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- Each well's learned running baseline (esp-domain §1.2), replaced on every save (upsert by
-- well id). The state is opaque to the store; it only has to be JSON.
CREATE TABLE baselines (
    well_id TEXT    NOT NULL PRIMARY KEY,
    ts      INTEGER NOT NULL,
    state   TEXT    NOT NULL CHECK (json_valid(state))
);
