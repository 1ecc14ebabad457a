-- Rewrite rules of tables and views in scope (not a view's own _RETURN rule), with the
-- relations they read or write (their own included).
SELECT r.ev_class AS relid, r.rulename AS name, pg_get_ruledef(r.oid) AS definition,
       CASE r.ev_enabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always'
            ELSE 'origin' END AS enabled,
       obj_description(r.oid, 'pg_rewrite') AS comment,
       ARRAY(SELECT DISTINCT ARRAY[dn.nspname, dc.relname]::text[]
             FROM pg_depend d
             JOIN pg_class dc ON dc.oid = d.refobjid
             JOIN pg_namespace dn ON dn.oid = dc.relnamespace
             WHERE d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
               AND d.refclassid = 'pg_class'::regclass
             ORDER BY 1) AS depends_on
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND r.rulename <> '_RETURN'
ORDER BY r.ev_class, r.rulename
