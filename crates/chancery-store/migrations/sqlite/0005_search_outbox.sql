-- Search outbox (issue 6). Every write transaction that changes something search shows
-- (reports, taskings, sources, incidents, engagements, policy measures, posts) appends one row
-- here in the same transaction as the change (the store does it where it appends the audit
-- event, so no caller can forget). `seq` is assigned under the write lock, so rows become
-- visible in `seq` order: each app server applies the rows after the last `seq` its own index
-- has committed. Derived data: left out of portable exports; an imported database is
-- re-indexed from its tables.
CREATE TABLE search_outbox (
    seq         INTEGER PRIMARY KEY,
    object_kind TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    at          TEXT NOT NULL
);

-- A random name for this database, so a search index built from another database (or from
-- this one before an import replaced its contents) is recognised and rebuilt. Not exported:
-- a database imported into gets its own.
CREATE TABLE search_identity (
    id TEXT NOT NULL
);
INSERT INTO search_identity (id) VALUES (lower(hex(randomblob(16))));
