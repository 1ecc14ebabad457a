-- The catalogs whose rows the live catalog's stamp digests (introspect.stamp): every table of
-- pg_catalog the role may read, as the catalog queries and the functions they call (ruleutils'
-- pg_get_*def, format_type, the reg* types) read them, whatever they are. Left out: what holds
-- data rather than definitions (statistics, large objects, replication progress) and pg_shdepend
-- (every database's owners and grants; this database's are in its own catalogs too). The shared
-- pg_database is digested for this database's row only (catalog_stamp.sql adds the roles and
-- user mappings a role may not read as tables).
-- Each row's digest is the XOR of a hash of every row's (ctid, xmin): an insert, an update (a new
-- row version, even in place of an old one) and a delete change it; so does a VACUUM FULL of the
-- catalog (a miss, no harm). Routine VACUUM and ANALYZE write pg_class's statistics in place and
-- change nothing (those columns are not read).
SELECT c.relname AS name,
       format('(SELECT bit_xor(hashtidextended(ctid, xmin::text::bigint)) FROM pg_catalog.%%I%%s)',
              c.relname,
              CASE WHEN c.relname = 'pg_database'
                   THEN ' WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database()' ELSE '' END)
         AS digest
FROM pg_class c
WHERE c.relnamespace = 'pg_catalog'::regnamespace
  AND c.relkind = 'r'
  AND has_table_privilege(c.oid, 'SELECT')
  AND c.relname NOT IN ('pg_statistic', 'pg_statistic_ext_data', 'pg_largeobject',
                        'pg_largeobject_metadata', 'pg_replication_origin', 'pg_shdepend')
ORDER BY c.relname
