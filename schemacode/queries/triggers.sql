-- User triggers (not the internal ones behind foreign keys).
WITH trg AS MATERIALIZED (
    SELECT t.oid, t.tgrelid, t.tgname, t.tgfoid, t.tgenabled
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s)
      AND NOT t.tgisinternal
      AND t.tgparentid = 0
), cols AS (
    -- the columns each trigger reads (UPDATE OF, WHEN), for all of them in one pass, not a
    -- subquery per trigger with a sort of its own; array_agg(DISTINCT) sorts them by name as the
    -- subquery's DISTINCT did
    SELECT d.objid, array_agg(DISTINCT a.attname) AS columns
    FROM pg_depend d
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_trigger'::regclass AND d.objid IN (SELECT oid FROM trg)
      AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
    GROUP BY d.objid
)
SELECT t.tgrelid AS relid, t.tgname AS name,
       pg_get_triggerdef(t.oid) AS definition,
       ARRAY[pn.nspname, p.proname]::text[] AS function,
       t.tgenabled <> 'D' AS enabled,
       dsc.description AS comment,
       coalesce(cols.columns, '{}') AS columns
FROM trg t
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
LEFT JOIN cols ON cols.objid = t.oid
LEFT JOIN pg_description dsc  -- (obj_description, joined: as a function it runs a query per row)
       ON dsc.objoid = t.oid AND dsc.classoid = 'pg_trigger'::regclass AND dsc.objsubid = 0
ORDER BY t.tgrelid, t.tgname
