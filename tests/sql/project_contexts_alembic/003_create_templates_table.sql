-- Seed 004, migration 003.
CREATE TABLE templates (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL UNIQUE,
    template_files JSONB NOT NULL DEFAULT '{}'::jsonb,
    required_variables TEXT[] DEFAULT '{}',
    tags TEXT[] DEFAULT '{}',
    complexity VARCHAR(20) DEFAULT 'medium' CHECK (complexity IN ('simple', 'medium', 'complex')),
    estimated_setup_time INTEGER,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX idx_templates_tags ON templates USING GIN (tags);
CREATE TRIGGER update_templates_updated_at BEFORE UPDATE ON templates
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
ALTER TABLE templates OWNER TO app_owner;
GRANT SELECT ON templates TO readonly;
