import ConvergenceAudit
import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceServer
import Glibc

/// Nanoseconds per step of a check's audit capture on one thread: writing the
/// record's COPY row (id included), and appending it to a real spool (`audit-capture DIR`).
enum AuditCaptureBenchmark {
    static func run(directory: String, iterations: Int) throws -> [(String, Double)] {
        var config = Config()
        config.auditSpoolDir = directory
        config.auditBufferBytes = 1 << 40
        let spool = try AuditSpool(config: config, logger: Logger(role: "bench", minimumLevel: .error))
        defer { spool.close() }
        let subject = try EngineBenchmark.auditSubject(requestID: "req_bench")
        var random = RandomPool()
        let row = ByteBuffer()
        func time(_ body: () -> Int) -> Double {
            let start = MonotonicInstant.now()
            var sink = 0
            for _ in 0..<iterations { sink &+= body() }
            precondition(sink != 42)
            return MonotonicInstant.now().milliseconds(since: start) * 1_000_000 / Double(iterations)
        }
        return [
            ("row_ns", time {
                CheckAuditRecord.write(subject, createdAtMicros: AuditRecord.nowMicros(), random: &random, into: row)
                return row.count
            }),
            ("append_ns", time {
                row.withUnsafeBytes { spool.append(payload: $0, createdAtMicros: 1, lane: 0) } == .stored ? 1 : 0
            }),
        ]
    }
}
