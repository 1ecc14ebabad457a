-- Owners and privileges of schemas, tables (foreign ones too), views, sequences, functions, types
-- and foreign servers (every one: a server is the database's): each grant as
-- "PRIVILEGE [(columns)] TO grantee [WITH GRANT OPTION]", the object's default ones included
-- (acldefault where the ACL is still the default), the owner's own left out. An object's key is
-- its name's parts (schema; schema and name; a function's arguments third): introspect.py joins them.
--
-- For thousands of tables: acl is NULL where the ACL is the default and that default grants to
-- the owner alone (schemas, relations, servers), so nothing is exploded for the tables that keep
-- it; grants are matched to their object by its oid (id), not by its key: arrays are slow to
-- compare, and sorting and merging on them was a third of the time at 5,000 tables.
WITH objects AS (
    SELECT 'schema' AS kind, ARRAY[n.nspname]::text[] AS key, n.oid AS id, n.nspowner AS owner,
           n.nspacl AS acl, false AS relation
    FROM pg_namespace n WHERE n.nspname = ANY(%(schemas)s)
    UNION ALL
    SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' ELSE 'table' END,
           ARRAY[n.nspname, c.relname]::text[], c.oid, c.relowner, c.relacl, true
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    UNION ALL
    SELECT 'foreign server', ARRAY[s.srvname]::text[], s.oid, s.srvowner, s.srvacl, false
    FROM pg_foreign_server s
    UNION ALL  -- enums, domains, composite and range types (not a table's row type, nor arrays)
    SELECT 'type', ARRAY[n.nspname, t.typname]::text[], t.oid, t.typowner,
           coalesce(t.typacl, acldefault('T', t.typowner)), false
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND t.typtype IN ('e', 'd', 'c', 'r')
      AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
    UNION ALL
    SELECT 'function', ARRAY[n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid)],
           p.oid, p.proowner, coalesce(p.proacl, acldefault('f', p.proowner)), false
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY(%(schemas)s) AND p.prokind IN ('f', 'p')
), grants AS (
    SELECT o.kind, o.id, a.privilege_type || ' TO '
               || CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
               || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END AS grant_
    FROM objects o, aclexplode(o.acl) a
    WHERE o.acl IS NOT NULL AND a.grantee <> o.owner
    UNION ALL  -- column privileges, one line per privilege, grantee and option
    SELECT o.kind, o.id, g.privilege_type || ' (' || string_agg(quote_ident(g.attname), ', ' ORDER BY g.attnum)
               || ') TO ' || CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END
               || CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
    FROM (SELECT at.attrelid, at.attname, at.attnum, x.*  -- the columns of these relations only
          FROM (SELECT id FROM objects WHERE relation) r
          JOIN pg_attribute at ON at.attrelid = r.id, aclexplode(at.attacl) x
          WHERE at.attacl IS NOT NULL AND NOT at.attisdropped) g
    JOIN objects o ON o.relation AND o.id = g.attrelid
    WHERE g.grantee <> o.owner
    GROUP BY o.kind, o.id, g.privilege_type, g.grantee, g.is_grantable
), collected AS (  -- (one pass: a correlated subquery per object is quadratic)
    SELECT kind, id, array_agg(grant_ ORDER BY grant_) AS grants FROM grants GROUP BY kind, id
)
SELECT o.kind, o.key, quote_ident(pg_get_userbyid(o.owner)) AS owner, coalesce(c.grants, '{}') AS grants
FROM objects o
LEFT JOIN collected c ON c.kind = o.kind AND c.id = o.id
-- (the same order as by key: within a kind every key has as many parts, compared part by part)
ORDER BY o.kind, o.key[1], o.key[2], o.key[3]
