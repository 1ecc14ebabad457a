-- For pull: check constraints' expressions in PostgreSQL's readable (pretty) form.
SELECT ARRAY[n.nspname, c.relname]::text[] AS relation, con.conname AS name,
       pg_get_expr(con.conbin, con.conrelid, true) AS expression
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND con.contype = 'c'
