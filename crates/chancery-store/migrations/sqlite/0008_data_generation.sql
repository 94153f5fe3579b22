-- The data generation (issue 3, page speed): one counter that every committed change to the
-- content tables moves forward, in the same transaction as the change. A server reads it with
-- the session on every request, so what it derived from the tables (the signed-in account, a
-- rendered page) may be reused while the counter is unchanged, by any number of servers and
-- whatever process wrote (a CLI import included). Not counted: sessions, login throttling,
-- the search outbox, identity and readers (short-lived or derived state), API tokens (stamped
-- with their last use on every API call, outside the write lock; no reused page shows them),
-- and observations, which are only ever written with a new vintage in the same transaction:
-- the vintage counts for them, and a million-row import costs one step, not a million.
-- Left out of portable exports.
CREATE TABLE data_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO data_generation (id, n) VALUES (1, 0);
CREATE TRIGGER posts_generation_insert AFTER INSERT ON posts BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER posts_generation_update AFTER UPDATE ON posts BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER posts_generation_delete AFTER DELETE ON posts BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER users_generation_insert AFTER INSERT ON users BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER users_generation_update AFTER UPDATE ON users BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER users_generation_delete AFTER DELETE ON users BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER vocab_terms_generation_insert AFTER INSERT ON vocab_terms BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER vocab_terms_generation_update AFTER UPDATE ON vocab_terms BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER vocab_terms_generation_delete AFTER DELETE ON vocab_terms BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER taskings_generation_insert AFTER INSERT ON taskings BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER taskings_generation_update AFTER UPDATE ON taskings BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER taskings_generation_delete AFTER DELETE ON taskings BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER tasking_addressees_generation_insert AFTER INSERT ON tasking_addressees BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER tasking_addressees_generation_update AFTER UPDATE ON tasking_addressees BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER tasking_addressees_generation_delete AFTER DELETE ON tasking_addressees BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER reports_generation_insert AFTER INSERT ON reports BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER reports_generation_update AFTER UPDATE ON reports BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER reports_generation_delete AFTER DELETE ON reports BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER section_revisions_generation_insert AFTER INSERT ON section_revisions BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER section_revisions_generation_update AFTER UPDATE ON section_revisions BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER section_revisions_generation_delete AFTER DELETE ON section_revisions BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER report_versions_generation_insert AFTER INSERT ON report_versions BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER report_versions_generation_update AFTER UPDATE ON report_versions BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER report_versions_generation_delete AFTER DELETE ON report_versions BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER comments_generation_insert AFTER INSERT ON comments BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER comments_generation_update AFTER UPDATE ON comments BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER comments_generation_delete AFTER DELETE ON comments BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER blobs_generation_insert AFTER INSERT ON blobs BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER blobs_generation_update AFTER UPDATE ON blobs BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER blobs_generation_delete AFTER DELETE ON blobs BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER sources_generation_insert AFTER INSERT ON sources BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER sources_generation_update AFTER UPDATE ON sources BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER sources_generation_delete AFTER DELETE ON sources BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER source_grades_generation_insert AFTER INSERT ON source_grades BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER source_grades_generation_update AFTER UPDATE ON source_grades BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER source_grades_generation_delete AFTER DELETE ON source_grades BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER incidents_generation_insert AFTER INSERT ON incidents BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER incidents_generation_update AFTER UPDATE ON incidents BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER incidents_generation_delete AFTER DELETE ON incidents BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER incident_sources_generation_insert AFTER INSERT ON incident_sources BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER incident_sources_generation_update AFTER UPDATE ON incident_sources BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER incident_sources_generation_delete AFTER DELETE ON incident_sources BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER engagements_generation_insert AFTER INSERT ON engagements BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER engagements_generation_update AFTER UPDATE ON engagements BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER engagements_generation_delete AFTER DELETE ON engagements BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER policy_measures_generation_insert AFTER INSERT ON policy_measures BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER policy_measures_generation_update AFTER UPDATE ON policy_measures BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER policy_measures_generation_delete AFTER DELETE ON policy_measures BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER vintages_generation_insert AFTER INSERT ON vintages BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER vintages_generation_update AFTER UPDATE ON vintages BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER vintages_generation_delete AFTER DELETE ON vintages BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER indicator_catalogues_generation_insert AFTER INSERT ON indicator_catalogues BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER indicator_catalogues_generation_update AFTER UPDATE ON indicator_catalogues BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER indicator_catalogues_generation_delete AFTER DELETE ON indicator_catalogues BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER statistics_sources_generation_insert AFTER INSERT ON statistics_sources BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER statistics_sources_generation_update AFTER UPDATE ON statistics_sources BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER statistics_sources_generation_delete AFTER DELETE ON statistics_sources BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER audit_events_generation_insert AFTER INSERT ON audit_events BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER audit_events_generation_update AFTER UPDATE ON audit_events BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER audit_events_generation_delete AFTER DELETE ON audit_events BEGIN UPDATE data_generation SET n = n + 1; END;
