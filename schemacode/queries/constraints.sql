-- Table constraints (primary key, unique, foreign key, check, exclude) as PostgreSQL prints them.
-- NOT NULL constraints (contype 'n', PostgreSQL 18) are read from pg_attribute instead.
-- (pg_get_constraintdef is a fifth of the time at 1,000 tables, and no cheaper way prints the same)
WITH con AS MATERIALIZED (  -- the constraints read, once: the key names below need no others
    SELECT con.oid, con.conrelid, con.conname, con.contype, con.confrelid, con.conparentid,
           con.conislocal, con.conindid, con.conkey, con.confkey
    FROM pg_constraint con
    JOIN pg_namespace n ON n.oid = con.connamespace
    WHERE n.nspname = ANY(%(schemas)s)
      AND con.conrelid <> 0
      AND con.contype IN ('p', 'u', 'f', 'c', 'x')
), keys AS (
    -- the names of the key's columns and of those it references, in order: for all constraints
    -- in one pass (as subqueries, one per row and array, they took half of this query's time).
    -- unnest in the select list, not in FROM: a function in FROM fills a tuplestore per row.
    SELECT k.oid,
           array_agg(a.attname ORDER BY k.ord) FILTER (WHERE k.ref = 0) AS columns,
           array_agg(a.attname ORDER BY k.ord) FILTER (WHERE k.ref = 1) AS ref_columns
    FROM (SELECT con.oid, 0 AS ref, con.conrelid AS relid,
                 unnest(con.conkey) AS num, generate_subscripts(con.conkey, 1) AS ord
          FROM con
          UNION ALL
          SELECT con.oid, 1, con.confrelid, unnest(con.confkey), generate_subscripts(con.confkey, 1)
          FROM con WHERE con.confkey IS NOT NULL) k
    -- an index probe per key column (OFFSET 0 keeps it one): joined plainly, the planner hashed
    -- the whole of pg_attribute, every relation's columns, for a few per constraint
    JOIN LATERAL (SELECT at.attname FROM pg_attribute at
                  WHERE at.attrelid = k.relid AND at.attnum = k.num OFFSET 0) a ON true
    GROUP BY k.oid
)
SELECT con.conrelid AS relid, con.conname AS name, con.contype AS kind,
       pg_get_constraintdef(con.oid) AS definition,
       coalesce(keys.columns, '{}') AS columns,
       CASE WHEN con.contype = 'f' THEN ARRAY[fn.nspname, fc.relname]::text[] END AS ref_table,
       coalesce(keys.ref_columns, '{}') AS ref_columns,
       dsc.description AS comment,
       -- a partition's copy of its parent's key, foreign key or check: its parent's, not its own
       -- (read for DETACH, which makes it the table's own)
       con.conparentid <> 0 OR (con.contype = 'c' AND NOT con.conislocal) AS inherited,
       CASE WHEN con.conparentid <> 0 THEN  -- (looked up only where there is a parent)
           (SELECT p.conname FROM pg_constraint p WHERE p.oid = con.conparentid) END AS parent_constraint,
       -- a partition's own key whose index PostgreSQL took as its copy of a parent's index
       CASE WHEN con.conparentid = 0 AND con.contype IN ('p', 'u', 'x') THEN
           (SELECT pc.relname FROM pg_inherits inh JOIN pg_class pc ON pc.oid = inh.inhparent
            WHERE inh.inhrelid = con.conindid) END AS parent_index
FROM con
LEFT JOIN keys ON keys.oid = con.oid
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_description dsc  -- (obj_description, joined: as a function it runs a query per row)
       ON dsc.objoid = con.oid AND dsc.classoid = 'pg_constraint'::regclass AND dsc.objsubid = 0
ORDER BY con.conrelid, con.conname
