-- 0004: the roll-ups of 0003 become write-behind: recent batches' roll-ups are held in memory
-- and merged into telemetry_1m/telemetry_1h by a periodic flush, not by every batch.
--
-- `rollup_watermark.seq` is the highest `telemetry` rowid up to which every row's values are
-- counted in the roll-up tables; each flush advances it in the transaction that merges its
-- rows. At open, the buckets of raw rows past it (a crash lost what memory held) are recounted
-- from raw data and replaced, then it moves to the highest rowid recounted.
--
-- The rowid serves as the sequence because telemetry is a rowid table without AUTOINCREMENT:
-- a new row takes the highest rowid + 1. SQLite reuses rowids only when the rows holding the
-- highest ones are deleted (retention dropping the newest day, say, after restoring an old
-- one); rows then written below the watermark would not be recounted after a crash. Retention
-- deletes the oldest days, so the highest rowids survive in practice.
--
-- One row, always. Its first value: before this migration roll-ups were merged in the raw
-- rows' own transaction, so every stored row is counted.
CREATE TABLE rollup_watermark (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);

INSERT INTO rollup_watermark (id, seq) SELECT 1, coalesce(max(rowid), 0) FROM telemetry;
