-- Foreign tables in scope (not partitions, parents or children: those are unmanaged), with
-- their server and options; their columns and checks are read with every relation's.
SELECT c.oid, n.nspname AS schema, c.relname AS name, s.srvname AS server,
       coalesce(ft.ftoptions, '{}') AS options,
       obj_description(c.oid, 'pg_class') AS comment
FROM pg_foreign_table ft
JOIN pg_class c ON c.oid = ft.ftrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_foreign_server s ON s.oid = ft.ftserver
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 2, 3
