import ConvergenceIdentity

/// The per-tenant schema created at onboarding (seed 000's dataset), one
/// statement per table so a failure names the table.
enum TenantSchema {
    static let tables = ["api_keys", "cloud_credentials", "pipeline_runs", "step_logs", "dq_results"]

    /// DDL for `tenantID` (already validated: identifiers cannot be bound as parameters).
    static func statements(for tenantID: String) -> [String] {
        let s = TenantID.quotedSchema(tenantID)
        return [
            "CREATE SCHEMA \(s)",
            """
            CREATE TABLE \(s).api_keys (
                key_id text PRIMARY KEY, name text NOT NULL, prefix text NOT NULL, last4 text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(), rotated_at timestamptz, expires_at timestamptz,
                revoked_at timestamptz)
            """,
            """
            CREATE TABLE \(s).cloud_credentials (
                provider text PRIMARY KEY, master_key_id text NOT NULL, nonce bytea NOT NULL, ciphertext bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE \(s).pipeline_runs (
                pipeline_logging_id uuid PRIMARY KEY, pipeline_id text NOT NULL, provider text NOT NULL,
                domain text NOT NULL, template_name text NOT NULL,
                status text NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')),
                parameters jsonb, error text, attempts integer NOT NULL DEFAULT 0, triggered_by text,
                created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz, finished_at timestamptz,
                heartbeat_at timestamptz)
            """,
            // One active run per pipeline_id, enforced by PostgreSQL (the control queue enforces it too).
            "CREATE UNIQUE INDEX pipeline_runs_one_active ON \(s).pipeline_runs (pipeline_id) WHERE status IN ('PENDING', 'RUNNING')",
            "CREATE INDEX pipeline_runs_recent ON \(s).pipeline_runs (created_at DESC, pipeline_logging_id DESC)",
            """
            CREATE TABLE \(s).step_logs (
                id bigserial PRIMARY KEY, pipeline_logging_id uuid NOT NULL, step_number integer NOT NULL,
                name text NOT NULL, kind text NOT NULL, status text NOT NULL, attempt integer NOT NULL DEFAULT 1,
                started_at timestamptz, finished_at timestamptz, rows_affected bigint, error text)
            """,
            "CREATE INDEX step_logs_run ON \(s).step_logs (pipeline_logging_id, step_number)",
            """
            CREATE TABLE \(s).dq_results (
                id bigserial PRIMARY KEY, pipeline_logging_id uuid, step_number integer, check_name text NOT NULL,
                table_name text, column_name text, status text NOT NULL CHECK (status IN ('PASSED', 'FAILED')),
                severity text NOT NULL DEFAULT 'error', observed_value text, expected_value text,
                created_at timestamptz NOT NULL DEFAULT now(), attempt integer NOT NULL DEFAULT 1)
            """,
            "CREATE INDEX dq_results_run ON \(s).dq_results (pipeline_logging_id)",
        ]
    }
}
