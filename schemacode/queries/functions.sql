-- Functions and procedures (not aggregates or window functions; not extension members).
SELECT p.oid, n.nspname AS schema, p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       coalesce(pg_get_function_result(p.oid), '') AS returns,
       pg_get_functiondef(p.oid) AS definition,
       dsc.description AS comment,
       EXISTS (SELECT 1 FROM pg_depend d  -- a SQL-standard body's tables, views and sequences
               WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                 AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n') AS reads_relations
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_description dsc  -- (obj_description, joined: as a function it runs a query per row)
       ON dsc.objoid = p.oid AND dsc.classoid = 'pg_proc'::regclass AND dsc.objsubid = 0
WHERE n.nspname = ANY(%(schemas)s)
  AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                    AND (d.deptype = 'e' OR d.deptype = 'i'))  -- an extension's, or a range type's constructor
ORDER BY 1, 2, 3
