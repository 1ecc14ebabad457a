-- Columns of every relation in scope (foreign tables' too, with their OPTIONS), in attribute
-- order. owned_sequence is set for serial columns.
SELECT a.attrelid AS relid, a.attnum AS num, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       nn.conname AS not_null_name,  -- PostgreSQL 18 names NOT NULL constraints (15: NULL)
       coalesce(nn.coninhcount > 0, false) AS not_null_inherited,  -- then it cannot be renamed
       a.attislocal AS local,  -- false: inherited from a parent table only
       -- (a default names no column: printed without the relation, which PostgreSQL would open and
       -- lock for each; a generated column's expression does name them)
       pg_get_expr(ad.adbin, CASE WHEN a.attgenerated <> '' THEN ad.adrelid ELSE 0 END) AS default,
       a.attidentity AS identity,
       a.attgenerated AS generated,
       CASE WHEN a.attcollation <> t.typcollation
            THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collation,
       dsc.description AS comment,
       -- ALTER COLUMN … SET: statistics (-1 before PostgreSQL 17, NULL since: the default), storage
       -- where it is not its type's (and its type's then), compression, n_distinct
       CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END AS statistics,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage,
       CASE WHEN a.attstorage <> t.typstorage THEN t.typstorage END AS type_storage,
       nullif(a.attcompression, '') AS compression,
       a.attoptions AS attributes,
       CASE WHEN ad.adbin IS NOT NULL THEN  -- a serial column's sequence comes with its default
       (SELECT quote_ident(sn.nspname) || '.' || quote_ident(s.relname)
        FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_namespace sn ON sn.oid = s.relnamespace
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
          AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'a'
        LIMIT 1) END AS owned_sequence,
       CASE WHEN a.attidentity <> '' THEN  -- (the model's key of an identity's sequence)
       (SELECT ARRAY[sn.nspname, s.relname]::text[] FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_namespace sn ON sn.oid = s.relnamespace
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
          AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i'
        LIMIT 1) END AS identity_sequence,
       CASE WHEN a.attidentity <> '' THEN
       (SELECT format('START WITH %%s INCREMENT BY %%s MINVALUE %%s MAXVALUE %%s CACHE %%s %%s',
                      s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
                      CASE WHEN s.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END)
        FROM pg_depend d
        JOIN pg_sequence s ON s.seqrelid = d.objid
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
          AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i'
        LIMIT 1) END AS identity_options,
       coalesce(a.attfdwoptions, '{}') AS fdw_options
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_constraint nn ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey[1] = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_description dsc  -- (col_description, joined: as a function it runs a query per row)
       ON dsc.objoid = a.attrelid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = a.attnum
WHERE n.nspname = ANY(%(schemas)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
