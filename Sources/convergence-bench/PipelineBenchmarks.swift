import ConvergenceCore
import ConvergenceIdentity
import ConvergencePipelines
import ConvergenceServer
import ConvergenceStore
import Foundation

/// Queue overhead for `convergence-bench queue-claim` (scripts/bench): against a
/// real, migrated database, the bookkeeping one run costs an executor besides its
/// steps — claim (`FOR UPDATE SKIP LOCKED`, plan decoded), one lease renewal and
/// the finishing transaction — with the real `PipelineQueue` code.
enum PipelineBenchmarks {
    /// Milliseconds per run (median, p95) over `runs` queued one-step runs.
    static func queueOverhead(databaseURL: String, runs: Int) throws -> (median: Double, p95: Double) {
        let db = PostgresConnection(ConnectionInfo(url: databaseURL, password: ProcessInfo.processInfo.environment["CONVERGENCE_DATABASE_PASSWORD"],
                                                   connectTimeoutSeconds: 5, applicationName: "convergence-bench"))
        defer { db.close() }
        let tenant = "bench_queue_" + SecureRandom.hex(byteCount: 4)
        let (customer, _) = try IdentityRepository(db: db).provision(tenantID: tenant, name: tenant, tier: "free", firstKey: nil)
        defer {
            _ = try? db.query("SET client_min_messages = warning") // no "drop cascades" NOTICEs on stderr
            _ = try? IdentityRepository(db: db).deleteCustomer(id: customer.id, purge: true)
        }
        let queue = PipelineQueue(db: db)
        let yaml = "steps:\n  - {name: one, kind: sql, sql: SELECT 1}\n"
        for i in 0..<runs {
            let id = UUID().uuidString.lowercased()
            let context = PipelineContext(tenantID: tenant, provider: "bench", domain: "queue", templateName: "t\(i)", pipelineLoggingID: id)
            try queue.enqueue(try TemplateCompiler.compile(yaml: yaml, context: context, parameters: [:]), id: id,
                              customerID: customer.id, triggeredBy: nil)
        }
        let owner = "bench:\(getpid())"
        var times: [Double] = []
        while true {
            let start = MonotonicInstant.now()
            guard let claimed = try queue.claim(owner: owner, leaseSeconds: 30) else { break }
            guard try queue.renew(id: claimed.id, owner: owner, leaseSeconds: 30) != nil,
                  try queue.finish(id: claimed.id, tenantID: tenant, owner: owner, status: "COMPLETED", error: nil) else {
                throw PostgresError.server(sqlState: "XX000", message: "lost a lease nobody else could take")
            }
            times.append(MonotonicInstant.now().milliseconds(since: start))
        }
        precondition(times.count >= runs, "some runs were not claimed")
        times.sort()
        return (times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.95))])
    }
}
