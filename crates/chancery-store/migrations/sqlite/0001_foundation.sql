-- Chancery foundation schema. Append-only: never edit an applied migration; add a new one.
-- Portable SQL where possible (the PostgreSQL backend keeps its own folder in step).
-- Timestamps are RFC 3339 UTC text; dates are ISO 8601 text.

CREATE TABLE posts (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('embassy', 'consulate')),
    country     TEXT NOT NULL,
    region      TEXT NOT NULL
);

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'hq_editor', 'post_drafter', 'post_approver', 'reader')),
    clearance     TEXT NOT NULL CHECK (clearance IN ('U', 'SBU', 'C', 'S')),
    post_code     TEXT REFERENCES posts (code),
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

CREATE TABLE vocab_terms (
    vocab      TEXT NOT NULL,
    code       TEXT NOT NULL,
    label      TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (vocab, code)
);

CREATE TABLE taskings (
    reference      TEXT PRIMARY KEY,
    subject        TEXT NOT NULL,
    classification TEXT NOT NULL CHECK (classification IN ('U', 'SBU', 'C', 'S')),
    due_date       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'closed')),
    spec_json      TEXT NOT NULL,
    spec_sha256    TEXT NOT NULL,
    issued_at      TEXT,
    issued_by      TEXT REFERENCES users (username),
    created_at     TEXT NOT NULL
);

CREATE TABLE tasking_addressees (
    tasking_ref TEXT NOT NULL REFERENCES taskings (reference),
    post_code   TEXT NOT NULL REFERENCES posts (code),
    PRIMARY KEY (tasking_ref, post_code)
);

CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    tasking_ref  TEXT NOT NULL REFERENCES taskings (reference),
    post_code    TEXT NOT NULL REFERENCES posts (code),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'in_clearance', 'cleared', 'transmitted', 'accepted', 'returned')),
    version_no   INTEGER NOT NULL DEFAULT 1,
    lock_version INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (tasking_ref, post_code)
);

-- Every save of a section is a new revision; the current text is the latest revision.
CREATE TABLE section_revisions (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    version_no  INTEGER NOT NULL,
    section_key TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    body        TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    author      TEXT NOT NULL REFERENCES users (username),
    created_at  TEXT NOT NULL,
    UNIQUE (report_id, section_key, revision)
);

-- A transmitted version, frozen: its content and the findings it was transmitted with.
CREATE TABLE report_versions (
    report_id      INTEGER NOT NULL REFERENCES reports (id),
    version_no     INTEGER NOT NULL,
    content_json   TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    findings_json  TEXT NOT NULL,
    lint_override  TEXT,
    transmitted_by TEXT NOT NULL REFERENCES users (username),
    transmitted_at TEXT NOT NULL,
    PRIMARY KEY (report_id, version_no)
);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    version_no  INTEGER NOT NULL,
    section_key TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('comment', 'return')),
    author      TEXT NOT NULL REFERENCES users (username),
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Captured evidence, content-addressed.
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    content    BLOB NOT NULL
);

CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    publisher       TEXT NOT NULL,
    title           TEXT NOT NULL,
    url             TEXT,
    published       TEXT,
    language        TEXT NOT NULL,
    marking         TEXT NOT NULL CHECK (marking IN ('U', 'SBU', 'C', 'S')),
    derived_from    INTEGER REFERENCES sources (id),
    capture_sha256  TEXT REFERENCES blobs (sha256),
    capture_name    TEXT,
    retrieved_at    TEXT,
    reliability     TEXT NOT NULL DEFAULT 'F' CHECK (reliability IN ('A', 'B', 'C', 'D', 'E', 'F')),
    credibility     TEXT NOT NULL DEFAULT '6' CHECK (credibility IN ('1', '2', '3', '4', '5', '6')),
    grade_rationale TEXT,
    graded_by       TEXT REFERENCES users (username),
    graded_at       TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

-- Every grading act, kept.
CREATE TABLE source_grades (
    id          INTEGER PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    reliability TEXT NOT NULL,
    credibility TEXT NOT NULL,
    rationale   TEXT NOT NULL,
    graded_by   TEXT NOT NULL REFERENCES users (username),
    graded_at   TEXT NOT NULL
);

-- Events, never persons: there is deliberately no column that could hold a name.
CREATE TABLE incidents (
    id             INTEGER PRIMARY KEY,
    post_code      TEXT NOT NULL REFERENCES posts (code),
    occurred       TEXT NOT NULL,
    occurred_until TEXT,
    country        TEXT NOT NULL,
    region         TEXT,
    locality       TEXT,
    category       TEXT NOT NULL,
    victims        INTEGER,
    suspects       INTEGER,
    legal_status   TEXT NOT NULL,
    verification   TEXT NOT NULL,
    summary        TEXT NOT NULL,
    marking        TEXT NOT NULL CHECK (marking IN ('U', 'SBU', 'C', 'S')),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE incident_sources (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    PRIMARY KEY (incident_id, source_id)
);

CREATE TABLE engagements (
    id             INTEGER PRIMARY KEY,
    post_code      TEXT NOT NULL REFERENCES posts (code),
    tasking_ref    TEXT REFERENCES taskings (reference),
    date           TEXT NOT NULL,
    host_office    TEXT NOT NULL,
    official_title TEXT NOT NULL,
    talking_points TEXT NOT NULL,
    host_response  TEXT NOT NULL,
    follow_up      TEXT NOT NULL,
    marking        TEXT NOT NULL CHECK (marking IN ('U', 'SBU', 'C', 'S')),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE policy_measures (
    id           INTEGER PRIMARY KEY,
    country      TEXT NOT NULL,
    title        TEXT NOT NULL,
    measure_type TEXT NOT NULL,
    announced    TEXT,
    in_force     TEXT,
    description  TEXT NOT NULL,
    source_id    INTEGER REFERENCES sources (id),
    targets_json TEXT NOT NULL,
    marking      TEXT NOT NULL CHECK (marking IN ('U', 'SBU', 'C', 'S')),
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    object_kind    TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    payload        TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL UNIQUE
);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TRIGGER report_versions_no_update BEFORE UPDATE ON report_versions
BEGIN SELECT RAISE(ABORT, 'a transmitted report version is immutable'); END;
CREATE TRIGGER report_versions_no_delete BEFORE DELETE ON report_versions
BEGIN SELECT RAISE(ABORT, 'a transmitted report version is immutable'); END;

CREATE TRIGGER section_revisions_no_update BEFORE UPDATE ON section_revisions
BEGIN SELECT RAISE(ABORT, 'section revisions are append-only'); END;
CREATE TRIGGER section_revisions_no_delete BEFORE DELETE ON section_revisions
BEGIN SELECT RAISE(ABORT, 'section revisions are append-only'); END;

CREATE INDEX reports_by_post ON reports (post_code);
CREATE INDEX section_revisions_by_report ON section_revisions (report_id, section_key, revision);
CREATE INDEX comments_by_report ON comments (report_id);
CREATE INDEX incidents_by_post ON incidents (post_code);
CREATE INDEX engagements_by_post ON engagements (post_code);
