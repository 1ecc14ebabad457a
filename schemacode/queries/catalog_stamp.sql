-- What the catalog queries' answer depends on beside the catalogs' rows (introspect.stamp): the
-- server (a minor release may print differently), who reads (role names print in ACLs and
-- owners; a role that may not read pg_authid or pg_user_mapping reads them through these views)
-- and the settings output functions print by (a default's timestamp, interval, float, bytea).
SELECT version() AS server, current_user AS role, session_user AS session_role,
       current_database() AS database,
       current_setting('DateStyle') AS datestyle, current_setting('IntervalStyle') AS intervalstyle,
       current_setting('TimeZone') AS timezone, current_setting('extra_float_digits') AS float_digits,
       current_setting('bytea_output') AS bytea_output,
       current_setting('standard_conforming_strings') AS standard_strings,
       current_setting('quote_all_identifiers') AS quote_all,
       current_setting('lc_monetary') AS lc_monetary, current_setting('lc_numeric') AS lc_numeric,
       current_setting('xmloption') AS xmloption,
       (SELECT bit_xor(hashtextextended(r.oid::text || ' ' || r.rolname, 0)) FROM pg_roles r) AS roles,
       (SELECT bit_xor(hashtextextended(concat_ws(' ', m.umid, m.srvid, m.umuser, m.usename), 0))
        FROM pg_user_mappings m) AS user_mappings
