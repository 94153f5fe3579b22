-- The series and indicator catalogue, and which evidence-locker source each statistics
-- publication is.
--
-- indicator_catalogues: every distinct version of content/indicators.toml loaded, kept whole
-- (the text is the definition; the newest row is in force), so an indicator value can be traced
-- to the definition it was computed with.
-- statistics_sources: a publication's URL, as observation rows carry it in source_url, linked
-- to the graded Source that stands for it (one source per publication, whatever the vintage).

CREATE TABLE indicator_catalogues (
    id        INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    toml      TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL
);

CREATE TABLE statistics_sources (
    source_url TEXT PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES sources (id),
    linked_at  TEXT NOT NULL,
    linked_by  TEXT NOT NULL
);
CREATE INDEX observations_by_source_url ON observations (source_url);
