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
-- PostgreSQL counts once per statement; every write transaction holds the write lock
-- (`pg_advisory_xact_lock`), so the one counter row adds no lock waits or deadlocks.
CREATE TABLE data_generation (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO data_generation (id, n) VALUES (1, 0);
CREATE FUNCTION bump_data_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_generation SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER posts_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON posts FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER users_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER vocab_terms_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON vocab_terms FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER taskings_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON taskings FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER tasking_addressees_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tasking_addressees FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER reports_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reports FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER section_revisions_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON section_revisions FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER report_versions_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON report_versions FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER comments_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON comments FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER blobs_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON blobs FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER sources_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sources FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER source_grades_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON source_grades FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER incidents_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON incidents FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER incident_sources_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON incident_sources FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER engagements_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON engagements FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER policy_measures_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON policy_measures FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER vintages_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON vintages FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER indicator_catalogues_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicator_catalogues FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER statistics_sources_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statistics_sources FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
CREATE TRIGGER audit_events_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION bump_data_generation();
