-- For pull: each index taken apart (method, keys with their options, INCLUDE, WHERE).
SELECT ARRAY[n.nspname, t.relname]::text[] AS relation, ic.relname AS name,
       am.amname AS method, i.indisunique AS is_unique,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS keys,
       ARRAY(SELECT i.indkey[k - 1] = 0 FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)
           AS is_expression,
       ARRAY(SELECT i.indoption[k - 1] FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)
           AS options,
       ARRAY(SELECT CASE WHEN opc.opcdefault THEN NULL
                         WHEN opn.nspname = 'pg_catalog' THEN opc.opcname
                         ELSE opn.nspname || '.' || opc.opcname END
             FROM generate_series(1, i.indnkeyatts) AS k
             JOIN pg_opclass opc ON opc.oid = i.indclass[k - 1]
             JOIN pg_namespace opn ON opn.oid = opc.opcnamespace ORDER BY k) AS opclasses,
       ARRAY(SELECT CASE WHEN ia.attcollation <> 0 AND ia.attcollation <> ty.typcollation
                         THEN CASE WHEN cn.nspname = 'pg_catalog' THEN co.collname
                                   ELSE cn.nspname || '.' || co.collname END END
             FROM generate_series(1, i.indnkeyatts) AS k
             JOIN pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k
             JOIN pg_type ty ON ty.oid = ia.atttypid
             LEFT JOIN pg_collation co ON co.oid = ia.attcollation
             LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace ORDER BY k) AS collations,
       ARRAY(SELECT a.attname FROM generate_series(i.indnkeyatts + 1, i.indnatts) AS k
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
             ORDER BY k) AS include,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       ic.reloptions AS storage,
       pg_get_indexdef(i.indexrelid) LIKE '%% NULLS NOT DISTINCT%%' AS nulls_not_distinct
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = ANY(%(schemas)s)
