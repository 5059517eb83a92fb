/// Where the audit trail reports its metric events. `SharedAuditMetrics` writes
/// them into the shared-memory Prometheus registry; `NoAuditMetrics` (tests,
/// benchmarks) drops them. Called on hot paths: implementations must not block.
public protocol AuditMetricsSink: Sendable {
    /// A record written to the spool (worker).
    func enqueued(bytes: Int)
    /// A record not written because the spool was full or unwritable, under fail_open (worker).
    func dropped()
    /// A check refused with 503 because the spool was full or unwritable, under fail_closed (worker).
    func refused()
    /// One committed flush: records sent, records already present (replays), duration (flusher).
    func flushed(batchRecords: Int, replayed: Int, latencyMs: Double)
    /// A flush attempt that failed (PostgreSQL down or erroring); the batch is retried (flusher).
    func flushFailed()
    /// Records PostgreSQL refused even one by one, skipped with an error log (flusher).
    func rejected(count: Int)
    /// Damaged spool regions skipped (flusher).
    func spoolCorruption(regions: Int, bytes: Int)
    /// Gauges, refreshed on every flusher loop: unflushed bytes and the age of the oldest unflushed record.
    func backlog(bytes: Int, oldestUnflushedAgeMs: Double)
}

/// The default sink: metrics are not collected.
public struct NoAuditMetrics: AuditMetricsSink {
    public init() {}
    public func enqueued(bytes: Int) {}
    public func dropped() {}
    public func refused() {}
    public func flushed(batchRecords: Int, replayed: Int, latencyMs: Double) {}
    public func flushFailed() {}
    public func rejected(count: Int) {}
    public func spoolCorruption(regions: Int, bytes: Int) {}
    public func backlog(bytes: Int, oldestUnflushedAgeMs: Double) {}
}
