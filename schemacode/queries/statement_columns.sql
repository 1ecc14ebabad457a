-- generate --queries: the table columns a prepared statement's result columns come from (the
-- row description's table oid and attribute number), with their NOT NULL.
SELECT t.relid, t.num, a.attnotnull AS not_null, n.nspname AS schema, c.relname AS table, a.attname AS column
FROM unnest(%(relids)s::oid[], %(nums)s::int[]) AS t(relid, num)
JOIN pg_attribute a ON a.attrelid = t.relid AND a.attnum = t.num
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
