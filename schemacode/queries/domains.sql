-- Domains with their base type, default, NOT NULL and named CHECK constraints.
SELECT n.nspname AS schema, t.typname AS name,
       format_type(t.typbasetype, t.typtypmod) AS type,
       t.typdefault AS "default",
       t.typnotnull AS not_null,
       obj_description(t.oid, 'pg_type') AS comment,
       coalesce((SELECT json_object_agg(c.conname, pg_get_constraintdef(c.oid))
                 FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'), '{}') AS checks
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd' AND n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2
