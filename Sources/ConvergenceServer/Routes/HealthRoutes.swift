import ConvergenceCore
import ConvergenceHTTP
import ConvergenceStore

/// `/health` (liveness, no I/O) and `/ready` (dependencies reachable).
enum HealthRoutes {
    static let healthBody = Array(#"{"status":"ok"}"#.utf8)

    static func register(on router: inout Router<RequestContext>) {
        router.get("/health") { _, _ in .rawJSON(healthBody) }
        router.get("/ready") { request, context in try ready(request, context) }
    }

    struct ReadyBody: Encodable {
        let status: String
        let checks: [String: Check]
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

    static func ready(_ request: Request, _ context: RequestContext) throws -> Response {
        let started = MonotonicInstant.now()
        do {
            try context.database.query("SELECT 1", idempotent: true)
            let latency = (MonotonicInstant.now().milliseconds(since: started) * 100).rounded() / 100
            // Workers refuse to start without the region, so a worker answering has it mapped; the version proves it is readable.
            let shm = Check(ok: context.shared.layoutVersion > 0, latencyMs: nil, error: nil)
            return try .json(ReadyBody(status: "ready", checks: ["postgres": Check(ok: true, latencyMs: latency, error: nil),
                                                                 "shared_memory": shm]))
        } catch {
            context.logger.warning("readiness check failed", ["check": "postgres", "error": .string(String(describing: error))],
                                   requestID: request.requestID)
            throw APIError(.serviceUnavailable, code: "not_ready", message: "Not ready: PostgreSQL is unreachable.")
        }
    }
}
