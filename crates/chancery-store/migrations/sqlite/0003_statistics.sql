-- Official statistics: every import is a vintage (file, hash, time, who), and each observation
-- row belongs to the vintage that brought its value. The current value of a key is the row of
-- its latest vintage; earlier rows stay, so a revision can be traced to the reports that cited
-- the old value.

CREATE TABLE vintages (
    id           INTEGER PRIMARY KEY,
    file_name    TEXT NOT NULL,
    file_sha256  TEXT NOT NULL,
    format       TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    imported_by  TEXT NOT NULL,
    rows_read    INTEGER NOT NULL,
    observations INTEGER NOT NULL,
    imported     INTEGER NOT NULL,
    unchanged    INTEGER NOT NULL,
    skipped      INTEGER NOT NULL
);

CREATE TABLE observations (
    country          TEXT NOT NULL,
    series           TEXT NOT NULL,
    period           TEXT NOT NULL,
    vintage_id       INTEGER NOT NULL REFERENCES vintages (id),
    value            REAL,
    unit             TEXT,
    status           TEXT,
    provisional      INTEGER NOT NULL,
    estimate         INTEGER NOT NULL,
    break_in_series  INTEGER NOT NULL,
    source_publisher TEXT,
    source_title     TEXT,
    source_url       TEXT,
    note             TEXT,
    line             INTEGER NOT NULL,
    PRIMARY KEY (country, series, period, vintage_id)
);
CREATE INDEX observations_by_series ON observations (series, country, period);
CREATE INDEX vintages_by_sha ON vintages (file_sha256);
