-- 0004: the roll-ups of 0003 become write-behind (the counterpart of migrations/sqlite/0004):
-- recent batches' roll-ups are held in memory and merged into telemetry_1m/telemetry_1h by a
-- periodic flush, not by every batch.
--
-- `rollup_watermark.seq` is the highest `telemetry.seq` up to which every row's values are
-- counted in the roll-up tables; each flush advances it in the transaction that merges its
-- rows. At open, the buckets of raw rows past it (a crash lost what memory held) are recounted
-- from raw data and replaced, then it moves to the highest `seq` recounted.
--
-- One row, always. Its first value: before this migration roll-ups were merged in the raw
-- rows' own transaction, so every row the sequence numbered is counted.
CREATE TABLE rollup_watermark (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      bigint  NOT NULL
);

INSERT INTO rollup_watermark (seq) SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM telemetry_seq;

-- The open's question "which raw rows are past the watermark?" without reading every
-- partition: `seq` grows with the physical order of each append-only partition, which is what
-- a BRIN index summarises, in a few pages per partition and at little cost to ingest. Block
-- ranges not yet summarised (the newest) are always read, and they are the ones that matter.
CREATE INDEX telemetry_seq_brin ON telemetry USING brin (seq);
