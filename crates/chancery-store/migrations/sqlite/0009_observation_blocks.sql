-- Observations stored in blocks (issue 4, import speed): the observations one vintage brought
-- for one (series, country) are one row, their columns a JSON object (`data`, format in
-- crates/chancery-store/src/blocks.rs), instead of one row per observation. Every query reads
-- observations by series (and country), whole; an import of ten million observations writes
-- tens of thousands of rows instead of maintaining a ten-million-entry key. The current value
-- of (series, country, period) is still the one of its latest vintage, and earlier vintages'
-- blocks stay. Existing observations move over unchanged (same values, units, flags, sources,
-- notes and lines), one block per (series, country, vintage). Values are written with 17
-- significant digits, which read back as the same double (SQLite's own JSON rendering of a
-- REAL keeps 15 and would round some).

CREATE TABLE observation_blocks (
    series       TEXT NOT NULL,
    country      TEXT NOT NULL,
    vintage_id   INTEGER NOT NULL REFERENCES vintages (id),
    observations INTEGER NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (series, country, vintage_id)
);

INSERT INTO observation_blocks (series, country, vintage_id, observations, data)
SELECT series, country, vintage_id, COUNT(*), json_object(
        'period', json_group_array(period),
        'value', json_group_array(CASE WHEN value IS NULL THEN NULL ELSE json(printf('%!.17g', value)) END),
        'line', json_group_array(line),
        'unit', json_group_array(unit),
        'status', json_group_array(status),
        'provisional', json_group_array(json(CASE WHEN provisional <> 0 THEN 'true' ELSE 'false' END)),
        'estimate', json_group_array(json(CASE WHEN estimate <> 0 THEN 'true' ELSE 'false' END)),
        'break_in_series', json_group_array(json(CASE WHEN break_in_series <> 0 THEN 'true' ELSE 'false' END)),
        'source_publisher', json_group_array(source_publisher),
        'source_title', json_group_array(source_title),
        'source_url', json_group_array(source_url),
        'note', json_group_array(note))
FROM (SELECT * FROM observations ORDER BY series, country, vintage_id, period)
GROUP BY series, country, vintage_id;

DROP TABLE observations;
