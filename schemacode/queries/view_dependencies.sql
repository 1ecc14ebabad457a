-- Which relations (and which of their columns) each view or materialized view reads.
SELECT DISTINCT r.ev_class AS view_relid, d.refobjid AS relid,
       ARRAY[rn.nspname, rc.relname]::text[] AS relation, a.attname AS column_name
FROM pg_rewrite r
JOIN pg_class vc ON vc.oid = r.ev_class
JOIN pg_namespace vn ON vn.oid = vc.relnamespace
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
JOIN pg_class rc ON rc.oid = d.refobjid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
WHERE vn.nspname = ANY(%(schemas)s) AND vc.relkind IN ('v', 'm')
ORDER BY 1, 3, 4
