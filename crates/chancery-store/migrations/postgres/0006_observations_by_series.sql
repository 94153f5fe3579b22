-- Observations keyed series first, with no secondary indexes: every query on observations
-- filters by series (then country and period), so the primary key (series, country, period,
-- vintage_id) serves them all, and an import maintains one B-tree per row instead of three.
-- Replaces the (country, series, period, vintage_id) key, observations_by_series (now the
-- key's prefix) and observations_by_source_url (no query reads observations by URL: the
-- explorer joins from observations to statistics_sources by that table's key). The columns
-- stay as they are, so exports are unchanged.

DROP INDEX observations_by_series;
DROP INDEX observations_by_source_url;
ALTER TABLE observations DROP CONSTRAINT observations_pkey;
ALTER TABLE observations ADD PRIMARY KEY (series, country, period, vintage_id);
