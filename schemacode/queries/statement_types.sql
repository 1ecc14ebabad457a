-- generate --queries: the types PostgreSQL reported for a prepared statement's parameters and
-- result columns (type oid, typmod), printed qualified (search_path = pg_catalog), in order.
SELECT format_type(t.oid, t.mod) AS type
FROM unnest(%(oids)s::oid[], %(mods)s::int[]) WITH ORDINALITY AS t(oid, mod, n)
ORDER BY t.n
