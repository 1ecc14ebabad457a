-- Composite types (CREATE TYPE … AS (…), not a table's row type) and range types, with what
-- makes them: attributes in order; a range's subtype and its options other than the defaults.
SELECT 'composite' AS kind, n.nspname AS schema, t.typname AS name,
       obj_description(t.oid, 'pg_type') AS comment,
       ARRAY(SELECT ARRAY[a.attname::text, format_type(a.atttypid, a.atttypmod)
                          || CASE WHEN a.attcollation <> at.typcollation
                                  THEN ' COLLATE ' || quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                                  ELSE '' END]
             FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
             LEFT JOIN pg_collation co ON co.oid = a.attcollation
             LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS attributes,
       NULL AS subtype, NULL::text[] AS options
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
UNION ALL
SELECT 'range', n.nspname, t.typname, obj_description(t.oid, 'pg_type'), NULL,
       format_type(r.rngsubtype, NULL),
       array_remove(ARRAY[
           CASE WHEN r.rngsubopc <> (SELECT oc.oid FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
                                     WHERE am.amname = 'btree' AND oc.opcdefault
                                       AND oc.opcintype = r.rngsubtype LIMIT 1)
                THEN 'subtype_opclass = ' || (SELECT quote_ident(on_.nspname) || '.' || quote_ident(oc.opcname)
                                             FROM pg_opclass oc JOIN pg_namespace on_ ON on_.oid = oc.opcnamespace
                                             WHERE oc.oid = r.rngsubopc) END,
           CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> (SELECT typcollation FROM pg_type WHERE oid = r.rngsubtype)
                THEN 'collation = ' || (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                                       FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                       WHERE co.oid = r.rngcollation) END,
           CASE WHEN r.rngcanonical <> 0 THEN 'canonical = ' || r.rngcanonical::regproc::text END,
           CASE WHEN r.rngsubdiff <> 0 THEN 'subtype_diff = ' || r.rngsubdiff::regproc::text END,
           CASE WHEN mt.typname <> regexp_replace(t.typname, 'range', 'multirange')
                     AND mt.typname <> t.typname || '_multirange'
                THEN 'multirange_type_name = ' || quote_ident(mt.typname) END
       ], NULL)
FROM pg_range r
JOIN pg_type t ON t.oid = r.rngtypid
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type mt ON mt.oid = r.rngmultitypid
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3
