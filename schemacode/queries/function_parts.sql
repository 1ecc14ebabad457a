-- For pull: each function taken apart (language, volatility, security, settings, body; a
-- SQL-standard body as PostgreSQL prints it).
SELECT n.nspname AS schema, p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS identity_arguments,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS returns,
       l.lanname AS language, p.provolatile AS volatility, p.prosecdef AS security_definer,
       p.proisstrict AS strict, p.proconfig AS config, p.prosrc AS body,
       p.prokind AS kind, p.proparallel AS parallel, p.proleakproof AS leakproof,
       p.procost AS cost, p.prorows AS rows, p.proretset AS returns_set,
       CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) END AS sql_body
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY(%(schemas)s) AND p.prokind IN ('f', 'p')
