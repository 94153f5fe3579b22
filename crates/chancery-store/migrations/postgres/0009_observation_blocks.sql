-- Observations stored in blocks (issue 4, import speed): the observations one vintage brought
-- for one (series, country) are one row, their columns a JSON object (`data`, format in
-- crates/chancery-store/src/blocks.rs), instead of one row per observation. Every query reads
-- observations by series (and country), whole; an import of ten million observations writes
-- tens of thousands of rows instead of maintaining a ten-million-entry key. The current value
-- of (series, country, period) is still the one of its latest vintage, and earlier vintages'
-- blocks stay. Existing observations move over unchanged (same values, units, flags, sources,
-- notes and lines), one block per (series, country, vintage). Kept as text, not jsonb, so the
-- stored bytes are exactly what was written.

-- Floats to text exactly (shortest form that reads back as the same double), whatever the
-- server's setting.
SET LOCAL extra_float_digits = 3;

CREATE TABLE observation_blocks (
    series       TEXT NOT NULL,
    country      TEXT NOT NULL,
    vintage_id   BIGINT NOT NULL REFERENCES vintages (id),
    observations BIGINT NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (series, country, vintage_id)
);

INSERT INTO observation_blocks (series, country, vintage_id, observations, data)
SELECT series, country, vintage_id, COUNT(*), json_build_object(
        'period', json_agg(period ORDER BY period),
        'value', json_agg(value ORDER BY period),
        'line', json_agg(line ORDER BY period),
        'unit', json_agg(unit ORDER BY period),
        'status', json_agg(status ORDER BY period),
        'provisional', json_agg(provisional <> 0 ORDER BY period),
        'estimate', json_agg(estimate <> 0 ORDER BY period),
        'break_in_series', json_agg(break_in_series <> 0 ORDER BY period),
        'source_publisher', json_agg(source_publisher ORDER BY period),
        'source_title', json_agg(source_title ORDER BY period),
        'source_url', json_agg(source_url ORDER BY period),
        'note', json_agg(note ORDER BY period))::text
FROM observations
GROUP BY series, country, vintage_id;

DROP TABLE observations;
