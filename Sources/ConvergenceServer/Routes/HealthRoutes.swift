import ConvergenceAudit
import ConvergenceCore
import ConvergenceHTTP
import ConvergenceShared
import ConvergenceStore
import ConvergenceSupervisor

/// `/health` (liveness, no I/O) and `/ready` (dependencies reachable, audit trail state).
enum HealthRoutes {
    static let healthBody = Array(#"{"status":"ok"}"#.utf8)

    static func register(on router: inout Router<RequestContext>) {
        router.get("/health") { _, _ in .rawJSON(healthBody) }
        router.get("/ready") { request, context in try ready(request, context) }
    }

    struct ReadyBody: Encodable {
        let status: String
        let checks: [String: Check]
        let audit: AuditReadiness?
        let processes: Processes
        let error: ErrorBody?
    }

    /// What the supervisor publishes in shared memory: a position waiting for a restart
    /// (a child that cannot start, or crashed) is reported, not fatal: the answering worker serves.
    struct Processes: Encodable {
        let workersAlive: Int
        let workersConfigured: Int
        let auxiliariesDown: [String]

        enum CodingKeys: String, CodingKey {
            case workersAlive = "workers_alive"
            case workersConfigured = "workers_configured"
            case auxiliariesDown = "auxiliaries_down"
        }

        var degraded: Bool { workersAlive < workersConfigured || !auxiliariesDown.isEmpty }
    }

    /// Outside loopback only the status: the details (dependencies, backlog, ages) are for
    /// the host's own probes and operators.
    struct StatusOnly: Encodable {
        let status: String
    }

    struct ErrorBody: Encodable {
        let code: String
        let message: String
        let requestID: String

        enum CodingKeys: String, CodingKey {
            case code, message
            case requestID = "request_id"
        }
    }

    struct Check: Encodable {
        let ok: Bool
        let latencyMs: Double?
        let error: String?

        enum CodingKeys: String, CodingKey {
            case ok
            case latencyMs = "latency_ms"
            case error
        }
    }

    /// Ready means: PostgreSQL answers, and (auditing on) the spool has room under
    /// fail_closed, since otherwise every check would be refused. A dead or
    /// stalled flusher is reported, not fatal by itself: checks are still
    /// recorded in the spool until it fills.
    static func ready(_ request: Request, _ context: RequestContext) throws -> Response {
        let started = MonotonicInstant.now()
        let audit = context.audit.map { AuditReadiness.current(config: context.config, spool: $0) }
        var checks: [String: Check] = [:]
        var problem: String?
        do {
            try context.database.query("SELECT 1", idempotent: true)
            let latency = (MonotonicInstant.now().milliseconds(since: started) * 100).rounded() / 100
            checks["postgres"] = Check(ok: true, latencyMs: latency, error: nil)
        } catch {
            context.logger.warning("readiness check failed", ["check": "postgres", "error": .string(String(describing: error))],
                                   requestID: request.requestID)
            checks["postgres"] = Check(ok: false, latencyMs: nil, error: "unreachable")
            problem = "Not ready: PostgreSQL is unreachable."
        }
        // Workers refuse to start without the region, so one answering has it mapped; the version proves it is readable.
        checks["shared_memory"] = Check(ok: context.shared.layoutVersion > 0, latencyMs: nil, error: nil)
        if let audit {
            checks["audit"] = Check(ok: audit.ok, latencyMs: nil, error: audit.ok ? nil : audit.problem)
            if problem == nil, audit.refusesChecks {
                problem = audit.full ? "Not ready: the audit buffer is full, so checks are refused."
                    : "Not ready: the audit spool cannot be written (disk full?), so checks are refused."
            }
        }
        if context.config.rateLimitScope == .cluster {
            // Reported, not fatal: the host keeps admitting by the configured outage mode.
            let outage = context.shared.counter(ClusterRateGate.outageCounter) != 0
            checks["rate_limits"] = Check(ok: !outage, latencyMs: nil, error: outage
                ? "central buckets unreachable: deciding locally (rate_limit_outage = \(context.config.rateLimitOutage.rawValue))" : nil)
        }
        let processes = currentProcesses(context)
        checks["processes"] = Check(ok: !processes.degraded, latencyMs: nil,
                                    error: processes.degraded ? "some processes are not running; retried with back-off" : nil)
        let detailed = isLoopback(request.remoteAddress) || hasAdminKey(request, context)
        guard let problem else {
            guard detailed else { return try .json(StatusOnly(status: "ready")) }
            return try .json(ReadyBody(status: "ready", checks: checks, audit: audit, processes: processes, error: nil))
        }
        guard detailed else { return try .json(StatusOnly(status: "not_ready"), status: .serviceUnavailable) }
        // 503 with the usual error body, plus the checks: the backlog matters most during an outage.
        return try .json(ReadyBody(status: "not_ready", checks: checks, audit: audit, processes: processes,
                                   error: ErrorBody(code: "not_ready", message: problem, requestID: request.requestID)),
                         status: .serviceUnavailable)
    }

    static func currentProcesses(_ context: RequestContext) -> Processes {
        func gauge(_ family: MetricFamily, _ labels: [String] = []) -> Double {
            context.metrics.handle(family, labels)?.gaugeValue ?? 0
        }
        let down = ApplicationRoles.children.enabledAuxiliaries(for: context.config).map(\.name)
            .filter { gauge(MetricFamilies.auxiliaryUp, [$0]) < 1 }
        return Processes(workersAlive: Int(gauge(MetricFamilies.workersAlive)),
                         workersConfigured: Int(gauge(MetricFamilies.workersConfigured)), auxiliariesDown: down)
    }

    /// REMOTE_ADDR in 127.0.0.0/8 or ::1 (also IPv4-mapped). Empty (no address passed) is not loopback.
    static func isLoopback(_ address: String) -> Bool {
        var text = Substring(address)
        if text.hasPrefix("::ffff:") { text = text.dropFirst(7) }
        if text == "::1" { return true }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// A valid admin key (Authorization or X-API-Key) also gets the details.
    static func hasAdminKey(_ request: Request, _ context: RequestContext) -> Bool {
        guard Authenticator.presentedKey(request) != nil else { return false }
        return (try? Authenticator.verify(request, context))?.kind.isAdmin == true
    }
}
