-- Casts made by users (not built in, not an extension's, not a range type's own to its
-- multirange, which depends on it 'i'nternally) whose function or one of whose types
-- lives in scope; a cast between built-in types goes with public. "schema" is the one it goes
-- with: its function's, else its target type's, else its source type's.
WITH casts AS (
    SELECT c.oid, c.castsource, c.casttarget, c.castfunc, c.castmethod, c.castcontext,
           (SELECT pn.nspname FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
            WHERE p.oid = c.castfunc) AS function_schema,
           (SELECT tn.nspname FROM pg_type t JOIN pg_namespace tn ON tn.oid = t.typnamespace
            WHERE t.oid = c.casttarget) AS target_schema,
           (SELECT tn.nspname FROM pg_type t JOIN pg_namespace tn ON tn.oid = t.typnamespace
            WHERE t.oid = c.castsource) AS source_schema
    FROM pg_cast c
    WHERE c.oid >= 16384  -- FirstNormalObjectId: not built in
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_cast'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('e', 'i'))
)
SELECT format_type(c.castsource, NULL) AS source, format_type(c.casttarget, NULL) AS target,
       CASE c.castmethod WHEN 'f' THEN 'function' WHEN 'i' THEN 'inout' ELSE 'binary' END AS method,
       CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END AS function,
       CASE c.castcontext WHEN 'e' THEN 'explicit' WHEN 'a' THEN 'assignment' ELSE 'implicit' END AS context,
       obj_description(c.oid, 'pg_cast') AS comment,
       coalesce(nullif(c.function_schema, 'pg_catalog'), nullif(c.target_schema, 'pg_catalog'),
                nullif(c.source_schema, 'pg_catalog'), 'public') AS schema
FROM casts c
WHERE coalesce(nullif(c.function_schema, 'pg_catalog'), nullif(c.target_schema, 'pg_catalog'),
               nullif(c.source_schema, 'pg_catalog'), 'public') = ANY(%(schemas)s)
   OR c.function_schema = ANY(%(schemas)s) OR c.target_schema = ANY(%(schemas)s)
   OR c.source_schema = ANY(%(schemas)s)
ORDER BY 1, 2
