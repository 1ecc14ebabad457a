-- What a schema holds that schema.yaml cannot declare: unmanaged. Plans never drop, alter or
-- recreate it, nor drop what it depends on (pins). hide_relation / hide_function / hide_column
-- name an object the other queries read that is left out of the model for this reason. A name is
-- read as its parts (path: schema and name, then what follows), joined by introspect.py.
WITH objects AS (
    SELECT CASE p.prokind WHEN 'a' THEN 'ordered-set aggregate' WHEN 'w' THEN 'window function'
                ELSE 'function in language ' || l.lanname END AS kind,
           ARRAY[n.nspname, p.proname]::text[] AS path, '(' || pg_get_function_identity_arguments(p.oid) || ')' AS suffix,
           CASE WHEN p.prokind = 'a' THEN 'ordered-set aggregates' WHEN p.prokind = 'w' THEN 'window functions'
                ELSE 'functions in C' END AS what,
           'pg_proc'::regclass AS classid, p.oid AS objid, NULL::oid AS hide_relation,
           CASE WHEN p.prokind IN ('f', 'p') THEN p.oid END AS hide_function, NULL::int2 AS hide_column
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
    WHERE n.nspname = ANY(%(schemas)s)
      AND (p.prokind = 'w' OR (p.prokind IN ('f', 'p') AND l.lanname IN ('c', 'internal'))
           OR (p.prokind = 'a' AND (SELECT aggkind FROM pg_aggregate WHERE aggfnoid = p.oid) <> 'n'))
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype IN ('e', 'i'))  -- (a range's constructors)
    UNION ALL
    -- (a foreign table on its own is declared: foreign_tables.sql)
    SELECT 'foreign table', ARRAY[n.nspname, c.relname]::text[], '', 'foreign tables that are partitions or inherit',
           'pg_class'::regclass, c.oid, NULL, NULL, NULL
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND c.relkind = 'f'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
      -- (pg_inherits hashed once: as EXISTS, the planner ran it for every row of pg_class, before
      -- the relkind test, on a guess that pg_inherits is empty)
      AND (c.relispartition OR c.oid IN (SELECT i.inhrelid FROM pg_inherits i UNION ALL SELECT i.inhparent FROM pg_inherits i))
    UNION ALL  -- its options (a password) are never read (the view: any role may read it)
    SELECT 'user mapping', ARRAY['for ' || CASE WHEN m.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(m.usename) END
                                 || ' on server ' || quote_ident(m.srvname)]::text[], '', 'user mappings',
           'pg_user_mapping'::regclass, m.umid, NULL, NULL, NULL
    FROM pg_user_mappings m
    UNION ALL
    SELECT 'virtual generated column', ARRAY[n.nspname, c.relname]::text[], '.' || a.attname,
           'virtual generated columns', 'pg_class'::regclass, c.oid, NULL, NULL, a.attnum
    -- (pg_attribute read in one pass for the few such columns: probed by table, it read every
    -- column of every table in scope, the most of this query's time at 5,000 tables)
    FROM (SELECT a.attrelid, a.attnum, a.attname FROM pg_attribute a WHERE a.attgenerated = 'v' AND NOT a.attisdropped OFFSET 0) a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p')
    UNION ALL
    SELECT 'base type', ARRAY[n.nspname, t.typname]::text[], '', 'base types', 'pg_type'::regclass, t.oid,
           NULL, NULL, NULL
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND t.typtype = 'b'
      AND t.typelem = 0 AND t.typarray <> 0
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                      AND d.objid = t.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'operator', ARRAY[n.nspname, o.oprname]::text[], '(' || format_type(o.oprleft, NULL) || ', '
                       || format_type(o.oprright, NULL) || ')', 'operators',
           'pg_operator'::regclass, o.oid, NULL, NULL, NULL
    FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
    WHERE n.nspname = ANY(%(schemas)s)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_operator'::regclass
                      AND d.objid = o.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'event trigger', ARRAY[e.evtname]::text[], '', 'event triggers', 'pg_event_trigger'::regclass, e.oid,
           NULL, NULL, NULL
    FROM pg_event_trigger e
)
SELECT o.kind, o.path, o.suffix, o.what, o.objid, o.hide_relation, o.hide_function, o.hide_column,
       -- each as [kind, schema, name, what follows the name]
       ARRAY(SELECT DISTINCT CASE
                 WHEN d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 THEN
                     ARRAY['column', rn.nspname::text, rc.relname::text, '.' || ra.attname]
                 WHEN d.refclassid = 'pg_class'::regclass THEN ARRAY['table', rn.nspname::text, rc.relname::text, '']
                 WHEN d.refclassid = 'pg_proc'::regclass THEN
                     ARRAY['function', pn.nspname::text, rp.proname::text,
                           '(' || pg_get_function_identity_arguments(rp.oid) || ')']
                 WHEN d.refclassid = 'pg_type'::regclass THEN ARRAY['type', tn.nspname::text, rt.typname::text, '']
                 WHEN d.refclassid = 'pg_foreign_server'::regclass THEN ARRAY['server', NULL, rs.srvname::text, '']
             END
             FROM pg_depend d
             LEFT JOIN pg_class rc ON d.refclassid = 'pg_class'::regclass AND rc.oid = d.refobjid
             LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
             LEFT JOIN pg_attribute ra ON ra.attrelid = rc.oid AND ra.attnum = d.refobjsubid
             LEFT JOIN pg_proc rp ON d.refclassid = 'pg_proc'::regclass AND rp.oid = d.refobjid
             LEFT JOIN pg_namespace pn ON pn.oid = rp.pronamespace
             LEFT JOIN pg_type rt ON d.refclassid = 'pg_type'::regclass AND rt.oid = d.refobjid
             LEFT JOIN pg_namespace tn ON tn.oid = rt.typnamespace
             LEFT JOIN pg_foreign_server rs ON d.refclassid = 'pg_foreign_server'::regclass AND rs.oid = d.refobjid
             WHERE d.classid = o.classid AND d.objid = o.objid AND d.deptype IN ('n', 'a')
               AND (o.hide_column IS NULL OR d.objsubid = o.hide_column)
               AND d.refobjid <> o.objid
               AND (coalesce(rn.nspname, pn.nspname, tn.nspname) = ANY(%(schemas)s) OR rs.oid IS NOT NULL)
             ) AS pins
FROM objects o
ORDER BY 1, 2
