import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceServer

/// Fills an audit spool with `count` realistic check records through the real
/// worker-side writer, for the flusher throughput rung of scripts/bench.
enum AuditSpoolFill {
    static func run(directory: String, count: Int) throws -> Int {
        var config = Config()
        config.auditSpoolDir = directory
        config.auditBufferBytes = 1 << 40
        let spool = try AuditSpool(config: config, logger: Logger(role: "bench", minimumLevel: .error))
        let request = try CheckRequest.from(try JSONParser.parse(EngineBenchmark.body, maxDepth: 20))
        let pii = PIIDetector.scan(request)
        let decision = RiskEngine.evaluate(request, policies: EngineBenchmark.policies, pii: pii)
        var bytes = 0
        for n in 0..<count {
            let record = AuditRecord.check(request, decision: decision, pii: pii, customerID: "0b7e3c1a-1111-4000-8000-000000000001",
                                           keyID: "key_bench", requestID: "req_bench_\(n)", latencyMicros: 150)
            bytes += record.copyRow().count
            guard spool.append(record) == .stored else { throw FileError(errno: 28) }
        }
        spool.close()
        return bytes / max(1, count)
    }
}
