import ConvergenceCore
import ConvergenceIdentity
import ConvergencePipelines
import ConvergenceStore

/// Runs one claimed run's steps in order on one connection, writing
/// `pipeline_runs`, `step_logs` and `dq_results`. Used by the executor's runner
/// threads and, for onboarding's dryrun, inline by a request thread.
///
/// Each step is one transaction with `search_path` set to the tenant's schema
/// and `statement_timeout` set to the step's timeout, so a failed or cancelled
/// step leaves nothing half-done. Between steps the run's lease is renewed and
/// a cancel request is honoured.
struct PipelineRunner {
    let db: PostgresConnection
    let owner: String
    let leaseSeconds: Int
    let defaultTimeoutSeconds: Int
    let dataDirectory: String
    let control: RunControl
    let metrics: any PipelineMetricsSink
    let logger: Logger

    enum Outcome: Equatable {
        case completed, failed(String), cancelled
        /// Given back to the queue (executor stopping).
        case requeued
        /// Another executor owns the run now; nothing more was written.
        case leaseLost

        var status: String {
            switch self {
            case .completed: "COMPLETED"
            case .failed: "FAILED"
            case .cancelled: "CANCELLED"
            case .requeued: "PENDING"
            case .leaseLost: "LOST"
            }
        }
    }

    enum StepResult {
        case completed(rows: Int)
        case failed(String, rows: Int?)
        case cancelled
        case stopped
        /// PostgreSQL went away mid-step: not the step's fault, so the run is abandoned
        /// to its lease and retried rather than failed.
        case connectionLost(PostgresError)
    }

    var queue: PipelineQueue { PipelineQueue(db: db) }

    /// Runs the claimed run to its end. Throws only when PostgreSQL itself is
    /// unreachable: the lease then expires and the run is retried or failed.
    func run(_ claimedRun: PipelineQueue.Claimed) throws -> Outcome {
        var claimed = claimedRun
        control.begin(runID: claimed.id)
        defer { control.begin(runID: nil) }
        let schema = TenantID.quotedSchema(claimed.tenantID)
        let started = MonotonicInstant.now()
        try db.query("""
            UPDATE \(schema).pipeline_runs SET status = 'RUNNING', attempts = $2, started_at = coalesce(started_at, now()),
                heartbeat_at = now(), error = NULL
            WHERE pipeline_logging_id = $1::uuid
            """, [claimed.id, claimed.attempt])
        // A run retried or handed back re-runs every step: its rows get the next number
        // instead of mixing with the earlier execution's (one executor holds the lease).
        claimed.execution = try db.query("""
            SELECT coalesce(max(attempt), 0) + 1 AS n FROM \(schema).step_logs WHERE pipeline_logging_id = $1::uuid
            """, [claimed.id]).rows[0].decode("n")
        logger.info("pipeline run started", ["pipeline_logging_id": .string(claimed.id), "template": .string(claimed.template),
                                             "tenant_id": .string(claimed.tenantID), "attempt": .int(claimed.attempt)])
        var outcome = Outcome.completed
        for step in claimed.plan.steps {
            if control.interruption == .stop { outcome = .requeued; break }
            guard let cancelAsked = try againIfCancelled({ try queue.renew(id: claimed.id, owner: owner, leaseSeconds: leaseSeconds) }) else {
                outcome = .leaseLost
                break
            }
            if cancelAsked || control.interruption == .cancel { outcome = .cancelled; break }
            let stepStarted = MonotonicInstant.now()
            let logID: Int64 = try againIfCancelled {
                try db.query("""
                    INSERT INTO \(schema).step_logs (pipeline_logging_id, step_number, name, kind, status, attempt, started_at)
                    VALUES ($1::uuid, $2, $3, $4, 'RUNNING', $5, now()) RETURNING id
                    """, [claimed.id, step.number, step.name, step.kind.rawValue, claimed.execution]).rows[0].decode("id")
            }
            let result = execute(step, claimed: claimed)
            if case .connectionLost(let error) = result { throw error }
            let (status, rows, error): (String, Int?, String?)
            switch result {
            case .completed(let n): (status, rows, error) = ("COMPLETED", n, nil)
            case .failed(let message, let n): (status, rows, error) = ("FAILED", n, message)
            case .cancelled: (status, rows, error) = ("CANCELLED", nil, "cancelled on request")
            case .stopped: (status, rows, error) = ("CANCELLED", nil, "executor stopping; the run goes back to the queue")
            case .connectionLost: continue // thrown above
            }
            // One statement (one commit) for the step's outcome and the run's heartbeat.
            try againIfCancelled {
                try db.query("""
                    WITH step AS (
                        UPDATE \(schema).step_logs SET status = $2, finished_at = now(), rows_affected = $3, error = $4 WHERE id = $1
                    )
                    UPDATE \(schema).pipeline_runs SET heartbeat_at = now() WHERE pipeline_logging_id = $5::uuid
                    """, [logID, status, rows, error, claimed.id])
            }
            metrics.stepFinished(kind: step.kind, status: status, durationMs: MonotonicInstant.now().milliseconds(since: stepStarted))
            switch result {
            case .completed: continue
            case .failed(let message, _): outcome = .failed("step \(step.number) (\(step.name)) failed: \(message)")
            case .cancelled: outcome = .cancelled
            case .stopped: outcome = .requeued
            case .connectionLost: continue // thrown above
            }
            break
        }
        switch outcome {
        case .requeued:
            try againIfCancelled {
                try queue.requeue(id: claimed.id, tenantID: claimed.tenantID, owner: owner,
                                  reason: "executor stopped during attempt \(claimed.attempt); waiting for another")
            }
        case .leaseLost:
            break
        case .completed, .failed, .cancelled:
            var error: String?
            if case .failed(let message) = outcome { error = message }
            if outcome == .cancelled { error = "cancelled on request" }
            let finalStatus = outcome.status
            guard try againIfCancelled({
                try queue.finish(id: claimed.id, tenantID: claimed.tenantID, owner: owner, status: finalStatus, error: error)
            }) else {
                outcome = .leaseLost
                break
            }
            metrics.runFinished(template: claimed.template, status: outcome.status,
                                durationMs: MonotonicInstant.now().milliseconds(since: started))
        }
        logger.info("pipeline run ended", ["pipeline_logging_id": .string(claimed.id), "status": .string(outcome.status),
                                           "ms": .double(MonotonicInstant.now().milliseconds(since: started))])
        return outcome
    }

    /// PQcancel is asynchronous: a cancel aimed at a step that finished a moment
    /// earlier can land on the bookkeeping statement that follows it (57014). Those
    /// statements are single transactions, rolled back when cancelled, so they are
    /// simply run again instead of abandoning the run to its lease.
    private func againIfCancelled<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as PostgresError where error.sqlState == "57014" {
            return try body()
        }
    }

    // MARK: Steps

    private struct Interrupted: Error {}

    private func execute(_ step: PlannedStep, claimed: PipelineQueue.Claimed) -> StepResult {
        let timeout = step.timeoutSeconds ?? defaultTimeoutSeconds
        let csv: [UInt8]
        if let load = step.load {
            switch CSVFiles.read(load, dataDirectory: dataDirectory) {
            case .success(let bytes): csv = bytes
            case .failure(let problem): return .failed(problem.description, rows: nil)
            }
        } else {
            csv = []
        }
        do {
            control.setCanceller(db.makeCanceller())
            let result = try db.transaction { tx in try body(step, claimed: claimed, timeout: timeout, csv: csv, tx) }
            control.setCanceller(nil)
            return result
        } catch is Interrupted {
            control.setCanceller(nil)
            return control.interruption == .stop ? .stopped : .cancelled
        } catch let error as PostgresError where error.sqlState == "57014" {
            control.setCanceller(nil)
            switch control.interruption {
            case .stop: return .stopped
            case .cancel: return .cancelled
            case .none: return .failed("timed out after \(timeout) s (statement_timeout)", rows: nil)
            }
        } catch let error as PostgresError where error.isConnectionFailure {
            control.setCanceller(nil)
            return .connectionLost(error)
        } catch {
            control.setCanceller(nil)
            return .failed(String(describing: error), rows: nil)
        }
    }

    /// The step's work inside its transaction.
    private func body(_ step: PlannedStep, claimed: PipelineQueue.Claimed, timeout: Int, csv: [UInt8],
                      _ tx: PostgresConnection) throws -> StepResult {
        // client_min_messages: libpq prints NOTICEs ("already exists, skipping") to stderr,
        // which would break the JSON log lines.
        try tx.query("""
            SELECT set_config('search_path', $1, true), set_config('statement_timeout', $2, true),
                   set_config('client_min_messages', 'warning', true)
            """, [TenantID.quotedSchema(claimed.tenantID), String(timeout * 1000)])
        // A cancel that arrived before the canceller was registered is seen here.
        if control.interruption != .none { throw Interrupted() }
        let budget = StepBudget(seconds: timeout)
        switch step.kind {
        case .sql:
            var rows = 0
            for (i, statement) in (step.statements ?? []).enumerated() {
                if i > 0 { try budget.narrow(tx) }
                rows += try tx.query(statement.sql, statement.parameters).affectedRows
            }
            return .completed(rows: rows)
        case .loadCSV:
            let load = step.load!
            try tx.executeDDL(load.createTableSQL)
            if load.mode == .replace { try tx.executeDDL("TRUNCATE \(SQLIdentifier.quoted(load.table))") }
            return .completed(rows: try tx.copyIn(load.copySQL, data: csv))
        case .dqCheck:
            return try runChecks(step, claimed: claimed, budget: budget, tx)
        }
    }

    /// A step's timeout covers the whole step: before each further statement the
    /// statement timeout shrinks to what is left (PostgreSQL's own is per statement).
    struct StepBudget {
        let deadline: MonotonicInstant

        init(seconds: Int) { deadline = MonotonicInstant.now().adding(milliseconds: seconds * 1000) }

        func narrow(_ tx: PostgresConnection) throws {
            let left = Int(deadline.milliseconds(since: MonotonicInstant.now()))
            guard left > 0 else { throw PostgresError.server(sqlState: "57014", message: "canceling statement due to statement timeout") }
            try tx.query("SELECT set_config('statement_timeout', $1, true)", [String(left)])
        }
    }

    /// Runs each check, records one `dq_results` row per result; the step fails
    /// when a check of severity `error` failed (`warn` only records).
    private func runChecks(_ step: PlannedStep, claimed: PipelineQueue.Claimed, budget: StepBudget,
                           _ tx: PostgresConnection) throws -> StepResult {
        let dq = step.dq!
        let schema = TenantID.quotedSchema(claimed.tenantID)
        var failed: [String] = []
        var count = 0
        for check in dq.checks {
            for query in DQCheckSQL.queries(for: check, table: dq.table) {
                if count > 0 { try budget.narrow(tx) }
                let row = try tx.query(query.sql, query.parameters).rows[0]
                let passed: Bool = try row.decode("passed")
                let observed: String? = try row.decodeIfPresent("observed")
                try tx.query("""
                    INSERT INTO \(schema).dq_results (pipeline_logging_id, step_number, check_name, table_name, column_name, status,
                        severity, observed_value, expected_value, attempt)
                    VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    """, [claimed.id, step.number, check.name, dq.table, query.column, passed ? "PASSED" : "FAILED",
                          check.severity.rawValue, observed, query.expected, claimed.execution])
                count += 1
                if !passed {
                    metrics.dqCheckFailed(template: claimed.template, check: check.kind, severity: check.severity)
                    if check.severity == .error {
                        failed.append("\(check.name)\(query.column.map { " on \($0)" } ?? ""): \(observed ?? "no value"), expected \(query.expected)")
                    }
                }
            }
        }
        // A failed check is a result, not an error: the transaction commits, so the
        // dq_results rows stay for the user to read, and the step reports FAILED.
        guard failed.isEmpty else { return .failed("data-quality check failed: " + failed.joined(separator: "; "), rows: count) }
        return .completed(rows: count)
    }
}
