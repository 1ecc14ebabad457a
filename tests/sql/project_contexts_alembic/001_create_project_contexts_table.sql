-- Seed 004, migration 001 (what the Alembic upgrade() ran).
CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$$ language 'plpgsql';

CREATE TABLE project_contexts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    project_name VARCHAR(255) NOT NULL,
    owner_id VARCHAR(255) NOT NULL,
    codebase JSONB NOT NULL DEFAULT '{}'::jsonb,
    tech_stack TEXT[] NOT NULL DEFAULT '{}',
    status VARCHAR(50) NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'archived', 'deleted')),
    test_coverage NUMERIC(5,2) DEFAULT 0 CHECK (test_coverage >= 0 AND test_coverage <= 100),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL
);
CREATE INDEX idx_project_contexts_owner ON project_contexts(owner_id);
CREATE INDEX idx_project_contexts_codebase ON project_contexts USING GIN (codebase);
CREATE INDEX idx_project_contexts_tech_stack ON project_contexts USING GIN (tech_stack);
CREATE TRIGGER update_project_contexts_updated_at
    BEFORE UPDATE ON project_contexts
    FOR EACH ROW EXECUTE PROCEDURE update_updated_at_column();
COMMENT ON TABLE project_contexts IS 'Complete project state across iterations';
