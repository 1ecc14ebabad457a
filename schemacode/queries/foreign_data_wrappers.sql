-- Foreign data wrappers made by hand (an extension's are the extension's): those the servers
-- of foreign tables in scope use, and, with public in scope, every one. Secret options as in
-- foreign_servers.sql: their names only.
SELECT w.fdwname AS name,
       CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::regproc::text END AS handler,
       CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::regproc::text END AS validator,
       ARRAY(SELECT o FROM unnest(coalesce(w.fdwoptions, '{}')) WITH ORDINALITY u(o, i)
             WHERE split_part(o, '=', 1) !~* %(secret)s ORDER BY i) AS options,
       ARRAY(SELECT split_part(o, '=', 1) FROM unnest(coalesce(w.fdwoptions, '{}')) o
             WHERE split_part(o, '=', 1) ~* %(secret)s ORDER BY 1) AS secrets,
       obj_description(w.oid, 'pg_foreign_data_wrapper') AS comment
FROM pg_foreign_data_wrapper w
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_foreign_data_wrapper'::regclass
                  AND d.objid = w.oid AND d.deptype = 'e')
  AND ('public' = ANY(%(schemas)s)
       OR EXISTS (SELECT 1 FROM pg_foreign_server s JOIN pg_foreign_table ft ON ft.ftserver = s.oid
                  JOIN pg_class c ON c.oid = ft.ftrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE s.srvfdw = w.oid AND n.nspname = ANY(%(schemas)s)))
ORDER BY 1
