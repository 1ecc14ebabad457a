-- Table constraints (primary key, unique, foreign key, check, exclude) as PostgreSQL prints them.
-- NOT NULL constraints (contype 'n', PostgreSQL 18) are read from pg_attribute instead.
SELECT con.conrelid AS relid, con.conname AS name, con.contype AS kind,
       pg_get_constraintdef(con.oid) AS definition,
       coalesce(keys.columns, '{}') AS columns,
       CASE WHEN con.contype = 'f' THEN ARRAY[fn.nspname, fc.relname]::text[] END AS ref_table,
       coalesce(keys.ref_columns, '{}') AS ref_columns,
       dsc.description AS comment,
       -- a partition's copy of its parent's key, foreign key or check: its parent's, not its own
       -- (read for DETACH, which makes it the table's own)
       con.conparentid <> 0 OR (con.contype = 'c' AND NOT con.conislocal) AS inherited,
       (SELECT p.conname FROM pg_constraint p WHERE p.oid = con.conparentid) AS parent_constraint,
       -- a partition's own key whose index PostgreSQL took as its copy of a parent's index
       CASE WHEN con.conparentid = 0 AND con.contype IN ('p', 'u', 'x') THEN
           (SELECT pc.relname FROM pg_inherits inh JOIN pg_class pc ON pc.oid = inh.inhparent
            WHERE inh.inhrelid = con.conindid) END AS parent_index
FROM pg_constraint con
JOIN pg_namespace n ON n.oid = con.connamespace
-- the names of the key's columns and of those it references, in order: for all constraints in
-- one pass (as subqueries, one per row and array, they took half of this query's time)
LEFT JOIN (SELECT k.oid,
                  array_agg(a.attname ORDER BY k.ord) FILTER (WHERE k.ref = 0) AS columns,
                  array_agg(a.attname ORDER BY k.ord) FILTER (WHERE k.ref = 1) AS ref_columns
           FROM (SELECT c.oid, 0 AS ref, c.conrelid AS relid, u.num, u.ord
                 FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY u(num, ord)
                 WHERE c.connamespace IN (SELECT oid FROM pg_namespace WHERE nspname = ANY(%(schemas)s))
                 UNION ALL
                 SELECT c.oid, 1, c.confrelid, u.num, u.ord
                 FROM pg_constraint c, unnest(c.confkey) WITH ORDINALITY u(num, ord)
                 WHERE c.connamespace IN (SELECT oid FROM pg_namespace WHERE nspname = ANY(%(schemas)s))) k
           JOIN pg_attribute a ON a.attrelid = k.relid AND a.attnum = k.num
           GROUP BY k.oid) keys ON keys.oid = con.oid
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_description dsc  -- (obj_description, joined: as a function it runs a query per row)
       ON dsc.objoid = con.oid AND dsc.classoid = 'pg_constraint'::regclass AND dsc.objsubid = 0
WHERE n.nspname = ANY(%(schemas)s)
  AND con.conrelid <> 0
  AND con.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY con.conrelid, con.conname
