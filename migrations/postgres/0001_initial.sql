-- 0001: the PostgreSQL historian's first schema (the counterpart of migrations/sqlite/0001).
--
-- Shipped migrations are never edited: a change is a new numbered file. sqlx records what ran
-- in `_sqlx_migrations` and refuses to start if a shipped file was altered.
--
-- Conventions for every table here: times are `timestamptz` kept to the millisecond (the store
-- truncates before it writes); text the store never queries but must read back byte for byte
-- (definitions, evidence, alarm memory, baselines) is `json`, which checks the syntax and keeps
-- the text as written (`jsonb` would reorder keys and respell numbers).

-- Wells added at run time through the API, so they come back after a restart. Wells from the
-- configuration file are not stored here; the file stays their source of truth.
CREATE TABLE wells (
    -- The well id as validated by `WellId` (1-64 of [A-Za-z0-9._-]).
    id         text        NOT NULL PRIMARY KEY,
    -- The definition as the service serialises it.
    definition json        NOT NULL,
    -- When the definition was last saved.
    updated_at timestamptz NOT NULL
);

-- Raw telemetry: one row per poll of one well, one column per canonical parameter, as in
-- SQLite (a poll is written and read as a whole; absent values are NULLs, which cost one bit).
--
-- Partitioned by time with native declarative partitioning, one partition per UTC day, named
-- `telemetry_pYYYYMMDD`. The store creates partitions itself (`CREATE TABLE IF NOT EXISTS ...
-- PARTITION OF telemetry FOR VALUES FROM (day) TO (next day)`): at open for today and the days
-- just ahead, and before a write for any day of the batch it has not seen. Retention drops whole
-- partitions; it never deletes row by row.
--
-- (well_id, at) is not a key: two polls may complete in the same millisecond and both rows are
-- kept. `seq` records the write order, so equal times read back in the order they were written.
-- It comes from a plain sequence rather than an identity column (PostgreSQL 15 allows none on a
-- partitioned table), without a per-session cache (CACHE 1): with one, two pooled connections
-- would draw from different blocks, and a later batch could take smaller numbers.
CREATE SEQUENCE telemetry_seq AS bigint;

-- Column names are exactly the canonical parameter names (`Parameter::as_str`).
CREATE TABLE telemetry (
    well_id            text             NOT NULL,
    -- When the poll completed.
    at                 timestamptz      NOT NULL,
    seq                bigint           NOT NULL DEFAULT nextval('telemetry_seq'),
    current_a          double precision,
    current_b          double precision,
    current_c          double precision,
    voltage_ab         double precision,
    voltage_bc         double precision,
    voltage_ca         double precision,
    frequency          double precision,
    power              double precision,
    power_factor       double precision,
    intake_pressure    double precision,
    intake_temperature double precision,
    discharge_pressure double precision,
    motor_temperature  double precision,
    vibration_x        double precision,
    vibration_y        double precision,
    leakage_current    double precision,
    tubing_pressure    double precision,
    casing_pressure    double precision,
    flow_rate          double precision,
    drive_temperature  double precision,
    starts_count       double precision,
    -- The canonical drive state (`RunState::as_str`) and the device's own code beside it, kept
    -- as it came (a fractional code is not truncated).
    run_state          text,
    run_state_raw      double precision,
    -- The canonical last-shutdown reason (`TripCode::as_str`) and the vendor's own code.
    trip_code          text,
    trip_code_raw      double precision
) PARTITION BY RANGE (at);

ALTER SEQUENCE telemetry_seq OWNED BY telemetry.seq;

-- Serves every read, "one well in [from, to), oldest first, ties in write order", and the
-- per-well count. Declared on the parent, so every partition gets its own copy. No other
-- index: each one would slow the hot ingest path.
CREATE INDEX telemetry_well_at ON telemetry (well_id, at, seq);

-- Catches what no day partition covers: a day whose partition could not be created (its rows
-- already sit here, or the store lacked the right), so that such a sample is kept, never refused.
CREATE TABLE telemetry_default PARTITION OF telemetry DEFAULT;
