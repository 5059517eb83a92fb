import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergencePipelines
import ConvergenceStore
import Foundation

/// The run queue in `convergence.pipeline_queue` and the run rows in each
/// tenant's `pipeline_runs`. Values are always bound; the only text built into
/// statements is a validated, quoted tenant schema name.
package struct PipelineQueue {
    let db: PostgresConnection

    package init(db: PostgresConnection) { self.db = db }

    static let notifyChannel = "convergence_pipelines"
    static let cancelChannel = "convergence_pipeline_cancel"

    struct ActiveRun: Error {
        let pipelineLoggingID: String
    }

    /// Records a queued run (PENDING) or, with `leaseOwner`, one already claimed
    /// by the caller (the onboarding dryrun, run inline). One statement: both rows
    /// or neither, and the unique index makes a second active run of the same
    /// pipeline_id fail here, however many triggers race.
    package func enqueue(_ plan: PipelinePlan, id: String, customerID: String, triggeredBy: String?,
                 leaseOwner: String? = nil, leaseSeconds: Int = 0) throws {
        let schema = TenantID.quotedSchema(plan.tenantID)
        let planJSON = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        let status = leaseOwner == nil ? "PENDING" : "RUNNING"
        let values: [any PostgresEncodable] = [
            id, plan.pipelineID, plan.provider, plan.domain, plan.templateName, status, plan.parametersJSON, triggeredBy,
            customerID, plan.tenantID, templateLabel(plan), planJSON, leaseOwner, leaseSeconds, Self.notifyChannel,
        ]
        do throws(PostgresError) {
            try db.query("""
                WITH run AS (
                    INSERT INTO \(schema).pipeline_runs (pipeline_logging_id, pipeline_id, provider, domain, template_name,
                        status, parameters, triggered_by, attempts, started_at, heartbeat_at)
                    VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::jsonb, $8, CASE WHEN $6 = 'RUNNING' THEN 1 ELSE 0 END,
                        CASE WHEN $6 = 'RUNNING' THEN now() END, CASE WHEN $6 = 'RUNNING' THEN now() END)
                    RETURNING pipeline_logging_id
                ), queued AS (
                    INSERT INTO convergence.pipeline_queue (pipeline_logging_id, customer_id, tenant_id, pipeline_id, template,
                        plan, status, attempts, lease_owner, lease_until)
                    SELECT pipeline_logging_id, $9::uuid, $10, $2, $11, $12::jsonb, $6, CASE WHEN $6 = 'RUNNING' THEN 1 ELSE 0 END,
                        $13, CASE WHEN $6 = 'RUNNING' THEN now() + make_interval(secs => $14::int) END
                    FROM run RETURNING pipeline_logging_id
                )
                SELECT pg_notify($15, '') FROM queued WHERE $6 = 'PENDING'
                """, values)
        } catch {
            // 23505: the unique index saw another active run of this pipeline_id.
            guard error.sqlState == "23505" else { throw error }
            if let active = try activeRun(pipelineID: plan.pipelineID, schema: schema) { throw ActiveRun(pipelineLoggingID: active) }
            throw error
        }
    }

    func templateLabel(_ plan: PipelinePlan) -> String { "\(plan.provider)/\(plan.domain)/\(plan.templateName)" }

    private func activeRun(pipelineID: String, schema: String) throws -> String? {
        if let queued = try db.query("SELECT pipeline_logging_id::text AS id FROM convergence.pipeline_queue WHERE pipeline_id = $1",
                                     [pipelineID]).rows.first {
            return try queued.decode("id")
        }
        return try db.query("""
            SELECT pipeline_logging_id::text AS id FROM \(schema).pipeline_runs
            WHERE pipeline_id = $1 AND status IN ('PENDING', 'RUNNING')
            """, [pipelineID]).rows.first?.decode("id")
    }

    // MARK: Executor side

    package struct Claimed {
        package let id: String
        let tenantID: String
        let template: String
        let plan: PipelinePlan
        /// Counts retries after an executor died (a graceful hand-back does not use one up).
        let attempt: Int
        /// This execution of the steps (1, 2, …): what step_logs and dq_results rows are
        /// numbered by, so each execution's results stand apart. Set by the runner.
        var execution = 1
    }

    /// Takes the oldest queued run, if any: several executors (threads, processes,
    /// hosts) never take the same row, and none waits for another's lock.
    package func claim(owner: String, leaseSeconds: Int) throws -> Claimed? {
        guard let row = try db.query("""
            UPDATE convergence.pipeline_queue q SET status = 'RUNNING', attempts = q.attempts + 1, lease_owner = $1,
                lease_until = now() + make_interval(secs => $2::int)
            FROM (SELECT pipeline_logging_id FROM convergence.pipeline_queue WHERE status = 'PENDING'
                  ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) next
            WHERE q.pipeline_logging_id = next.pipeline_logging_id
            RETURNING q.pipeline_logging_id::text AS id, q.tenant_id, q.template, q.plan::text AS plan, q.attempts
            """, [owner, leaseSeconds]).rows.first else { return nil }
        let id: String = try row.decode("id")
        let planText: String = try row.decode("plan")
        let plan: PipelinePlan
        let tenant: String = try row.decode("tenant_id")
        do { plan = try JSONDecoder().decode(PipelinePlan.self, from: Data(planText.utf8)) } catch {
            // A plan this binary cannot read (written by another version): fail it rather than loop on it.
            _ = try finish(id: id, tenantID: tenant, owner: owner, status: "FAILED",
                           error: "the queued plan cannot be read by this server version; trigger the pipeline again")
            throw error
        }
        return Claimed(id: id, tenantID: tenant, template: try row.decode("template"), plan: plan, attempt: try row.decode("attempts"))
    }

    /// Renews one run's lease at a step boundary; nil when the lease was lost
    /// (the run was re-queued or ended elsewhere), else whether a cancel was asked.
    package func renew(id: String, owner: String, leaseSeconds: Int) throws -> Bool? {
        try db.query("""
            UPDATE convergence.pipeline_queue SET lease_until = now() + make_interval(secs => $3::int)
            WHERE pipeline_logging_id = $1::uuid AND lease_owner = $2 AND status = 'RUNNING'
            RETURNING cancel_requested
            """, [id, owner, leaseSeconds]).rows.first?.decode("cancel_requested", as: Bool.self)
    }

    /// Renews the leases of the runs `owner`'s runners are working on now (a run a
    /// runner abandoned, say after losing its connection, is left to expire and be
    /// recovered); returns those with a cancel request.
    func heartbeat(owner: String, runs: [String], leaseSeconds: Int) throws -> [String] {
        guard !runs.isEmpty else { return [] }
        return try db.query("""
            UPDATE convergence.pipeline_queue SET lease_until = now() + make_interval(secs => $2::int)
            WHERE lease_owner = $1 AND status = 'RUNNING' AND pipeline_logging_id = ANY($3::uuid[])
            RETURNING pipeline_logging_id::text AS id, cancel_requested
            """, [owner, leaseSeconds, "{" + runs.joined(separator: ",") + "}"], idempotent: true).rows.compactMap { row in
            try row.decode("cancel_requested", as: Bool.self) ? try row.decode("id", as: String.self) : nil
        }
    }

    /// Ends a run: final status in the tenant's row, the queue row gone. False
    /// (and nothing written) when `owner` no longer holds the lease.
    package func finish(id: String, tenantID: String, owner: String, status: String, error: String?) throws -> Bool {
        let schema = TenantID.quotedSchema(tenantID)
        return try db.transaction { tx in
            let removed = try tx.query("DELETE FROM convergence.pipeline_queue WHERE pipeline_logging_id = $1::uuid AND lease_owner = $2",
                                       [id, owner]).affectedRows
            guard removed == 1 else { return false }
            try tx.query("""
                UPDATE \(schema).pipeline_runs SET status = $2, error = $3, finished_at = now(), heartbeat_at = now()
                WHERE pipeline_logging_id = $1::uuid
                """, [id, status, error])
            return true
        }
    }

    /// Puts a claimed run back (executor stopping): it starts again from step 1
    /// elsewhere, and this attempt does not count against its retries.
    func requeue(id: String, tenantID: String, owner: String, reason: String) throws {
        let schema = TenantID.quotedSchema(tenantID)
        try db.transaction { tx in
            let moved = try tx.query("""
                UPDATE convergence.pipeline_queue SET status = 'PENDING', lease_owner = NULL, lease_until = NULL,
                    attempts = greatest(attempts - 1, 0)
                WHERE pipeline_logging_id = $1::uuid AND lease_owner = $2
                """, [id, owner]).affectedRows
            guard moved == 1 else { return }
            try tx.query("UPDATE \(schema).pipeline_runs SET status = 'PENDING', error = $2 WHERE pipeline_logging_id = $1::uuid",
                         [id, reason])
            try tx.query("SELECT pg_notify($1, '')", [Self.notifyChannel])
        }
    }

    struct Expired {
        let id: String
        let tenantID: String
        let template: String
        let retried: Bool
        let attempts: Int
    }

    /// Runs whose executor stopped renewing its lease: re-queued while attempts
    /// remain, else FAILED with the reason. Never left RUNNING.
    func reapExpired(maxAttempts: Int) throws -> [Expired] {
        try db.transaction { tx in
            let rows = try tx.query("""
                SELECT pipeline_logging_id::text AS id, tenant_id, template, attempts, lease_owner, cancel_requested
                FROM convergence.pipeline_queue
                WHERE status = 'RUNNING' AND lease_until < now() FOR UPDATE SKIP LOCKED
                """).rows
            var out: [Expired] = []
            for row in rows {
                let id: String = try row.decode("id")
                let tenant: String = try row.decode("tenant_id")
                let attempts: Int = try row.decode("attempts")
                let schema = TenantID.quotedSchema(tenant)
                // A tenant schema dropped by hand must not wedge recovery for everyone: forget its run.
                guard try tx.query("SELECT to_regclass($1) IS NOT NULL AS present", ["\(schema).pipeline_runs"])
                    .rows[0].decode("present", as: Bool.self) else {
                    try tx.query("DELETE FROM convergence.pipeline_queue WHERE pipeline_logging_id = $1::uuid", [id])
                    continue
                }
                let lost = "executor stopped responding during attempt \(attempts) (lease expired)"
                try tx.query("""
                    UPDATE \(schema).step_logs SET status = 'FAILED', finished_at = now(), error = $2
                    WHERE pipeline_logging_id = $1::uuid AND status = 'RUNNING'
                    """, [id, lost])
                // A run the user cancelled ends CANCELLED even when its executor died first.
                let cancelled: Bool = try row.decode("cancel_requested")
                let retry = !cancelled && attempts < maxAttempts
                if cancelled {
                    try tx.query("DELETE FROM convergence.pipeline_queue WHERE pipeline_logging_id = $1::uuid", [id])
                    try tx.query("""
                        UPDATE \(schema).pipeline_runs SET status = 'CANCELLED', finished_at = now(), error = $2
                        WHERE pipeline_logging_id = $1::uuid
                        """, [id, "cancelled; its executor stopped responding before the cancel took effect"])
                } else if retry {
                    try tx.query("""
                        UPDATE convergence.pipeline_queue SET status = 'PENDING', lease_owner = NULL, lease_until = NULL
                        WHERE pipeline_logging_id = $1::uuid
                        """, [id])
                    try tx.query("UPDATE \(schema).pipeline_runs SET status = 'PENDING', error = $2 WHERE pipeline_logging_id = $1::uuid",
                                 [id, lost + "; retrying"])
                } else {
                    try tx.query("DELETE FROM convergence.pipeline_queue WHERE pipeline_logging_id = $1::uuid", [id])
                    try tx.query("""
                        UPDATE \(schema).pipeline_runs SET status = 'FAILED', finished_at = now(), error = $2
                        WHERE pipeline_logging_id = $1::uuid
                        """, [id, lost + "; no attempts left (\(attempts) of \(maxAttempts))"])
                }
                out.append(Expired(id: id, tenantID: tenant, template: try row.decode("template"), retried: retry, attempts: attempts))
            }
            if out.contains(where: \.retried) { try tx.query("SELECT pg_notify($1, '')", [Self.notifyChannel]) }
            return out
        }
    }
}
