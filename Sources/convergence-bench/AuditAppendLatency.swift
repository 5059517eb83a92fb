import ConvergenceAudit
import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceServer
import Foundation
import Glibc

/// The distribution of `AuditSpool.append` times with several threads appending
/// at a steady rate while the spool's background thread syncs as in a worker
/// (`audit-append-latency DIR THREADS SECONDS [RATE_PER_THREAD]`). The mean is in
/// `audit-capture`; this is for the tail: an append that waits for the disk or
/// the file system's journal shows up here, not in a mean. BENCH_SIZING (sparse,
/// allocated, written), BENCH_SEGMENT_BYTES and BENCH_FSYNC_MS vary the spool.
enum AuditAppendLatency {
    final class Samples: @unchecked Sendable {
        // One array per thread, each written only by its thread and read after the joins.
        var perThread: [[Int64]]
        /// Per thread: times of the appends during which the thread blocked (a voluntary
        /// context switch: it waited in the kernel — a lock, the journal, the disk — rather
        /// than being preempted, which on shared cores also makes slow appends).
        var blocked: [[Int64]]
        init(threads: Int) {
            perThread = Array(repeating: [], count: threads)
            blocked = Array(repeating: [], count: threads)
        }
    }

    static func run(directory: String, threads: Int, seconds: Double, ratePerThread: Int) throws -> [(String, Double)] {
        var config = Config()
        config.auditSpoolDir = directory
        config.auditBufferBytes = 1 << 40
        if let value = CommandLine.environmentValue("BENCH_SEGMENT_BYTES").flatMap(Int.init) { config.auditSegmentBytes = value }
        if let value = CommandLine.environmentValue("BENCH_FSYNC_MS").flatMap(Int.init) { config.auditFsyncIntervalMs = value }
        let sizing = CommandLine.environmentValue("BENCH_SIZING").flatMap(SpoolSegmentSizing.init(rawValue:)) ?? .allocated
        let spool = try AuditSpool(config: config, logger: Logger(role: "bench", minimumLevel: .error), lanes: threads, sizing: sizing)
        precondition(spool.startBackgroundThread())
        // One encoded check row, appended over and over (the spool's part of a capture).
        let row = ByteBuffer()
        var random = RandomPool()
        CheckAuditRecord.write(try EngineBenchmark.auditSubject(requestID: "req_bench"), createdAtMicros: AuditRecord.nowMicros(),
                               random: &random, into: row)
        let payload = row.array
        let samples = Samples(threads: threads)
        let intervalNs = Int64(1_000_000_000 / max(1, ratePerThread))
        let group = DispatchGroup()
        for lane in 0..<threads {
            group.enter()
            let thread = Thread {
                var mine: [Int64] = []
                var blocked: [Int64] = []
                var usage = rusage()
                mine.reserveCapacity(Int(seconds * Double(ratePerThread)) + 16)
                let start = MonotonicInstant.now().nanoseconds
                let end = start + Int64(seconds * 1e9)
                var next = start + intervalNs * Int64(lane) / Int64(threads)
                while next < end {
                    var deadline = timespec(tv_sec: Int(next / 1_000_000_000), tv_nsec: Int(next % 1_000_000_000))
                    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
                    getrusage(__rusage_who_t(1), &usage) // RUSAGE_THREAD
                    let switches = usage.ru_nvcsw
                    let before = MonotonicInstant.now().nanoseconds
                    precondition(payload.withUnsafeBytes { spool.append(payload: $0, createdAtMicros: 1, lane: lane) } == .stored)
                    let took = MonotonicInstant.now().nanoseconds - before
                    mine.append(took)
                    getrusage(__rusage_who_t(1), &usage) // RUSAGE_THREAD
                    if usage.ru_nvcsw != switches { blocked.append(took) }
                    next += intervalNs
                }
                samples.perThread[lane] = mine
                samples.blocked[lane] = blocked
                group.leave()
            }
            thread.stackSize = 512 * 1024
            thread.start()
        }
        group.wait()
        spool.close()
        let all = samples.perThread.flatMap { $0 }.sorted()
        let blockedTimes = samples.blocked.flatMap { $0 }
        func percentile(_ p: Double) -> Double { Double(all[min(all.count - 1, Int(Double(all.count) * p))]) / 1000 }
        return [
            ("appends", Double(all.count)),
            ("p50_us", percentile(0.50)),
            ("p99_us", percentile(0.99)),
            ("p999_us", percentile(0.999)),
            ("max_us", Double(all.last ?? 0) / 1000),
            ("over_1ms", Double(all.filter { $0 > 1_000_000 }.count)),
            ("blocked", Double(blockedTimes.count)),
            ("blocked_max_us", Double(blockedTimes.max() ?? 0) / 1000),
            ("blocked_total_ms", Double(blockedTimes.reduce(0, +)) / 1_000_000),
        ]
    }
}
