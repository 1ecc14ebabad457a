-- Extensions installed into a schema in scope (plpgsql is always there and never managed).
SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql' AND n.nspname = ANY(%(schemas)s)
ORDER BY 1
