-- Aggregates (plain ones: ordered-set and hypothetical-set aggregates are left unmanaged), with
-- their options as CREATE AGGREGATE takes them, defaults left out, in the order it documents.
SELECT n.nspname AS schema, p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       obj_description(p.oid, 'pg_proc') AS comment,
       array_remove(ARRAY[
           'sfunc = ' || a.aggtransfn::regproc::text,
           'stype = ' || format_type(a.aggtranstype, NULL),
           CASE WHEN a.aggtransspace <> 0 THEN 'sspace = ' || a.aggtransspace END,
           CASE WHEN a.aggfinalfn <> 0 THEN 'finalfunc = ' || a.aggfinalfn::regproc::text END,
           CASE WHEN a.aggfinalextra THEN 'finalfunc_extra' END,
           CASE WHEN a.aggfinalfn <> 0 AND a.aggfinalmodify <> 'r'
                THEN 'finalfunc_modify = ' || CASE a.aggfinalmodify WHEN 's' THEN 'shareable' ELSE 'read_write' END END,
           CASE WHEN a.aggcombinefn <> 0 THEN 'combinefunc = ' || a.aggcombinefn::regproc::text END,
           CASE WHEN a.aggserialfn <> 0 THEN 'serialfunc = ' || a.aggserialfn::regproc::text END,
           CASE WHEN a.aggdeserialfn <> 0 THEN 'deserialfunc = ' || a.aggdeserialfn::regproc::text END,
           CASE WHEN a.agginitval IS NOT NULL THEN 'initcond = ' || quote_literal(a.agginitval) END,
           CASE WHEN a.aggmtransfn <> 0 THEN 'msfunc = ' || a.aggmtransfn::regproc::text END,
           CASE WHEN a.aggminvtransfn <> 0 THEN 'minvfunc = ' || a.aggminvtransfn::regproc::text END,
           CASE WHEN a.aggmtranstype <> 0 THEN 'mstype = ' || format_type(a.aggmtranstype, NULL) END,
           CASE WHEN a.aggmtransspace <> 0 THEN 'msspace = ' || a.aggmtransspace END,
           CASE WHEN a.aggmfinalfn <> 0 THEN 'mfinalfunc = ' || a.aggmfinalfn::regproc::text END,
           CASE WHEN a.aggmfinalextra THEN 'mfinalfunc_extra' END,
           CASE WHEN a.aggmfinalfn <> 0 AND a.aggmfinalmodify <> 'r'
                THEN 'mfinalfunc_modify = ' || CASE a.aggmfinalmodify WHEN 's' THEN 'shareable' ELSE 'read_write' END END,
           CASE WHEN a.aggminitval IS NOT NULL THEN 'minitcond = ' || quote_literal(a.aggminitval) END,
           CASE WHEN a.aggsortop <> 0 THEN 'sortop = ' || a.aggsortop::regoperator::text END,
           CASE p.proparallel WHEN 's' THEN 'parallel = safe' WHEN 'r' THEN 'parallel = restricted' END
       ], NULL) AS options
FROM pg_proc p
JOIN pg_aggregate a ON a.aggfnoid = p.oid
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY(%(schemas)s) AND a.aggkind = 'n'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3
