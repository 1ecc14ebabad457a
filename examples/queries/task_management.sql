-- Typed queries for the repository's schema.yaml (docs/codegen.md#typed-queries).
-- `schemacode generate` prepares each one against the schema and writes generated/queries.py.

-- name: create_event_plan :one
-- A new event plan; the database fills its id and timestamps.
INSERT INTO event_plans (client_name, event_type, event_date)
VALUES (@client_name, @event_type?, @event_date?)
RETURNING *;

-- name: start_run :one
INSERT INTO task_management_runs (event_id, processing_summary)
VALUES (@event_id, @summary)
RETURNING id, status, run_timestamp;

-- name: runs_for_event :many
-- The processing runs of an event plan, newest first.
SELECT id, status, run_timestamp, processing_summary, error_log
FROM task_management_runs
WHERE event_id = @event_id
ORDER BY run_timestamp DESC, id DESC;

-- name: run_by_id :one
SELECT * FROM task_management_runs WHERE id = @id;

-- name: task_counts :many
-- Runs of an event with how many tasks and unresolved conflicts each has (a LEFT JOIN: the
-- joined side's columns are nullable whatever their NOT NULL says).
SELECT r.id, r.status, count(DISTINCT t.id) AS tasks, count(DISTINCT c.id) AS open_conflicts,
       max(t.task_id) AS last_task
FROM task_management_runs r
LEFT JOIN extended_tasks t ON t.task_management_run_id = r.id
LEFT JOIN task_conflicts c ON c.task_management_run_id = r.id AND c.resolution_status = 'unresolved'
WHERE r.event_id = @event_id
GROUP BY r.id
ORDER BY r.id;

-- name: set_run_status :rows
-- Move runs of an event to a status; the number of runs changed.
UPDATE task_management_runs SET status = @status WHERE event_id = @event_id AND status <> @status;

-- name: delete_event_plan :exec
DELETE FROM event_plans WHERE plan_id = @plan_id;
