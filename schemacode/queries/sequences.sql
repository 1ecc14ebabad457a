-- Options of every sequence in scope, and the column that owns it (OWNED BY), if any.
WITH seq AS MATERIALIZED (
    SELECT s.* FROM pg_sequence s
    JOIN pg_class c ON c.oid = s.seqrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s)
)
SELECT s.seqrelid AS relid, format_type(s.seqtypid, NULL) AS type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min_value,
       s.seqmax AS max_value, s.seqcache AS cache, s.seqcycle AS cycle,
       o.owner_table, o.owner_column
FROM seq s
-- the owning table and column in one lookup per sequence (they were two subqueries each)
LEFT JOIN LATERAL (
    SELECT ARRAY[tn.nspname, t.relname]::text[] AS owner_table, a.attname AS owner_column
    FROM pg_depend d
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.deptype = 'a'
      AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
    LIMIT 1) o ON true
ORDER BY s.seqrelid  -- (introspect.py keys them by relid: only for a stable order)
