-- Schemas (namespaces) in scope, with their comments.
SELECT n.nspname AS name,
       obj_description(n.oid, 'pg_namespace') AS comment
FROM pg_namespace n
WHERE n.nspname = ANY(%(schemas)s)
ORDER BY 1
