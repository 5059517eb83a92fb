import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceServer
import Glibc

/// Nanoseconds per step of a check's audit capture on one thread: building the
/// record, encoding it, and appending it to a real spool (`audit-capture DIR`).
/// `append_ns` is the whole capture after the record is built (COPY row, frame,
/// copy into the segment); `append_payload_ns` the spool's part alone (frame
/// encoded into the mapped segment, CRC, publish) for a row already encoded.
enum AuditCaptureBenchmark {
    static func run(directory: String, iterations: Int) throws -> [(String, Double)] {
        var config = Config()
        config.auditSpoolDir = directory
        config.auditBufferBytes = 1 << 40
        let spool = try AuditSpool(config: config, logger: Logger(role: "bench", minimumLevel: .error))
        defer { spool.close() }
        let request = try CheckRequest.from(try JSONParser.parse(EngineBenchmark.body, maxDepth: 20))
        let pii = PIIDetector.scan(request)
        let decision = RiskEngine.evaluate(request, policies: EngineBenchmark.policies, pii: pii)
        func make() -> AuditRecord {
            AuditRecord.check(request, decision: decision, pii: pii, customerID: "0b7e3c1a-1111-4000-8000-000000000001",
                              keyID: "key_bench", requestID: "req_bench", latencyMicros: 150)
        }
        func time(_ body: () -> Int) -> Double {
            let start = MonotonicInstant.now()
            var sink = 0
            for _ in 0..<iterations { sink &+= body() }
            precondition(sink != 42)
            return MonotonicInstant.now().milliseconds(since: start) * 1_000_000 / Double(iterations)
        }
        let record = make()
        let row = record.copyRow()
        return [
            ("record_id_ns", time { AuditRecord.newID().utf8.count }),
            ("record_build_ns", time { make().requestID.utf8.count }),
            ("copy_row_ns", time { record.copyRow().count }),
            ("frame_ns", time { SpoolFrame.encode(createdAtMicros: 1, payload: row).count }),
            ("append_ns", time { spool.append(record) == .stored ? 1 : 0 }),
            ("append_payload_ns", time { row.withUnsafeBytes { spool.append(payload: $0, createdAtMicros: 1) } == .stored ? 1 : 0 }),
        ]
    }
}
