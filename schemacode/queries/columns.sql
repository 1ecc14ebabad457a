-- Columns of every relation in scope (foreign tables' too, with their OPTIONS), in attribute
-- order. owned_sequence is set for serial columns.
--
-- Written for catalogs of thousands of tables. The planner's estimates on the catalogs run far
-- below the real counts (810 columns estimated for 12,399 at 1,000 tables), so joined directly
-- it probed an index of pg_constraint, pg_attrdef and pg_depend once per column, each probe
-- reading every constraint of the table. What a column needs from those catalogs is read instead
-- in one pass each, as a MATERIALIZED CTE restricted to the relations in scope: a CTE has no
-- index to probe, so it is hash-joined (a third of the time at 1,000 tables).
WITH rel AS MATERIALIZED (
    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
), not_null AS MATERIALIZED (  -- PostgreSQL 18 names NOT NULL constraints (15 has none)
    SELECT con.conrelid, con.conkey[1] AS attnum, con.conname, con.coninhcount
    FROM pg_constraint con
    WHERE con.contype = 'n' AND con.conrelid IN (SELECT oid FROM rel)
), def AS MATERIALIZED (
    SELECT ad.adrelid, ad.adnum, ad.adbin FROM pg_attrdef ad WHERE ad.adrelid IN (SELECT oid FROM rel)
), owned AS MATERIALIZED (
    -- Each column's sequence: the one it owns (deptype 'a': serial, OWNED BY) and its identity's
    -- ('i'), found from the sequences (one pg_depend probe each). Where a column owns more than
    -- one, the first dependency row stands, as the LIMIT 1 of the per-column subquery this
    -- replaces took it (the index keeps equal keys in row order).
    SELECT DISTINCT ON (d.refobjid, d.refobjsubid, d.deptype)
           d.refobjid, d.refobjsubid, d.deptype,
           quote_ident(sn.nspname) || '.' || quote_ident(s.relname) AS quoted,
           ARRAY[sn.nspname, s.relname]::text[] AS key,
           format('START WITH %%s INCREMENT BY %%s MINVALUE %%s MAXVALUE %%s CACHE %%s %%s',
                  sq.seqstart, sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache,
                  CASE WHEN sq.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END) AS options
    FROM pg_class s
    JOIN pg_namespace sn ON sn.oid = s.relnamespace
    JOIN pg_sequence sq ON sq.seqrelid = s.oid
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
    WHERE s.relkind = 'S' AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    ORDER BY d.refobjid, d.refobjsubid, d.deptype, d.ctid
)
SELECT a.attrelid AS relid, a.attnum AS num, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       nn.conname AS not_null_name,  -- (PostgreSQL 15: NULL)
       coalesce(nn.coninhcount > 0, false) AS not_null_inherited,  -- then it cannot be renamed
       a.attislocal AS local,  -- false: inherited from a parent table only
       -- (a default names no column: printed without the relation, which PostgreSQL would open and
       -- lock for each; a generated column's expression does name them)
       pg_get_expr(ad.adbin, CASE WHEN a.attgenerated <> '' THEN ad.adrelid ELSE 0 END) AS default,
       a.attidentity AS identity,
       a.attgenerated AS generated,
       -- (looked up for the few columns that have their own collation: joined, it was two hash
       -- probes for every column)
       CASE WHEN a.attcollation <> t.typcollation THEN
           (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
            FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
            WHERE co.oid = a.attcollation) END AS collation,
       dsc.description AS comment,
       -- ALTER COLUMN … SET: statistics (-1 before PostgreSQL 17, NULL since: the default), storage
       -- where it is not its type's (and its type's then), compression, n_distinct
       CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END AS statistics,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage,
       CASE WHEN a.attstorage <> t.typstorage THEN t.typstorage END AS type_storage,
       nullif(a.attcompression, '') AS compression,
       a.attoptions AS attributes,
       -- a serial column's sequence comes with its default
       CASE WHEN ad.adbin IS NOT NULL THEN serial.quoted END AS owned_sequence,
       -- (the model's key of an identity's sequence)
       CASE WHEN a.attidentity <> '' THEN ident.key END AS identity_sequence,
       CASE WHEN a.attidentity <> '' THEN ident.options END AS identity_options,
       coalesce(a.attfdwoptions, '{}') AS fdw_options
FROM rel
JOIN pg_attribute a ON a.attrelid = rel.oid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN def ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN not_null nn ON nn.conrelid = a.attrelid AND nn.attnum = a.attnum
LEFT JOIN owned serial ON serial.refobjid = a.attrelid AND serial.refobjsubid = a.attnum AND serial.deptype = 'a'
LEFT JOIN owned ident ON ident.refobjid = a.attrelid AND ident.refobjsubid = a.attnum AND ident.deptype = 'i'
LEFT JOIN pg_description dsc  -- (col_description, joined: as a function it runs a query per row)
       ON dsc.objoid = a.attrelid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
