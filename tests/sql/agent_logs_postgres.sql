-- Seed 003 after the move from SQLite to PostgreSQL: what SQLAlchemy's create_all() emitted,
-- tidied by hand (upper-case enum labels, ix_ index names, no comments).
CREATE TYPE tasktype AS ENUM ('RESEARCH', 'DRAFTING', 'REVIEW', 'OUTREACH');
CREATE TYPE taskstatus AS ENUM ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED');
CREATE TYPE loglevel AS ENUM ('DEBUG', 'INFO', 'WARNING', 'ERROR');
CREATE TYPE draftstatus AS ENUM ('DRAFT', 'APPROVED', 'REJECTED');
CREATE TYPE emailstatus AS ENUM ('QUEUED', 'SENT', 'FAILED');

CREATE TABLE agents (
    id SERIAL NOT NULL,
    name VARCHAR(100) NOT NULL,
    agent_type VARCHAR(50) NOT NULL,
    is_active BOOLEAN DEFAULT true NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
);

CREATE TABLE tasks (
    id SERIAL NOT NULL,
    type tasktype NOT NULL,
    user_id VARCHAR(64) NOT NULL,
    status taskstatus DEFAULT 'PENDING' NOT NULL,
    priority INTEGER DEFAULT 0 NOT NULL,
    metadata JSONB,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (id),
    CHECK (priority BETWEEN 0 AND 10)
);
CREATE INDEX ix_tasks_user_id ON tasks (user_id);
CREATE INDEX ix_tasks_status ON tasks (status);

CREATE TABLE agent_logs (
    id BIGSERIAL NOT NULL,
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    agent_id INTEGER REFERENCES agents (id),
    agent_type VARCHAR(50) NOT NULL,
    level loglevel DEFAULT 'INFO' NOT NULL,
    message TEXT NOT NULL,
    "timestamp" TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_agent_logs_task_id_timestamp ON agent_logs (task_id, "timestamp" DESC);
CREATE INDEX ix_agent_logs_errors ON agent_logs ("timestamp") WHERE level IN ('ERROR');

CREATE TABLE drafts (
    id SERIAL NOT NULL,
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    version INTEGER DEFAULT 1 NOT NULL,
    content TEXT NOT NULL,
    status draftstatus DEFAULT 'DRAFT' NOT NULL,
    author_id INTEGER REFERENCES agents (id) ON DELETE SET NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_draft_task_version UNIQUE (task_id, version)
);

CREATE TABLE email_messages (
    id SERIAL NOT NULL,
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    draft_id INTEGER REFERENCES drafts (id) ON DELETE SET NULL,
    recipient VARCHAR(320) NOT NULL,
    subject VARCHAR(998) NOT NULL,
    body TEXT NOT NULL,
    status emailstatus DEFAULT 'QUEUED' NOT NULL,
    sent_at TIMESTAMP WITHOUT TIME ZONE,
    PRIMARY KEY (id)
);
CREATE INDEX ix_email_messages_queue ON email_messages (status, id) WHERE status = 'QUEUED';
