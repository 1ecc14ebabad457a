-- A table's size as the statistics estimate it (rows) and as it is on disk (blocks): what a
-- backfill has to walk (an online rewrite's estimate, and its ctid ranges).
SELECT greatest(c.reltuples, 0)::bigint AS rows,
       (pg_relation_size(c.oid) / current_setting('block_size')::bigint) AS blocks,
       c.reltuples >= 0 AS analyzed
FROM pg_class c
WHERE c.oid = to_regclass(%(table)s)
