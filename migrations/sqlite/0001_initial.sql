-- 0001: the embedded historian's first schema.
--
-- Shipped migrations are never edited: a change is a new numbered file. sqlx records what ran
-- in `_sqlx_migrations` and refuses to start if a shipped file was altered.

-- Wells added at run time through the API, so they come back after a restart. Wells from the
-- configuration file are not stored here; the file stays their source of truth.
CREATE TABLE wells (
    -- The well id as validated by `WellId` (1-64 of [A-Za-z0-9._-]).
    id         TEXT    NOT NULL PRIMARY KEY,
    -- The definition as the service serialises it; must at least be valid JSON.
    definition TEXT    NOT NULL CHECK (json_valid(definition)),
    -- When the definition was last saved, unix epoch milliseconds UTC.
    updated_at INTEGER NOT NULL
);

-- Raw telemetry: one row per poll of one well, one column per canonical parameter.
--
-- Wide rather than one row per (sample, parameter): a poll is written and read as a whole, a
-- wide row costs one b-tree entry and one index entry per poll instead of ~23, and absent
-- values are NULLs, which SQLite stores in a single header byte.
--
-- An ordinary rowid table with a plain (not unique) index on (well_id, ts):
-- - (well_id, ts) is not a key: two polls may complete in the same millisecond and both rows
--   must be kept, so it cannot be the primary key, and WITHOUT ROWID would need a made-up
--   tie-breaker column in the key. WITHOUT ROWID also suits small rows only; these are wide.
-- - Rows arrive in roughly increasing time, so the implicit rowid appends at the right edge of
--   the table b-tree (cheap ingest), and the rowid breaks ties between equal timestamps in
--   insertion order when reading.
-- - The index serves every read, "one well in [from, to), oldest first", and the per-well
--   count; it holds the rowid too, so `ORDER BY ts, rowid` is satisfied without a sort.
-- No other index: each one would slow the hot ingest path.
--
-- Column names are exactly the canonical parameter names (`Parameter::as_str`).
CREATE TABLE telemetry (
    well_id            TEXT    NOT NULL,
    -- When the poll completed, unix epoch milliseconds UTC.
    ts                 INTEGER NOT NULL,
    current_a          REAL,
    current_b          REAL,
    current_c          REAL,
    voltage_ab         REAL,
    voltage_bc         REAL,
    voltage_ca         REAL,
    frequency          REAL,
    power              REAL,
    power_factor       REAL,
    intake_pressure    REAL,
    intake_temperature REAL,
    discharge_pressure REAL,
    motor_temperature  REAL,
    vibration_x        REAL,
    vibration_y        REAL,
    leakage_current    REAL,
    tubing_pressure    REAL,
    casing_pressure    REAL,
    flow_rate          REAL,
    drive_temperature  REAL,
    starts_count       REAL,
    -- The canonical drive state (`RunState::as_str`) and the device's own code beside it.
    run_state          TEXT,
    run_state_raw      INTEGER,
    -- The canonical last-shutdown reason (`TripCode::as_str`) and the vendor's own code.
    trip_code          TEXT,
    trip_code_raw      INTEGER
);

CREATE INDEX telemetry_well_ts ON telemetry (well_id, ts);
