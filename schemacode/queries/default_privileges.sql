-- Default privileges given in a schema (ALTER DEFAULT PRIVILEGES FOR ROLE … IN SCHEMA …), one line
-- per grant: "creator|TABLES|SELECT TO reader [WITH GRANT OPTION]".
SELECT n.nspname AS schema,
       ARRAY(SELECT quote_ident(pg_get_userbyid(d.defaclrole)) || '|'
                    || CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
                                            WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END
                    || '|' || a.privilege_type || ' TO '
                    || CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
                    || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
             FROM pg_default_acl d, aclexplode(d.defaclacl) a
             WHERE d.defaclnamespace = n.oid ORDER BY 1) AS grants
FROM pg_namespace n
WHERE n.nspname = ANY(%(schemas)s)
ORDER BY 1
