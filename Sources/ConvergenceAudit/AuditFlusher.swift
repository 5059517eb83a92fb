import CConvergenceSys
import ConvergenceCore
import ConvergenceShared
import ConvergenceStore
import Glibc
import Synchronization

/// `convergence audit-flusher`: the supervised process that drains the spool
/// into PostgreSQL. Each round reads up to `audit_flush_batch_size` complete
/// frames from the segments (oldest first), inserts them in one transaction
/// (`AuditBatchWriter`), then checkpoints the new offsets (`SpoolStatus`) and
/// deletes segments that are drained and final (writer gone: flock obtainable).
///
/// PostgreSQL down: the batch is retried with back-off while workers keep
/// spooling; the backlog is published for /ready. SIGTERM (sent by the
/// supervisor once the workers have exited): drain everything, then exit.
public final class AuditFlusher {
    final class Segment {
        let name: String
        let reader: SpoolSegmentReader
        /// Bytes committed to PostgreSQL (a file offset: mapped segments start past their header).
        var offset: Int
        /// The writer is gone: nothing more will be appended.
        var isFinal = false
        /// Where the readable bytes end: the committed length (mapped) or the file size (plain).
        var size = 0

        init(name: String, reader: SpoolSegmentReader, offset: Int) {
            self.name = name
            self.reader = reader
            self.offset = max(offset, reader.dataStart)
            size = reader.dataStart
        }

        var fd: Int32 { reader.fd }
    }

    /// One round's work, not yet committed.
    struct Batch {
        var rows: [UInt8] = []
        var count = 0
        var advances: [(segment: Segment, offset: Int, corruptRegions: Int, corruptBytes: Int)] = []
        var oldestMicros: Int64?
        /// The frames' capture times in frame order (one frame, one row): how the usage rollup finds the batch's rows.
        var times: [Int64] = []
        /// More complete frames were left for the next round.
        var more = false
    }

    let config: Config
    let logger: Logger
    let environment: [String: String]
    let metrics: any AuditMetricsSink
    let directory: String
    private var segments: [String: Segment] = [:]
    private var status = SpoolStatus()
    private var lastPublish = MonotonicInstant(nanoseconds: 0)
    /// Set by `run`: the stop signals arrive through it.
    private var process: (any SupervisedProcess)?
    private var stopRequestedAt: MonotonicInstant?
    /// Days whose partition of audit_log is known to exist: made or confirmed by this flusher.
    /// Stale when retention drops one; an insert that finds no partition clears it.
    private var partitionDays = Set<AuditPartitionDay>()
    private var lastPartitionsAhead: MonotonicInstant?
    /// The UTC day `audit_retention_days` was last applied on.
    private var retentionAppliedOn: AuditPartitionDay?
    private var retentionFailedAt: MonotonicInstant?
    /// With `audit_archive_dir`, retention runs on a thread of its own with its own connection:
    /// writing a day out takes seconds to minutes, and flushing must not wait for it.
    private let archivingRetention = ArchivingRetention()
    private var databasePassword: String?
    /// Days kept ahead of today, so that midnight never waits for a partition.
    static let partitionDaysAhead: Int64 = 2

    /// Bytes read from one segment per round; far above a batch of records.
    static let readChunk = 8 << 20

    public init(config: Config, logger: Logger, environment: [String: String], metrics: any AuditMetricsSink = NoAuditMetrics()) {
        self.config = config
        self.logger = logger
        self.environment = environment
        self.metrics = metrics
        directory = config.auditSpoolDir
    }

    public func run(_ child: any SupervisedProcess) -> ProcessExit {
        process = child
        // Background work: when the cores are short, request threads go first (the spool absorbs the delay).
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        do { try SpoolDirectory.ensure(directory) } catch {
            // The supervisor retries it with back-off (a full or missing disk can come back),
            // and the workers keep serving meanwhile.
            logger.error("cannot start", ["error": .string(String(describing: error))])
            return .cannotStart
        }
        child.notifyReady()
        let lock: Int32
        switch acquireFlusherLock() {
        case .acquired(let fd): lock = fd
        case .stopped: return .clean
        case .failed: return .cannotStart
        }
        defer { close(lock) }
        removeAbandonedTemporaries()
        status = SpoolStatus.read(directory: directory) ?? SpoolStatus()
        status.pid = getpid()
        publish(force: true)
        databasePassword = child.databasePassword
        let connection = PostgresConnection(ConnectionInfo(
            url: config.databaseURL, password: child.databasePassword, connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
            applicationName: "convergence-audit-flusher"))
        let writer = AuditBatchWriter(connection: connection)
        // Reachable from the start, not only after a first commit: an idle flusher
        // must not make /ready report that it cannot reach PostgreSQL.
        if (try? connection.query("SELECT 1")) != nil {
            status.postgresOK = true
            publish(force: true)
        }
        var retryDelayMs = 100
        logger.info("audit flusher started", ["spool": .string(directory), "batch": .int(config.auditFlushBatchSize)])

        while true {
            pollSignals(waitMs: 0)
            let batch = collect()
            if batch.count > 0 || !batch.advances.isEmpty {
                do {
                    try commit(batch, writer: writer)
                    if status.lastError != nil { logger.info("audit flush resumed", ["backlog_bytes": .int(backlogBytes())]) }
                    status.postgresOK = true
                    status.lastError = nil
                    retryDelayMs = 100
                } catch {
                    metrics.flushFailed()
                    if status.postgresOK || status.lastError == nil {
                        logger.warning("audit flush failed; records stay in the spool and are retried",
                                       ["error": .string(error.description), "backlog_bytes": .int(backlogBytes())])
                    }
                    status.postgresOK = false
                    status.lastError = error.description
                    publish(force: true, oldestMicros: batch.oldestMicros)
                    // Stopping: this was the final attempt (one made after SIGTERM). Waiting out
                    // the whole shutdown timeout for a PostgreSQL that is down only delays the
                    // stop; the records stay in the spool, flushed at the next start.
                    if stopRequestedAt != nil || stopDue(caughtUp: false) { break }
                    pollSignals(waitMs: retryDelayMs)
                    retryDelayMs = min(2000, retryDelayMs * 2)
                    continue
                }
            }
            removeDrainedSegments()
            ensurePartitionsAhead(writer: writer)
            applyRetentionDaily(writer: writer)
            publish(force: false, oldestMicros: batch.oldestMicros)
            if stopDue(caughtUp: !batch.more) { break }
            // Caught up: look again in 20 ms. Small, frequent transactions cost
            // PostgreSQL a little more per record than large ones, but spread its
            // work: on a host shared with the workers a 100 ms gather made batches
            // whose inserts took the cores from checks for tens of ms (their p99
            // tripled). Stopping: look again soon, without spinning.
            if !batch.more { pollSignals(waitMs: stopRequestedAt != nil ? 5 : 20) }
        }
        publish(force: true)
        let left = backlogBytes()
        if left > 0 {
            logger.warning("audit flusher stopping with records still spooled; they are flushed at the next start",
                           ["backlog_bytes": .int(left)])
        } else {
            logger.info("audit flusher stopped: spool drained", ["flushed_total": .int(status.flushedTotal)])
        }
        return .clean
    }

    // MARK: - Rounds

    /// Reads the next batch of complete frames, oldest segment first.
    private func collect() -> Batch {
        refreshSegments()
        var batch = Batch()
        let limit = config.auditFlushBatchSize
        for name in segments.keys.sorted() {
            let segment = segments[name]!
            // Finality first, committed length second: a writer that exits after our read
            // must not make its last frame look torn.
            if !segment.isFinal { segment.isFinal = flock(segment.fd, LOCK_EX | LOCK_NB) == 0 }
            guard let end = segment.reader.readableEnd() else { continue }
            segment.size = end
            let pending = segment.size - segment.offset
            guard pending > 0 else { continue }
            guard batch.count < limit else { batch.more = true; break }
            guard let (scan, reachesEnd) = segment.reader.readFrames(
                from: segment.offset, to: end, maxFrames: limit - batch.count, writerGone: segment.isFinal,
                maxBytes: AuditFlusher.readChunk, into: &batch.rows) else { continue }
            if batch.oldestMicros == nil, let first = scan.frames.first { batch.oldestMicros = first.createdAtMicros }
            batch.times += scan.frames.map(\.createdAtMicros)
            batch.count += scan.frames.count
            if scan.consumed > 0 {
                batch.advances.append((segment, segment.offset + scan.consumed, scan.corruptRegions, scan.corruptBytes))
            }
            if batch.count >= limit || (!reachesEnd && scan.consumed > 0) { batch.more = true }
        }
        return batch
    }

    private func commit(_ batch: Batch, writer: AuditBatchWriter) throws(PostgresError) {
        var inserted = 0
        if batch.count > 0 {
            let started = MonotonicInstant.now()
            do {
                inserted = try insertRouted(batch.rows, times: batch.times, writer: writer)
            } catch where AuditFlusher.isDataError(error) {
                // One bad row must not stall the trail: find it, log it, keep the rest.
                // Any other failure (connection, missing table, permissions) is retried as a whole.
                inserted = try insertOneByOne(batch.rows, times: batch.times, writer: writer, firstError: error)
            }
            let latency = MonotonicInstant.now().milliseconds(since: started)
            metrics.flushed(batchRecords: batch.count, replayed: batch.count - inserted, latencyMs: latency)
            status.flushedTotal += inserted
            status.replayedTotal += batch.count - inserted
            if batch.count > inserted {
                logger.info("audit records already stored were skipped (replay after a restart)",
                            ["replayed": .int(batch.count - inserted)])
            }
        }
        for advance in batch.advances {
            advance.segment.offset = advance.offset
            status.offsets[advance.segment.name] = advance.offset
            if advance.corruptRegions > 0 {
                logger.error("audit spool: damaged data skipped", [
                    "segment": .string(advance.segment.name), "regions": .int(advance.corruptRegions),
                    "bytes": .int(advance.corruptBytes),
                ])
                metrics.spoolCorruption(regions: advance.corruptRegions, bytes: advance.corruptBytes)
                status.corruptRegionsTotal += advance.corruptRegions
            }
        }
        publish(force: true) // the checkpoint
    }

    /// Class 22 (data exception) and 23 (integrity, e.g. a CHECK): the rows, not the database, are at fault.
    /// A row with no partition is not one of them: its partition is made and the batch retried.
    static func isDataError(_ error: PostgresError) -> Bool {
        guard let state = error.sqlState, !error.isConnectionFailure, !AuditPartitions.isMissingPartition(error) else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23")
    }

    /// Inserts after making sure every day of the batch has its partition (a spool replayed
    /// after a long outage may hold days retention has dropped since: they are made again,
    /// never refused). No partition found after all (retention dropped a day this flusher had
    /// cached): the cache is forgotten, the days checked again, the insert retried once;
    /// after that the error goes up and the whole batch is retried later, still spooled.
    private func insertRouted(_ rows: [UInt8], times: [Int64], writer: AuditBatchWriter) throws(PostgresError) -> Int {
        try ensurePartitions(AuditPartitionDay.days(of: times), writer: writer)
        do {
            return try writer.insert(rows, times: times)
        } catch where AuditPartitions.isMissingPartition(error) {
            partitionDays.removeAll()
            try ensurePartitions(AuditPartitionDay.days(of: times), writer: writer)
            return try writer.insert(rows, times: times)
        }
    }

    private func ensurePartitions(_ days: [AuditPartitionDay], writer: AuditBatchWriter) throws(PostgresError) {
        let partitions = AuditPartitions(connection: writer.connection)
        for day in days where !partitionDays.contains(day) {
            if try partitions.ensure(day) { logger.info("audit partition created", ["day": .string(day.dateText)]) }
            partitionDays.insert(day)
        }
    }

    /// Today and the next days, checked once a minute (cached days cost nothing).
    private func ensurePartitionsAhead(writer: AuditBatchWriter) {
        let now = MonotonicInstant.now()
        if let last = lastPartitionsAhead, now.milliseconds(since: last) < 60_000 { return }
        lastPartitionsAhead = now
        let today = AuditPartitionDay(micros: AuditRecord.nowMicros())
        // PostgreSQL unreachable: tried again in a minute; inserts make their own days anyway.
        try? ensurePartitions((0...AuditFlusher.partitionDaysAhead).map { today.adding(days: $0) }, writer: writer)
    }

    /// `audit_retention_days`: at start and at the first round of each UTC day, whole
    /// partitions only. A failure is logged and tried again ten minutes later.
    private func applyRetentionDaily(writer: AuditBatchWriter) {
        guard config.auditRetentionDays > 0, !archivingRetention.running.load(ordering: .acquiring) else { return }
        if archivingRetention.failed.exchange(false, ordering: .acquiringAndReleasing) {
            retentionAppliedOn = nil
            retentionFailedAt = MonotonicInstant.now()
        }
        let now = AuditRecord.nowMicros()
        let today = AuditPartitionDay(micros: now)
        guard retentionAppliedOn != today else { return }
        if let failed = retentionFailedAt, MonotonicInstant.now().milliseconds(since: failed) < 600_000 { return }
        retentionAppliedOn = today
        retentionFailedAt = nil
        if let directory = config.auditArchiveDir {
            archivingRetention.start(ConnectionInfo(url: config.databaseURL, password: databasePassword,
                                                    connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
                                                    applicationName: "convergence-audit-retention"),
                                     days: config.auditRetentionDays, nowMicros: now, archive: AuditArchive(directory: directory), logger: logger)
            return
        }
        do {
            guard let outcome = try AuditRetention(connection: writer.connection).applyRetention(days: config.auditRetentionDays, nowMicros: now)
            else { return }
            if !outcome.droppedPartitions.isEmpty {
                logger.info("audit retention: partitions dropped", [
                    "days": .int(config.auditRetentionDays), "partitions": .string(outcome.droppedPartitions.joined(separator: ",")),
                    "rows_estimate": .int(Int(outcome.droppedRowsEstimate)),
                ])
            }
        } catch {
            logger.warning("audit retention failed; tried again later", ["error": .string(String(describing: error))])
            retentionAppliedOn = nil
            retentionFailedAt = MonotonicInstant.now()
        }
    }

    private func insertOneByOne(_ rows: [UInt8], times: [Int64], writer: AuditBatchWriter,
                                firstError: PostgresError) throws(PostgresError) -> Int {
        logger.warning("audit batch refused; inserting its records one by one", ["error": .string(firstError.description)])
        var inserted = 0
        var refused: [UInt8] = []
        let lines = rows.split(separator: 10, omittingEmptySubsequences: true)
        // One row per frame (COPY escapes newlines inside values), so row i was captured at times[i].
        let aligned = lines.count == times.count
        for (index, row) in lines.enumerated() {
            do {
                inserted += try insertRouted(Array(row) + [10], times: aligned ? [times[index]] : times, writer: writer)
            } catch where AuditFlusher.isDataError(error) {
                logger.error("audit record refused by PostgreSQL; kept in the spool's rejected.copy", ["error": .string(error.description)])
                metrics.rejected(count: 1)
                refused += Array(row) + [10]
            }
        }
        // Refused records are evidence too: they are kept (COPY text rows, replayable with
        // `\copy convergence.audit_log FROM rejected.copy` once the cause is fixed), and the
        // checkpoint only moves past them once they are safely on disk.
        if !refused.isEmpty, !keepRejected(refused) { throw firstError }
        return inserted
    }

    /// Appends refused rows to `rejected.copy` in the spool directory, synced. False on failure.
    private func keepRejected(_ rows: [UInt8]) -> Bool {
        let fd = open("\(directory)/rejected.copy", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var offset = 0
        while offset < rows.count {
            let n = rows.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return fdatasync(fd) == 0
    }

    /// Opens segments that appeared; forgets those that vanished.
    private func refreshSegments() {
        let names = SpoolDirectory.segments(directory)
        let present = Set(names)
        for (name, segment) in segments where !present.contains(name) {
            segment.reader.close()
            segments[name] = nil
        }
        for name in names where segments[name] == nil {
            let fd = open(directory + "/" + name, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            let reader = SpoolSegmentReader(fd: fd)
            if case .unsupported(let version) = reader.format {
                logger.error("audit spool: segment of an unknown format left alone", ["segment": .string(name), "version": .int(Int(version))])
            }
            segments[name] = Segment(name: name, reader: reader, offset: status.offsets[name] ?? 0)
        }
        for name in status.offsets.keys where !present.contains(name) { status.offsets[name] = nil }
    }

    /// Deletes segments whose writer is gone and whose every byte is committed.
    private func removeDrainedSegments() {
        var removed = false
        for (name, segment) in segments where segment.isFinal && segment.offset >= segment.size && segment.reader.isSupported {
            unlink(directory + "/" + name)
            segment.reader.close()
            segments[name] = nil
            status.offsets[name] = nil
            removed = true
        }
        if removed { publish(force: true) }
    }

    /// A worker that died between creating a segment and renaming it into view left an
    /// empty `.seg-….tmp` (nothing is written before the rename). Only files a minute
    /// old go: a fresh one may be a worker's, created but not yet locked.
    private func removeAbandonedTemporaries() {
        guard let dir = opendir(directory) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name.hasPrefix(".seg-"), name.hasSuffix(".tmp") { names.append(name) }
        }
        closedir(dir)
        for name in names {
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0, time(nil) - info.st_mtim.tv_sec > 60 else { continue }
            let fd = open(directory + "/" + name, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { unlink(directory + "/" + name) }
            close(fd)
        }
    }

    private func backlogBytes() -> Int {
        segments.values.reduce(0) { $0 + max(0, $1.size - $1.offset) }
    }

    // MARK: - Status, signals, exclusivity

    private func publish(force: Bool, oldestMicros: Int64? = nil) {
        let now = MonotonicInstant.now()
        guard force || now.milliseconds(since: lastPublish) >= 200 else { return }
        lastPublish = now
        status.heartbeatMicros = AuditRecord.nowMicros()
        status.backlogBytes = backlogBytes()
        if status.backlogBytes == 0 { status.oldestUnflushedMicros = nil } else if let oldestMicros { status.oldestUnflushedMicros = oldestMicros }
        let age = status.oldestUnflushedMicros.map { Double(status.heartbeatMicros - $0) / 1000 } ?? 0
        metrics.backlog(bytes: status.backlogBytes, oldestUnflushedAgeMs: max(0, age))
        do { try status.write(directory: directory) } catch {
            logger.error("cannot write the audit checkpoint", ["error": .string(error.description)])
        }
    }

    /// Waits up to `waitMs` for SIGTERM/SIGINT (0: just looks).
    private func pollSignals(waitMs: Int) {
        if process?.stopSignal(waitingMs: waitMs) != nil, stopRequestedAt == nil {
            stopRequestedAt = .now()
            logger.info("audit flusher draining the spool before exit", ["backlog_bytes": .int(backlogBytes())])
        }
    }

    /// Stop when asked and caught up with segments whose writers are gone; on a
    /// reload (writers alive) once caught up after a short grace; in any case
    /// once the shutdown timeout has passed (the spool keeps what is left).
    private func stopDue(caughtUp: Bool) -> Bool {
        guard let asked = stopRequestedAt else { return false }
        let waitedMs = MonotonicInstant.now().milliseconds(since: asked)
        if waitedMs >= Double(config.shutdownTimeoutSeconds * 1000) { return true }
        guard caughtUp, status.postgresOK || backlogBytes() == 0 else { return false }
        return segments.values.allSatisfy(\.isFinal) || waitedMs >= 500
    }

    enum LockOutcome {
        case acquired(Int32)
        /// Asked to stop while waiting for the previous flusher.
        case stopped
        case failed
    }

    /// One flusher per spool: a replacement waits for its predecessor to finish.
    private func acquireFlusherLock() -> LockOutcome {
        let fd = open(directory + "/flusher.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            logger.error("cannot start: cannot open the flusher lock", ["error": .string(errnoText())])
            return .failed
        }
        var waiting = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if !waiting { logger.info("waiting for the previous audit flusher to finish") }
            waiting = true
            pollSignals(waitMs: 100)
            if stopRequestedAt != nil { close(fd); return .stopped }
        }
        return .acquired(fd)
    }
}

/// The archiving retention's thread (one at a time); `failed` tells the flusher to try again later.
final class ArchivingRetention: Sendable {
    let running = Atomic<Bool>(false)
    let failed = Atomic<Bool>(false)

    func start(_ info: ConnectionInfo, days: Int, nowMicros: Int64, archive: AuditArchive, logger: Logger) {
        running.store(true, ordering: .releasing)
        let started = startThread { [self] in
            let connection = PostgresConnection(info)
            defer {
                connection.close()
                running.store(false, ordering: .releasing)
            }
            do {
                guard let outcome = try AuditRetention(connection: connection).applyRetention(days: days, nowMicros: nowMicros, archive: archive)
                else { return }
                if !outcome.droppedPartitions.isEmpty {
                    logger.info("audit retention: partitions archived and dropped", [
                        "days": .int(days), "partitions": .string(outcome.droppedPartitions.joined(separator: ",")),
                        "rows": .int(outcome.archives.reduce(0) { $0 + $1.rows }),
                        "archives": .string(outcome.archives.map(\.path).joined(separator: ",")),
                    ])
                }
            } catch {
                logger.warning("audit retention failed; tried again later (a partition not archived stays)",
                               ["error": .string(String(describing: error))])
                failed.store(true, ordering: .releasing)
            }
        }
        if started == nil {
            running.store(false, ordering: .releasing)
            failed.store(true, ordering: .releasing)
        }
    }
}
