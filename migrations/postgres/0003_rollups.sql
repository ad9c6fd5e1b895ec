-- 0003: telemetry roll-ups at 1 minute and 1 hour, kept as samples arrive (the counterpart of
-- migrations/sqlite/0003).
--
-- A long range reads as one row per bucket instead of one per poll. The store maintains these
-- tables incrementally: every batch of samples is summarised in memory per (well, bucket) and
-- merged here by one `INSERT ... SELECT FROM UNNEST(...) ON CONFLICT DO UPDATE` per batch, in the
-- transaction that writes the raw rows. The batch is summarised first so that no key appears
-- twice in one statement (which ON CONFLICT DO UPDATE refuses). History is never rescanned, so
-- a late or out-of-order sample lands in its bucket as well as a timely one.
--
-- Buckets are aligned to the Unix epoch in UTC; `bucket` is the bucket's start. Per numeric
-- canonical parameter `p` (`Parameter::as_str`; the run state and trip codes are not rolled
-- up), six columns:
-- - `p_min`, `p_max`: merged as the min of mins and the max of maxes;
-- - `p_sum`, `p_count`: added. The sum, not the average, is kept, so that merging stays exact;
--   the average is `p_sum / p_count` at read time. `p_count = 0` means no value in the bucket
--   (then min, max and last are NULL);
-- - `p_last`, `p_last_at`: the value of the latest sample that carried `p`, and its time. A
--   merge takes the incoming value when its time is the same or later, so of samples with equal
--   times the one written last wins.
--
-- The primary key's index serves both the upsert's conflict check and every read, "one well's
-- buckets in [from, to), oldest first"; no other index, each one would slow ingest. Every batch
-- updates the rows of the current buckets again, so pages are left a third free (fillfactor 70):
-- the new row version then fits on its page as a HOT update, which touches no index and leaves
-- less for vacuum. Not partitioned: a bucket row is ~60 (1 m) or ~3600 (1 h) times rarer than
-- raw rows; retention prunes old buckets with `DELETE ... WHERE bucket < $1`.

-- One row per well per minute that had values.
CREATE TABLE telemetry_1m (
    well_id                    text             NOT NULL,
    bucket                     timestamptz      NOT NULL,
    current_a_min              double precision,
    current_a_max              double precision,
    current_a_sum              double precision NOT NULL DEFAULT 0,
    current_a_count            bigint           NOT NULL DEFAULT 0,
    current_a_last             double precision,
    current_a_last_at          timestamptz,
    current_b_min              double precision,
    current_b_max              double precision,
    current_b_sum              double precision NOT NULL DEFAULT 0,
    current_b_count            bigint           NOT NULL DEFAULT 0,
    current_b_last             double precision,
    current_b_last_at          timestamptz,
    current_c_min              double precision,
    current_c_max              double precision,
    current_c_sum              double precision NOT NULL DEFAULT 0,
    current_c_count            bigint           NOT NULL DEFAULT 0,
    current_c_last             double precision,
    current_c_last_at          timestamptz,
    voltage_ab_min             double precision,
    voltage_ab_max             double precision,
    voltage_ab_sum             double precision NOT NULL DEFAULT 0,
    voltage_ab_count           bigint           NOT NULL DEFAULT 0,
    voltage_ab_last            double precision,
    voltage_ab_last_at         timestamptz,
    voltage_bc_min             double precision,
    voltage_bc_max             double precision,
    voltage_bc_sum             double precision NOT NULL DEFAULT 0,
    voltage_bc_count           bigint           NOT NULL DEFAULT 0,
    voltage_bc_last            double precision,
    voltage_bc_last_at         timestamptz,
    voltage_ca_min             double precision,
    voltage_ca_max             double precision,
    voltage_ca_sum             double precision NOT NULL DEFAULT 0,
    voltage_ca_count           bigint           NOT NULL DEFAULT 0,
    voltage_ca_last            double precision,
    voltage_ca_last_at         timestamptz,
    frequency_min              double precision,
    frequency_max              double precision,
    frequency_sum              double precision NOT NULL DEFAULT 0,
    frequency_count            bigint           NOT NULL DEFAULT 0,
    frequency_last             double precision,
    frequency_last_at          timestamptz,
    power_min                  double precision,
    power_max                  double precision,
    power_sum                  double precision NOT NULL DEFAULT 0,
    power_count                bigint           NOT NULL DEFAULT 0,
    power_last                 double precision,
    power_last_at              timestamptz,
    power_factor_min           double precision,
    power_factor_max           double precision,
    power_factor_sum           double precision NOT NULL DEFAULT 0,
    power_factor_count         bigint           NOT NULL DEFAULT 0,
    power_factor_last          double precision,
    power_factor_last_at       timestamptz,
    intake_pressure_min        double precision,
    intake_pressure_max        double precision,
    intake_pressure_sum        double precision NOT NULL DEFAULT 0,
    intake_pressure_count      bigint           NOT NULL DEFAULT 0,
    intake_pressure_last       double precision,
    intake_pressure_last_at    timestamptz,
    intake_temperature_min     double precision,
    intake_temperature_max     double precision,
    intake_temperature_sum     double precision NOT NULL DEFAULT 0,
    intake_temperature_count   bigint           NOT NULL DEFAULT 0,
    intake_temperature_last    double precision,
    intake_temperature_last_at timestamptz,
    discharge_pressure_min     double precision,
    discharge_pressure_max     double precision,
    discharge_pressure_sum     double precision NOT NULL DEFAULT 0,
    discharge_pressure_count   bigint           NOT NULL DEFAULT 0,
    discharge_pressure_last    double precision,
    discharge_pressure_last_at timestamptz,
    motor_temperature_min      double precision,
    motor_temperature_max      double precision,
    motor_temperature_sum      double precision NOT NULL DEFAULT 0,
    motor_temperature_count    bigint           NOT NULL DEFAULT 0,
    motor_temperature_last     double precision,
    motor_temperature_last_at  timestamptz,
    vibration_x_min            double precision,
    vibration_x_max            double precision,
    vibration_x_sum            double precision NOT NULL DEFAULT 0,
    vibration_x_count          bigint           NOT NULL DEFAULT 0,
    vibration_x_last           double precision,
    vibration_x_last_at        timestamptz,
    vibration_y_min            double precision,
    vibration_y_max            double precision,
    vibration_y_sum            double precision NOT NULL DEFAULT 0,
    vibration_y_count          bigint           NOT NULL DEFAULT 0,
    vibration_y_last           double precision,
    vibration_y_last_at        timestamptz,
    leakage_current_min        double precision,
    leakage_current_max        double precision,
    leakage_current_sum        double precision NOT NULL DEFAULT 0,
    leakage_current_count      bigint           NOT NULL DEFAULT 0,
    leakage_current_last       double precision,
    leakage_current_last_at    timestamptz,
    tubing_pressure_min        double precision,
    tubing_pressure_max        double precision,
    tubing_pressure_sum        double precision NOT NULL DEFAULT 0,
    tubing_pressure_count      bigint           NOT NULL DEFAULT 0,
    tubing_pressure_last       double precision,
    tubing_pressure_last_at    timestamptz,
    casing_pressure_min        double precision,
    casing_pressure_max        double precision,
    casing_pressure_sum        double precision NOT NULL DEFAULT 0,
    casing_pressure_count      bigint           NOT NULL DEFAULT 0,
    casing_pressure_last       double precision,
    casing_pressure_last_at    timestamptz,
    flow_rate_min              double precision,
    flow_rate_max              double precision,
    flow_rate_sum              double precision NOT NULL DEFAULT 0,
    flow_rate_count            bigint           NOT NULL DEFAULT 0,
    flow_rate_last             double precision,
    flow_rate_last_at          timestamptz,
    drive_temperature_min      double precision,
    drive_temperature_max      double precision,
    drive_temperature_sum      double precision NOT NULL DEFAULT 0,
    drive_temperature_count    bigint           NOT NULL DEFAULT 0,
    drive_temperature_last     double precision,
    drive_temperature_last_at  timestamptz,
    starts_count_min           double precision,
    starts_count_max           double precision,
    starts_count_sum           double precision NOT NULL DEFAULT 0,
    starts_count_count         bigint           NOT NULL DEFAULT 0,
    starts_count_last          double precision,
    starts_count_last_at       timestamptz,
    PRIMARY KEY (well_id, bucket)
) WITH (fillfactor = 70);

-- One row per well per hour that had values; the same columns, key and storage.
CREATE TABLE telemetry_1h (LIKE telemetry_1m INCLUDING ALL) WITH (fillfactor = 70);
