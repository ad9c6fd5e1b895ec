-- 0006: who may use the service (users and API keys), and an audit trail that says more about
-- each action: the actor's role, the client's address, the request's parameters and the result
-- (the counterpart of migrations/sqlite/0006).
--
-- Conventions, as in 0001 and 0002: times are `timestamptz` to the millisecond; a role is stored
-- as its name (`Role::as_str`), one of the five, which the CHECKs hold to. Secrets are never
-- stored: a password as its argon2id PHC string, an API key as the hex SHA-256 of its secret
-- part.

-- People's accounts, replaced on every save (upsert by name). A disabled user is kept, so the
-- audit trail's names keep meaning someone, and cannot log in.
CREATE TABLE users (
    -- 1-64 of [A-Za-z0-9._-].
    name          text        NOT NULL PRIMARY KEY,
    role          text        NOT NULL CHECK (role IN ('viewer', 'operator', 'engineer', 'admin', 'service')),
    -- argon2id PHC string (`$argon2id$v=19$m=...`).
    password_hash text        NOT NULL,
    disabled      boolean     NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- Service accounts' keys, replaced on every save (upsert by id). A revoked key is kept with the
-- time it was revoked: it never works again, and the audit trail's key ids keep meaning one.
CREATE TABLE api_keys (
    -- The key's public part, 12 hex digits.
    id          text        NOT NULL PRIMARY KEY,
    -- What the key is for (`gateway-7 push`).
    name        text        NOT NULL,
    role        text        NOT NULL CHECK (role IN ('viewer', 'operator', 'engineer', 'admin', 'service')),
    -- Hex SHA-256 of the key's secret part.
    secret_hash text        NOT NULL,
    -- The admin who made it.
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    -- NULL while the key works.
    revoked_at  timestamptz
);

-- The audit trail gains what authentication knows. All nullable: rows written before this
-- migration have none of it. ALTER TABLE is not UPDATE, DELETE or TRUNCATE, so 0002's
-- append-only trigger neither fires here nor loses its hold. `actor` is from now on the user
-- name or API key id.
ALTER TABLE audit
    -- The actor's role when the action was asked.
    ADD COLUMN role   text,
    -- The client's address as the HTTP facade saw it (`10.0.0.7 (via 127.0.0.1)`).
    ADD COLUMN client text,
    -- The request's parameters as JSON text, secrets left out by the writer. Not checked to be
    -- JSON: an action is never left unaudited for how its parameters were written down.
    ADD COLUMN params text,
    -- `ok`, or the status and error code of a refusal (`401 unauthenticated`).
    ADD COLUMN result text;

-- The audit is read by time range (0002's index) and, within it, often by who acted or on
-- what: "what did alice do this week", "who restarted W-001". Audit writes are few (one per
-- mutating request, and requests are rate limited), so two more indexes cost little.
CREATE INDEX audit_actor_at ON audit (actor, at, seq);
CREATE INDEX audit_target_at ON audit (target, at, seq);
