-- Table constraints (primary key, unique, foreign key, check, exclude) as PostgreSQL prints them.
-- NOT NULL constraints (contype 'n', PostgreSQL 18) are read from pg_attribute instead.
SELECT con.conrelid AS relid, con.conname AS name, con.contype AS kind,
       pg_get_constraintdef(con.oid) AS definition,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord) AS columns,
       CASE WHEN con.contype = 'f' THEN ARRAY[fn.nspname, fc.relname]::text[] END AS ref_table,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord) AS ref_columns,
       obj_description(con.oid, 'pg_constraint') AS comment,
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
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND con.conrelid <> 0
  AND con.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY con.conrelid, con.conname
