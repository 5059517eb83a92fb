import ConvergenceShared

/// Audit events into the shared-memory metrics. Every series has fixed labels,
/// so each is resolved once and every event is one atomic update — cheap
/// enough for the per-check `enqueued` on the request path.
package struct SharedAuditMetrics: AuditMetricsSink {
    private let enqueuedRecords, enqueuedBytes, droppedRecords, refusedChecks: MetricHandle?
    private let flushedRecords, replayedRecords, batchSize, flushDuration, flushFailures: MetricHandle?
    private let rejectedRecords, corruptRegions, corruptBytes, backlogBytes, oldestAge: MetricHandle?

    package init(region: SharedRegion) {
        let m = MetricsRecorder(region: region, customerCap: 0)
        enqueuedRecords = m.handle(AuditMetricFamilies.enqueued)
        enqueuedBytes = m.handle(AuditMetricFamilies.spoolBytes)
        droppedRecords = m.handle(AuditMetricFamilies.dropped)
        refusedChecks = m.handle(AuditMetricFamilies.refused)
        flushedRecords = m.handle(AuditMetricFamilies.flushed)
        replayedRecords = m.handle(AuditMetricFamilies.replayed)
        batchSize = m.handle(AuditMetricFamilies.batchSize)
        flushDuration = m.handle(AuditMetricFamilies.flushDuration)
        flushFailures = m.handle(AuditMetricFamilies.flushFailures)
        rejectedRecords = m.handle(AuditMetricFamilies.rejected)
        corruptRegions = m.handle(AuditMetricFamilies.corruptRegions)
        corruptBytes = m.handle(AuditMetricFamilies.corruptBytes)
        backlogBytes = m.handle(AuditMetricFamilies.backlogBytes)
        oldestAge = m.handle(AuditMetricFamilies.oldestAge)
    }

    package func enqueued(bytes: Int) {
        enqueuedRecords?.add()
        enqueuedBytes?.add(UInt64(max(0, bytes)))
    }

    package func dropped() { droppedRecords?.add() }
    package func refused() { refusedChecks?.add() }

    package func flushed(batchRecords: Int, replayed: Int, latencyMs: Double) {
        flushedRecords?.add(UInt64(max(0, batchRecords - replayed)))
        replayedRecords?.add(UInt64(max(0, replayed)))
        batchSize?.observe(Double(batchRecords))
        flushDuration?.observe(latencyMs / 1000)
    }

    package func flushFailed() { flushFailures?.add() }
    package func rejected(count: Int) { rejectedRecords?.add(UInt64(max(0, count))) }

    package func spoolCorruption(regions: Int, bytes: Int) {
        corruptRegions?.add(UInt64(max(0, regions)))
        corruptBytes?.add(UInt64(max(0, bytes)))
    }

    package func backlog(bytes: Int, oldestUnflushedAgeMs: Double) {
        backlogBytes?.set(Double(bytes))
        oldestAge?.set(oldestUnflushedAgeMs / 1000)
    }
}

package enum AuditMetricFamilies {
    package static let enqueued = MetricFamily("convergence_audit_records_enqueued_total", .counter,
                                       help: "Audit records written to the local spool by workers.")
    package static let spoolBytes = MetricFamily("convergence_audit_spool_bytes_written_total", .counter,
                                         help: "Bytes of audit records written to the spool.")
    package static let dropped = MetricFamily("convergence_audit_records_dropped_total", .counter,
                                      help: "Checks answered without a record because the spool was full (audit_full_policy = fail_open).")
    package static let refused = MetricFamily("convergence_audit_checks_refused_total", .counter,
                                      help: "Checks refused with 503 because the spool was full (audit_full_policy = fail_closed).")
    package static let flushed = MetricFamily("convergence_audit_records_flushed_total", .counter,
                                      help: "Audit records committed to PostgreSQL by the flusher.")
    package static let replayed = MetricFamily("convergence_audit_records_replayed_total", .counter,
                                       help: "Records flushed again after a flusher restart and found already stored (no duplicate written).")
    package static let batchSize = MetricFamily("convergence_audit_flush_batch_size",
                                                .histogram(buckets: [1, 10, 100, 500, 1000, 5000, 10000, 20000, 50000]),
                                                help: "Records per committed flush.")
    package static let flushDuration = MetricFamily("convergence_audit_flush_duration_seconds",
                                            .histogram(buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
                                            help: "Time per committed flush (COPY and commit).")
    package static let flushFailures = MetricFamily("convergence_audit_flush_failures_total", .counter,
                                            help: "Flush attempts that failed (PostgreSQL down or erroring); the batch is retried.")
    package static let rejected = MetricFamily("convergence_audit_records_rejected_total", .counter,
                                       help: "Records PostgreSQL refused even one by one, skipped with an error log.")
    package static let corruptRegions = MetricFamily("convergence_audit_spool_corrupt_regions_total", .counter,
                                             help: "Damaged spool regions skipped by the flusher.")
    package static let corruptBytes = MetricFamily("convergence_audit_spool_corrupt_bytes_total", .counter,
                                           help: "Bytes of damaged spool regions skipped.")
    package static let backlogBytes = MetricFamily("convergence_audit_backlog_bytes", .gauge,
                                           help: "Spooled audit bytes not yet in PostgreSQL (the queue depth).")
    package static let oldestAge = MetricFamily("convergence_audit_oldest_unflushed_age_seconds", .gauge,
                                        help: "Age of the oldest audit record not yet in PostgreSQL.")

    /// Derived when /metrics renders, from the answering worker's spool.
    package static let spoolWritable = MetricFamily("convergence_audit_spool_writable", .gauge,
                                            help: "Whether the answering worker's audit spool can take records"
                                                + " (0: segments cannot be made, e.g. disk full).")

    package static let all: [MetricFamily] = [
        enqueued, spoolBytes, dropped, refused, flushed, replayed, batchSize, flushDuration, flushFailures,
        rejected, corruptRegions, corruptBytes, backlogBytes, oldestAge,
    ]
}
