-- Observations keyed series first, with no secondary indexes: every query on observations
-- filters by series (then country and period), so the primary key (series, country, period,
-- vintage_id) serves them all, and an import maintains one B-tree per row instead of three.
-- Replaces the (country, series, period, vintage_id) key, observations_by_series (now the
-- key's prefix) and observations_by_source_url (no query reads observations by URL: the
-- explorer joins from observations to statistics_sources by that table's key). Same columns in
-- the same order, so exports are unchanged.

CREATE TABLE observations_new (
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
    PRIMARY KEY (series, country, period, vintage_id)
);
INSERT INTO observations_new SELECT country, series, period, vintage_id, value, unit, status, provisional,
    estimate, break_in_series, source_publisher, source_title, source_url, note, line FROM observations;
DROP TABLE observations;
ALTER TABLE observations_new RENAME TO observations;
