-- Indexes that do not back a constraint, with every column they read (keys, expressions, WHERE).
-- (pg_get_indexdef is two thirds of the time at 5,000 tables: it looks up each key column's
-- default operator class with a catalog scan; no cheaper way prints the same)
WITH idx AS MATERIALIZED (
    SELECT i.indexrelid, i.indrelid, i.indisvalid, ic.relname
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    WHERE n.nspname = ANY(%(schemas)s)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                      WHERE con.conrelid = i.indrelid AND con.conindid = i.indexrelid
                        AND con.contype IN ('p', 'u', 'x'))
), cols AS (
    -- the columns each index reads, for all of them in one pass (a subquery per index, with its
    -- own sort for DISTINCT, was a third of the time besides pg_get_indexdef); array_agg(DISTINCT)
    -- sorts them by name as the subquery's DISTINCT did
    SELECT d.objid, array_agg(DISTINCT a.attname) AS columns
    FROM pg_depend d
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.objid IN (SELECT indexrelid FROM idx)
      AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
    GROUP BY d.objid
)
SELECT i.indrelid AS relid, i.relname AS name,
       -- on a partitioned table, PostgreSQL prints ON ONLY (pg_dump attaches the partitions'
       -- indexes one by one); the index is meant for every partition, as CREATE INDEX … ON makes it
       CASE WHEN tc.relkind = 'p' THEN regexp_replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')
            ELSE pg_get_indexdef(i.indexrelid) END AS definition,
       i.indisvalid AS valid,
       dsc.description AS comment,
       coalesce(cols.columns, '{}') AS columns,
       -- a partition's copy of an index of its parent (attached to it: an index has one parent)
       inh.inhrelid IS NOT NULL AS inherited,
       pc.relname AS parent_index
FROM idx i
JOIN pg_class tc ON tc.oid = i.indrelid
LEFT JOIN cols ON cols.objid = i.indexrelid
LEFT JOIN pg_inherits inh ON inh.inhrelid = i.indexrelid
LEFT JOIN pg_class pc ON pc.oid = inh.inhparent
LEFT JOIN pg_description dsc  -- (obj_description, joined: as a function it runs a query per row)
       ON dsc.objoid = i.indexrelid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0
ORDER BY i.indrelid, i.relname
