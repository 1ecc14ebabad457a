-- Foreign servers (not an extension's): those a foreign table in scope uses, and, with public
-- in scope, those no foreign table uses (a server is the database's, not a schema's). Options
-- whose names say they hold a secret are never read: only their names, so pull can say so.
SELECT s.srvname AS name, w.fdwname AS wrapper, s.srvtype AS type, s.srvversion AS version,
       ARRAY(SELECT o FROM unnest(coalesce(s.srvoptions, '{}')) WITH ORDINALITY u(o, i)
             WHERE split_part(o, '=', 1) !~* %(secret)s ORDER BY i) AS options,
       ARRAY(SELECT split_part(o, '=', 1) FROM unnest(coalesce(s.srvoptions, '{}')) o
             WHERE split_part(o, '=', 1) ~* %(secret)s ORDER BY 1) AS secrets,
       obj_description(s.oid, 'pg_foreign_server') AS comment
FROM pg_foreign_server s
JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_foreign_server'::regclass
                  AND d.objid = s.oid AND d.deptype = 'e')
  AND (EXISTS (SELECT 1 FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE ft.ftserver = s.oid AND n.nspname = ANY(%(schemas)s))
       OR ('public' = ANY(%(schemas)s)
           AND NOT EXISTS (SELECT 1 FROM pg_foreign_table ft WHERE ft.ftserver = s.oid)))
ORDER BY 1
