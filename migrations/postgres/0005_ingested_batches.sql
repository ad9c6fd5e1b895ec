-- 0005: telemetry batches are written at most once, even when a commit's answer is lost.
--
-- A batch whose COMMIT reached the server but whose answer did not reach the recorder (the
-- server stopped, the network broke) counts as failed, and the recorder writes it again. Each
-- batch therefore leaves its fingerprint here, in its own transaction: a retry whose
-- fingerprint is already present rolls back its copy and counts as written.
--
-- `last_seq` is the batch's highest `telemetry.seq`, so the retry can hand the roll-ups the
-- same watermark the first write would have. Rows older than a day are deleted as new batches
-- arrive: a retry comes within minutes, or after a restart from the spool within the outage.
CREATE TABLE ingested_batches (
    fingerprint bigint      PRIMARY KEY,
    last_seq    bigint      NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ingested_batches_written_at ON ingested_batches (written_at);
