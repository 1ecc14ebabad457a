-- What an online plan must know of the server: its major, the session's TimeZone (a
-- timestamp → timestamptz change rewrites the table only outside UTC), and whether the role may
-- keep a table's own triggers from firing during a backfill (session_replication_role).
SELECT current_setting('server_version_num')::int / 10000 AS major,
       current_setting('TimeZone') AS timezone,
       current_setting('is_superuser') = 'on'
         OR has_parameter_privilege('session_replication_role', 'SET') AS replica_role
