-- A hand-written migration as the team of seeds 000/001 wrote it (v1.2.0), with the minimal
-- event_plans parent the repo's schema.yaml declares. Their style, not PostgreSQL's.

CREATE TABLE IF NOT EXISTS event_plans (
    plan_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    client_name VARCHAR(255) NOT NULL,
    event_type VARCHAR(100),
    event_date DATE,
    plan_data JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
COMMENT ON TABLE event_plans IS 'Event plans created by the planning agent (the parent of task management runs)';

CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
COMMENT ON FUNCTION update_updated_at_column() IS 'Sets updated_at to now() on every UPDATE';

CREATE TRIGGER update_event_plans_updated_at BEFORE UPDATE ON event_plans
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE IF NOT EXISTS task_management_runs (
    id SERIAL PRIMARY KEY,
    event_id UUID NOT NULL,
    run_timestamp TIMESTAMPTZ DEFAULT NOW(),
    processing_summary JSONB,
    status VARCHAR(50) NOT NULL DEFAULT 'initialized',
    error_log TEXT,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    CONSTRAINT fk_task_management_event FOREIGN KEY (event_id)
        REFERENCES event_plans(plan_id) ON DELETE CASCADE,
    CONSTRAINT chk_task_management_runs_status
        CHECK (status IN ('initialized', 'processing', 'completed', 'failed'))
);

CREATE TABLE IF NOT EXISTS extended_tasks (
    id SERIAL PRIMARY KEY,
    task_management_run_id INTEGER NOT NULL,
    task_id VARCHAR(100) NOT NULL,
    task_data JSONB NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    CONSTRAINT fk_extended_tasks_run FOREIGN KEY (task_management_run_id)
        REFERENCES task_management_runs(id) ON DELETE CASCADE,
    CONSTRAINT uq_task_per_run UNIQUE (task_management_run_id, task_id)
);

CREATE TABLE IF NOT EXISTS task_conflicts (
    id SERIAL PRIMARY KEY,
    task_management_run_id INTEGER NOT NULL,
    conflict_id VARCHAR(100) NOT NULL,
    conflict_data JSONB NOT NULL,
    resolution_status VARCHAR(50) DEFAULT 'unresolved',
    resolved_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    CONSTRAINT fk_task_conflicts_run FOREIGN KEY (task_management_run_id)
        REFERENCES task_management_runs(id) ON DELETE CASCADE,
    CONSTRAINT uq_conflict_per_run UNIQUE (task_management_run_id, conflict_id),
    CONSTRAINT chk_task_conflicts_resolution_status
        CHECK (resolution_status IN ('unresolved', 'resolved', 'ignored'))
);

CREATE INDEX IF NOT EXISTS idx_task_mgmt_runs_event_id ON task_management_runs(event_id);
CREATE INDEX IF NOT EXISTS idx_task_mgmt_runs_status ON task_management_runs(status);
CREATE INDEX IF NOT EXISTS idx_task_mgmt_runs_timestamp ON task_management_runs(run_timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_task_mgmt_runs_created ON task_management_runs(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_task_mgmt_runs_summary_gin ON task_management_runs USING GIN (processing_summary);

CREATE INDEX IF NOT EXISTS idx_extended_tasks_run_id ON extended_tasks(task_management_run_id);
CREATE INDEX IF NOT EXISTS idx_extended_tasks_task_id ON extended_tasks(task_id);
CREATE INDEX IF NOT EXISTS idx_extended_tasks_created ON extended_tasks(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_extended_tasks_data_gin ON extended_tasks USING GIN (task_data);
CREATE INDEX IF NOT EXISTS idx_extended_tasks_errors ON extended_tasks(task_management_run_id)
    WHERE (task_data->>'has_errors')::boolean = true;
CREATE INDEX IF NOT EXISTS idx_extended_tasks_review ON extended_tasks(task_management_run_id)
    WHERE (task_data->>'requires_manual_review')::boolean = true;

CREATE INDEX IF NOT EXISTS idx_task_conflicts_run_id ON task_conflicts(task_management_run_id);
CREATE INDEX IF NOT EXISTS idx_task_conflicts_conflict_id ON task_conflicts(conflict_id);
CREATE INDEX IF NOT EXISTS idx_task_conflicts_status ON task_conflicts(resolution_status);
CREATE INDEX IF NOT EXISTS idx_task_conflicts_created ON task_conflicts(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_task_conflicts_data_gin ON task_conflicts USING GIN (conflict_data);
CREATE INDEX IF NOT EXISTS idx_task_conflicts_unresolved ON task_conflicts(task_management_run_id)
    WHERE resolution_status = 'unresolved';

CREATE TRIGGER update_task_management_runs_updated_at BEFORE UPDATE ON task_management_runs
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_extended_tasks_updated_at BEFORE UPDATE ON extended_tasks
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
CREATE TRIGGER update_task_conflicts_updated_at BEFORE UPDATE ON task_conflicts
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

COMMENT ON TABLE task_management_runs IS 'Metadata about each Task Management Agent processing run';
COMMENT ON TABLE extended_tasks IS 'The extended task list, with all enhancements from sub-agents and tools';
COMMENT ON TABLE task_conflicts IS 'Detected conflicts (timeline, resource, venue) between tasks';
COMMENT ON COLUMN task_management_runs.event_id IS 'The event plan this run processed';
COMMENT ON COLUMN task_management_runs.run_timestamp IS 'When the processing run started';
COMMENT ON COLUMN task_management_runs.processing_summary IS 'Summary data (total_tasks, errors, ...)';
COMMENT ON COLUMN task_management_runs.status IS 'Processing status: initialized, processing, completed, failed';
COMMENT ON COLUMN task_management_runs.error_log IS 'Error messages if processing failed';
COMMENT ON COLUMN extended_tasks.task_id IS 'Task identifier, unique within a run';
COMMENT ON COLUMN extended_tasks.task_data IS 'The full ExtendedTask structure';
COMMENT ON COLUMN task_conflicts.conflict_data IS 'The full Conflict structure';
COMMENT ON COLUMN task_conflicts.resolution_status IS 'Resolution status: unresolved, resolved, ignored';
COMMENT ON COLUMN task_conflicts.resolved_at IS 'When the conflict was resolved';
COMMENT ON INDEX idx_extended_tasks_errors IS 'Tasks with errors';
COMMENT ON INDEX idx_extended_tasks_review IS 'Tasks that need a person to review them';
