import ConvergenceAudit
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
        var random = RandomPool()
        let row = ByteBuffer()
        var bytes = 0
        for n in 0..<count {
            let now = AuditRecord.nowMicros()
            CheckAuditRecord.write(try EngineBenchmark.auditSubject(requestID: "req_bench_\(n)"), createdAtMicros: now, random: &random, into: row)
            bytes += row.count
            guard row.withUnsafeBytes({ spool.append(payload: $0, createdAtMicros: now, lane: 0) }) == .stored else { throw FileError(errno: 28) }
        }
        spool.close()
        return bytes / max(1, count)
    }
}
