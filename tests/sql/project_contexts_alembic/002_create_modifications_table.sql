-- Seed 004, migration 002.
CREATE TABLE modifications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id UUID NOT NULL REFERENCES project_contexts(id) ON DELETE CASCADE,
    request TEXT NOT NULL,
    impact_analysis JSONB DEFAULT '{}'::jsonb,
    affected_files TEXT[] DEFAULT ARRAY[]::TEXT[],
    status VARCHAR(50) NOT NULL DEFAULT 'pending',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    CONSTRAINT modifications_status_check
        CHECK (status IN ('pending', 'approved', 'applied', 'failed', 'rejected'))
);
CREATE INDEX idx_modifications_project ON modifications(project_id);
CREATE INDEX idx_modifications_affected_files ON modifications USING GIN (affected_files);
CREATE INDEX idx_modifications_pending ON modifications(project_id, created_at DESC) WHERE status = 'pending';
