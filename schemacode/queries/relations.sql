-- Tables, views, materialized views and sequences (not an identity column's) in scope.
-- Extension members are skipped. A partition is read with its parent and bound.
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       dsc.description AS comment,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_query,
       coalesce(c.reloptions, '{}') AS options,  -- in the order given: pg_dump prints them so
       c.relpersistence = 'u' AS unlogged,
       c.relrowsecurity AS row_security, c.relforcerowsecurity AS force_row_security,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
       CASE WHEN c.relispartition THEN
           (SELECT ARRAY[pn.nspname, pc.relname]::text[] FROM pg_inherits i
            JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
            WHERE i.inhrelid = c.oid) END AS partition_of,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
       CASE WHEN c.relispartition THEN '{}' ELSE coalesce(inh.parents, '{}') END AS inherits,
       CASE c.relreplident WHEN 'f' THEN 'full' WHEN 'n' THEN 'nothing'
            WHEN 'i' THEN 'index ' || (SELECT quote_ident(ic.relname) FROM pg_index i
                                       JOIN pg_class ic ON ic.oid = i.indexrelid
                                       WHERE i.indrelid = c.oid AND i.indisreplident)
            ELSE 'default' END AS replica_identity,
       -- A view's grants and owner, which schema.yaml does not declare: a view dropped and
       -- created again gets them back (the owner only when it is not the planning role).
       CASE WHEN c.relkind IN ('v', 'm') THEN ARRAY(
           SELECT a.privilege_type || ' TO ' || CASE a.grantee WHEN 0 THEN 'PUBLIC'
                                   ELSE quote_ident(pg_get_userbyid(a.grantee)) END
                  || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
           FROM unnest(c.relacl) WITH ORDINALITY u(item, n), aclexplode(ARRAY[u.item]) a
           WHERE a.grantee <> c.relowner ORDER BY u.n)  -- in the order they were granted
       END AS grants,
       CASE WHEN c.relkind IN ('v', 'm') AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
            THEN quote_ident(pg_get_userbyid(c.relowner)) END AS owner
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
-- the parents of every table that has any, in one pass over pg_inherits (not a subquery run for
-- every relation, most of which have none)
LEFT JOIN (SELECT i.inhrelid, array_agg(ARRAY[pn.nspname, pc.relname]::text[] ORDER BY i.inhseqno) AS parents
           FROM pg_inherits i
           JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
           GROUP BY i.inhrelid) inh ON inh.inhrelid = c.oid
LEFT JOIN pg_description dsc  -- (obj_description, joined: as a function it runs a query per row)
       ON dsc.objoid = c.oid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0
WHERE n.nspname = ANY(%(schemas)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND (d.deptype = 'e'
                         -- an identity column's sequence comes with the column (a serial
                         -- column's too: introspect.py tells those from other owned sequences)
                         OR (c.relkind = 'S' AND d.deptype = 'i'
                             AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0)))
ORDER BY 2, 3
