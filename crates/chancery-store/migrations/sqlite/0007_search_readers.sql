-- Search outbox pruning (issue 6). Every search index (one per app server, or a CLI run's)
-- records here the last outbox `seq` it has applied and when it last said so. Outbox rows at
-- or below the lowest position of the indexes seen within the retention window have been
-- applied by all of them and are deleted (the newest row always stays, so `seq` keeps
-- counting up). An index not seen within the window is forgotten; if it comes back after
-- rows it needed were deleted, it notices the gap and rebuilds from the tables. Derived,
-- short-lived data: left out of portable exports.
CREATE TABLE search_readers (
    reader  TEXT PRIMARY KEY,
    seq     BIGINT NOT NULL,
    seen_at TEXT NOT NULL
);
