-- For pull: each trigger taken apart (timing, events, level, columns, arguments, constraint
-- trigger and its deferral).
SELECT ARRAY[n.nspname, c.relname]::text[] AS relation, t.tgname AS name,
       CASE WHEN t.tgtype & 2 <> 0 THEN 'before' WHEN t.tgtype & 64 <> 0 THEN 'instead_of'
            ELSE 'after' END AS timing,
       t.tgtype & 1 <> 0 AS for_row,
       t.tgtype & 4 <> 0 AS on_insert, t.tgtype & 8 <> 0 AS on_delete,
       t.tgtype & 16 <> 0 AS on_update, t.tgtype & 32 <> 0 AS on_truncate,
       ARRAY(SELECT a.attname FROM unnest(t.tgattr::int2[]) WITH ORDINALITY AS k(num, ord)
             JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.num ORDER BY k.ord)
           AS update_columns,
       t.tgnargs AS nargs, encode(t.tgargs, 'escape') AS args,
       t.tgconstraint <> 0 AS is_constraint, t.tgdeferrable AS deferrable,
       t.tginitdeferred AS initially_deferred, t.tgoldtable AS old_table, t.tgnewtable AS new_table
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND NOT t.tgisinternal
