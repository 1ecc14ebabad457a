-- Default privileges a role gives in every schema (ALTER DEFAULT PRIVILEGES FOR ROLE … without
-- IN SCHEMA), as they differ from PostgreSQL's built-in ones (acldefault): a line per grant
-- added, "creator|TABLES|SELECT TO reader", and a line per grantee the built-in ones are taken
-- from, "creator|FUNCTIONS|NONE TO PUBLIC". Those on schemas (objtype 'n') are not declared.
WITH d AS (
    SELECT quote_ident(pg_get_userbyid(defaclrole)) AS creator,
           CASE defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
                              WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' END AS objects,
           -- (acldefault names a sequence 's'; pg_default_acl 'S')
           defaclacl AS acl, acldefault(CASE defaclobjtype WHEN 'S' THEN 's' ELSE defaclobjtype END,
                                        defaclrole) AS builtin
    FROM pg_default_acl
    WHERE defaclnamespace = 0 AND defaclobjtype <> 'n'
)
SELECT ARRAY(
    SELECT line FROM (
        SELECT d.creator || '|' || d.objects || '|' || a.privilege_type || ' TO '
               || CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
               || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END AS line
        FROM d, aclexplode(d.acl) a
        WHERE NOT EXISTS (SELECT 1 FROM aclexplode(d.builtin) b
                          WHERE (b.grantee, b.privilege_type, b.is_grantable)
                                = (a.grantee, a.privilege_type, a.is_grantable))
        UNION
        SELECT DISTINCT d.creator || '|' || d.objects || '|NONE TO '
               || CASE b.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(b.grantee)) END
        FROM d, aclexplode(d.builtin) b
        WHERE NOT EXISTS (SELECT 1 FROM aclexplode(d.acl) a WHERE a.grantee = b.grantee)
    ) lines ORDER BY 1) AS grants
