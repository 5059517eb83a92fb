import ConvergenceCore
import Glibc
import Synchronization

/// A worker process's side of the audit trail: copies framed records into its
/// own memory-mapped segment files (`SpoolSegment`) in the spool directory
/// before the response is sent, so a record survives the worker's death the
/// moment `append` returns (it is in the page cache); a background thread makes
/// it survive power loss within `audit_fsync_interval_ms`. PostgreSQL is never
/// touched here.
///
/// Each request thread appends through its own lane (its own open segment), so
/// threads never queue behind each other: with one shared segment and lock, 16
/// threads convoyed on it and the check path lost a quarter of its throughput.
/// A lane's lock is then only ever contended by the background thread, briefly.
///
/// The request thread never creates files, syncs, or waits for the disk: an
/// append is a copy into mapped memory and a store of the new committed length.
/// Writing through `write(2)` made every append extend the file (an inode update
/// in the ext4 journal), so request threads stalled behind journal commits (p99
/// 28–40 ms at 64 connections against 8 ms without auditing). The background
/// thread prepares each lane's next segment ahead of time (rotation is then a
/// swap), syncs the committed ranges and finishes rotated-out segments.
///
/// Every lane holds an exclusive flock on its segments: the flusher takes a
/// segment whose lock it can get as final (its writer exited or died).
public final class AuditSpool: Sendable {
    public enum Outcome: Equatable, Sendable {
        case stored
        /// Full or unwritable under fail_closed: the check must be refused.
        case refused
        /// Full or unwritable under fail_open: answered without a record.
        case dropped
    }

    /// A lane's state, under its lock.
    struct Writer {
        /// The segment being filled and its committed length (the writer's copy of the mapped word).
        var segment: SpoolSegment?
        var committed = 0
        /// How much of `segment` is known durable.
        var synced = 0
        /// The next segment, made by the background thread.
        var prepared: SpoolSegment?
        /// Segments rotated out, for the background thread to sync and close.
        var retired: [Retired] = []
        var sequence = 0
        var broken = false
    }

    struct Retired {
        let segment: SpoolSegment
        let committed: Int
        let synced: Int
    }

    /// The background thread's own state; its lock also keeps `close` from unmapping
    /// a segment the background work is syncing.
    struct Background {
        var prepareFailing = false
    }

    let directory: String
    let segmentBytes: Int
    let bufferLimit: Int
    package let policy: AuditFullPolicy
    let fsyncIntervalMs: Int
    let sizing: SpoolSegmentSizing
    package let metrics: any AuditMetricsSink
    let logger: Logger
    /// One writer per request thread (see the type's comment).
    final class Lane: Sendable {
        let index: Int
        let writer = Mutex(Writer())
        init(index: Int) { self.index = index }
    }
    private let lanes: [Lane]
    private let background = Mutex(Background())
    /// Unflushed bytes of the whole spool at the last directory scan.
    private let scannedBacklog = Atomic<Int>(0)
    /// Bytes this process appended since that scan.
    private let appendedSinceScan = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    /// A segment was created inline without syncing the directory: the next sync does it.
    private let directoryUnsynced = Atomic<Bool>(false)
    /// Why the last segment could not be made (nil once one was made again), for /ready.
    private let lastFailure = Mutex<String?>(nil)

    /// `lanes`: how many threads append (a worker's `threads`); each gets its own segment.
    /// `sizing`: how segment files are sized (other than the default for measurements only).
    /// `degraded`: a directory or first segment that cannot be made (full disk, permissions)
    /// is not an error: the spool starts without segments, appends are refused or dropped
    /// per `audit_full_policy` (`isWritable` false), and the background thread keeps trying
    /// until it can make them (a worker serves meanwhile; see docs/operations.md). Without
    /// it (tools, tests) such a failure throws.
    public init(config: Config, logger: Logger, metrics: any AuditMetricsSink = NoAuditMetrics(), lanes: Int = 1,
                sizing: SpoolSegmentSizing = .allocated, degraded: Bool = false) throws(FileError) {
        directory = config.auditSpoolDir
        segmentBytes = config.auditSegmentBytes
        bufferLimit = config.auditBufferBytes
        policy = config.auditFullPolicy
        fsyncIntervalMs = config.auditFsyncIntervalMs
        self.sizing = sizing
        self.metrics = metrics
        self.logger = logger
        self.lanes = (0..<max(1, lanes)).map { Lane(index: $0) }
        do { try SpoolDirectory.ensure(directory) } catch {
            guard degraded else { throw error }
            noteFailure(error, lane: nil)
            for lane in self.lanes { lane.writer.withLock { $0.broken = true } }
            return
        }
        scannedBacklog.store(SpoolDirectory.backlogBytes(directory, status: SpoolStatus.read(directory: directory)), ordering: .relaxed)
        // Each lane's first segment, before any request; the next ones come from the background thread.
        for lane in self.lanes {
            let segment: SpoolSegment
            do { segment = try makeSegment(lane: lane, capacity: segmentBytes, sizing: sizing, durable: true) } catch {
                guard degraded else { throw error }
                noteFailure(error, lane: lane.index)
                lane.writer.withLock { $0.broken = true }
                continue
            }
            lane.writer.withLock { w in
                w.segment = segment
                w.committed = SpoolSegment.headerBytes
                w.synced = SpoolSegment.headerBytes
            }
        }
    }

    private func noteFailure(_ error: FileError, lane: Int?) {
        let text = String(describing: error)
        let first = lastFailure.withLock { last -> Bool in
            defer { last = text }
            return last == nil
        }
        if first {
            let checks = policy == .failClosed ? "refused (fail_closed)" : "answered without a record (fail_open)"
            logger.error("audit spool: cannot make a segment; checks are \(checks) until it can",
                         ["dir": .string(directory), "error": .string(text), "lane": .int(lane ?? -1)])
        }
    }

    /// Whether every lane can take a record now (it has a segment, or a prepared one to
    /// move to): false while segments cannot be made (disk full, directory unwritable).
    public var isWritable: Bool {
        lanes.allSatisfy { lane in lane.writer.withLock { w in !w.broken && (w.segment != nil || w.prepared != nil) } }
    }

    /// Why segments cannot be made, while they cannot (nil otherwise).
    public var failure: String? { isWritable ? nil : lastFailure.withLock { $0 } }

    /// Whether new records would exceed the buffer bound (estimate, refreshed every 100 ms).
    public var isFull: Bool {
        scannedBacklog.load(ordering: .relaxed) + appendedSinceScan.load(ordering: .relaxed) >= bufferLimit
    }

    /// Appends through lane `lane` (the calling thread's; any value works, it is taken modulo the lanes).
    public func append(_ record: AuditRecord, lane: Int = 0) -> Outcome {
        record.copyRow().withUnsafeBytes { append(payload: $0, createdAtMicros: record.createdAtMicros, lane: lane) }
    }

    /// Appends one record (a COPY text row, newline included) through lane `lane`:
    /// the frame is encoded straight into the lane's mapped segment and published.
    public func append(payload: UnsafeRawBufferPointer, createdAtMicros: Int64, lane: Int = 0) -> Outcome {
        guard !isFull else { return refuseOrDrop() }
        let frameBytes = SpoolFrame.frameBytes(payloadBytes: payload.count)
        let lane = lanes[lane % lanes.count]
        let ok = lane.writer.withLock { w -> Bool in
            var end = w.segment?.append(payload: payload, createdAtMicros: createdAtMicros, at: w.committed)
            if end == nil {
                guard rotate(&w, lane: lane, frameBytes: frameBytes) else { return false }
                end = w.segment?.append(payload: payload, createdAtMicros: createdAtMicros, at: w.committed)
            }
            guard let end, let segment = w.segment else { return false }
            w.committed = end
            if fsyncIntervalMs == 0 || stopped.load(ordering: .relaxed) {
                // Durable before the answer (or no background thread is left to do it).
                segment.sync(upTo: end)
                w.synced = end
                if directoryUnsynced.exchange(false, ordering: .relaxed) { SpoolSegment.syncDirectory(directory) }
            }
            if w.broken {
                logger.info("audit spool: writing again", ["lane": .int(lane.index)])
                lastFailure.withLock { $0 = nil }
            }
            w.broken = false
            return true
        }
        guard ok else { return refuseOrDrop() }
        appendedSinceScan.add(frameBytes, ordering: .relaxed)
        metrics.enqueued(bytes: frameBytes)
        return .stored
    }

    private func refuseOrDrop() -> Outcome {
        switch policy {
        case .failClosed: metrics.refused(); return .refused
        case .failOpen: metrics.dropped(); return .dropped
        }
    }

    /// Lane lock held. Retires the full segment (the background thread syncs and closes
    /// it) and swaps in the prepared one. Without one (the background thread is behind,
    /// or the record is larger than a segment), creates one here: the rare case where
    /// the request thread touches the file system.
    private func rotate(_ w: inout Writer, lane: Lane, frameBytes: Int) -> Bool {
        if let full = w.segment {
            w.retired.append(Retired(segment: full, committed: w.committed, synced: w.synced))
            w.segment = nil
        }
        let needed = SpoolSegment.headerBytes + frameBytes
        if let next = w.prepared, next.capacity >= needed {
            w.prepared = nil
            w.segment = next
            w.synced = SpoolSegment.headerBytes // prepared segments are made durable
        } else if w.broken && w.prepared == nil && !stopped.load(ordering: .relaxed) {
            // Segments cannot be made (disk full…): no file system work per request; the
            // background thread retries every tick and the lane moves to what it prepares.
            return false
        } else {
            let durable = fsyncIntervalMs == 0 || stopped.load(ordering: .relaxed)
            do {
                // Never the zero fill here: posix_fallocate returns at once.
                let sizing: SpoolSegmentSizing = sizing == .written ? .allocated : sizing
                w.segment = try makeSegment(&w, lane: lane.index, capacity: max(segmentBytes, needed), sizing: sizing, durable: durable)
            } catch {
                if !w.broken { noteFailure(error, lane: lane.index) }
                w.broken = true
                return false
            }
            w.synced = durable ? SpoolSegment.headerBytes : 0
            if !durable { directoryUnsynced.store(true, ordering: .relaxed) }
        }
        w.committed = SpoolSegment.headerBytes
        return true
    }

    private func makeSegment(lane: Lane, capacity: Int, sizing: SpoolSegmentSizing, durable: Bool) throws(FileError) -> SpoolSegment {
        let name = lane.writer.withLock { w in segmentName(&w, lane: lane.index) }
        return try SpoolSegment.create(directory: directory, name: name, capacity: capacity, sizing: sizing, durable: durable)
    }

    private func makeSegment(_ w: inout Writer, lane: Int, capacity: Int, sizing: SpoolSegmentSizing,
                             durable: Bool) throws(FileError) -> SpoolSegment {
        try SpoolSegment.create(directory: directory, name: segmentName(&w, lane: lane), capacity: capacity, sizing: sizing, durable: durable)
    }

    /// Names start with the creation time, so the flusher takes segments roughly oldest first.
    private func segmentName(_ w: inout Writer, lane: Int) -> String {
        w.sequence += 1
        return "seg-\(zeroPadded(AuditRecord.nowMicros(), 17))-\(getpid())-\(lane)-\(w.sequence)\(SpoolDirectory.segmentSuffix)"
    }

    // MARK: - Background work

    /// Starts the thread that syncs, finishes and prepares segments and
    /// refreshes the backlog estimate.
    public func startBackgroundThread() -> Bool {
        startThread(stackSize: 256 * 1024) { [self] in
            // Ticks of at most 50 ms: rotated-out segments are closed (final for the
            // flusher) and replaced soon. A sync every `ticksPerSync` ticks, which
            // divide the fsync interval, so no record waits longer than it.
            let ticksPerSync = max(1, (fsyncIntervalMs + 49) / 50)
            let tickMs = max(1, fsyncIntervalMs == 0 ? 50 : fsyncIntervalMs / ticksPerSync)
            var next = MonotonicInstant.now()
            var tick = 0
            var sinceScan = 0
            while !stopped.load(ordering: .relaxed) {
                next = next.adding(milliseconds: tickMs)
                let now = MonotonicInstant.now()
                if next < now { next = now } else { sleep(until: next) }
                tick += 1
                let syncDue = tick % ticksPerSync == 0
                backgroundTick(sync: syncDue)
                sinceScan += tickMs
                if sinceScan >= 100 {
                    sinceScan = 0
                    refreshBacklog()
                }
            }
        } != nil
    }

    private func sleep(until instant: MonotonicInstant) {
        var deadline = timespec(tv_sec: Int(instant.nanoseconds / 1_000_000_000), tv_nsec: Int(instant.nanoseconds % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
    }

    func refreshBacklog() {
        let backlog = SpoolDirectory.backlogBytes(directory, status: SpoolStatus.read(directory: directory))
        appendedSinceScan.store(0, ordering: .relaxed)
        scannedBacklog.store(backlog, ordering: .relaxed)
    }

    /// One round of background work: finish rotated-out segments; with `sync`, make every
    /// lane's committed records durable; make sure every lane has its next segment.
    func backgroundTick(sync: Bool) {
        background.withLock { state in
            guard !stopped.load(ordering: .relaxed) else { return }
            for lane in lanes {
                finishRetired(lane)
                if sync { syncCurrent(lane) }
                prefault(lane)
            }
            if sync, directoryUnsynced.exchange(false, ordering: .relaxed) { SpoolSegment.syncDirectory(directory) }
            prepareSegments(&state)
        }
    }

    /// Syncs the tail of each segment the lane rotated out, then closes it (the flusher may then finish it).
    private func finishRetired(_ lane: Lane) {
        let retired = lane.writer.withLock { w -> [Retired] in
            defer { w.retired.removeAll() }
            return w.retired
        }
        for old in retired {
            if old.committed > old.synced { old.segment.sync(upTo: old.committed) }
            old.segment.close()
        }
    }

    /// Bytes faulted in ahead of a lane's committed length each tick (≤ 50 ms): at
    /// ~350 bytes a record, 128 KiB lasts a lane ~7,000 records/s.
    static let prefaultWindow = 128 * 1024

    /// Faults in the pages the lane's next records will land in, in its current
    /// segment and the start of its prepared one, outside the lane's lock.
    private func prefault(_ lane: Lane) {
        let (current, committed, prepared) = lane.writer.withLock { w in (w.segment, w.committed, w.prepared) }
        current?.prefault(ahead: committed, window: AuditSpool.prefaultWindow)
        prepared?.prefault(ahead: SpoolSegment.headerBytes, window: AuditSpool.prefaultWindow)
    }

    /// msync of what the lane committed since the last sync, outside the lane's lock
    /// (the request thread keeps appending meanwhile).
    private func syncCurrent(_ lane: Lane) {
        let work = lane.writer.withLock { w -> (SpoolSegment, Int)? in
            guard let segment = w.segment, w.committed > w.synced else { return nil }
            return (segment, w.committed)
        }
        guard let (segment, committed) = work else { return }
        segment.sync(upTo: committed)
        lane.writer.withLock { w in
            if w.segment === segment { w.synced = max(w.synced, committed) }
        }
    }

    /// Creates the next segment of every lane that has none: sized, header written,
    /// synced, renamed into view, directory synced.
    private func prepareSegments(_ state: inout Background) {
        for lane in lanes where lane.writer.withLock({ $0.prepared == nil }) {
            let segment: SpoolSegment
            do { segment = try makeSegmentEnsuringDirectory(lane: lane) } catch {
                if !state.prepareFailing {
                    logger.warning("audit spool: cannot prepare the next segment; will retry", ["error": .string(String(describing: error))])
                }
                state.prepareFailing = true
                if lane.writer.withLock({ $0.segment == nil }) { noteFailure(error, lane: lane.index) }
                return
            }
            if state.prepareFailing { logger.info("audit spool: segments prepared again") }
            state.prepareFailing = false
            lane.writer.withLock { w in
                w.prepared = segment
                // A lane without a segment (degraded start) takes it now: a request would anyway.
                if w.segment == nil {
                    w.segment = segment
                    w.prepared = nil
                    w.committed = SpoolSegment.headerBytes
                    w.synced = SpoolSegment.headerBytes
                    w.broken = false
                }
            }
            if isWritable, lastFailure.withLock({ $0 }) != nil {
                lastFailure.withLock { $0 = nil }
                logger.info("audit spool: segments made again; checks are recorded", ["dir": .string(directory)])
            }
        }
    }

    /// A prepared segment; a directory that is missing (removed, or never made: a degraded
    /// start) is made first.
    private func makeSegmentEnsuringDirectory(lane: Lane) throws(FileError) -> SpoolSegment {
        do { return try makeSegment(lane: lane, capacity: segmentBytes, sizing: sizing, durable: true) } catch {
            guard error.errno == ENOENT else { throw error }
            try SpoolDirectory.ensure(directory)
            return try makeSegment(lane: lane, capacity: segmentBytes, sizing: sizing, durable: true)
        }
    }

    /// Syncs and closes every segment (worker drain): the flusher then sees them final,
    /// drains them and deletes them (unused prepared ones at once).
    public func close() {
        stopped.store(true, ordering: .relaxed)
        background.withLock { _ in
            for lane in lanes {
                finishRetired(lane)
                let (current, prepared) = lane.writer.withLock { w -> (Retired?, SpoolSegment?) in
                    defer {
                        w.segment = nil
                        w.prepared = nil
                    }
                    return (w.segment.map { Retired(segment: $0, committed: w.committed, synced: w.synced) }, w.prepared)
                }
                if let current {
                    if current.committed > current.synced { current.segment.sync(upTo: current.committed) }
                    current.segment.close()
                }
                prepared?.close()
            }
            if directoryUnsynced.exchange(false, ordering: .relaxed) { SpoolSegment.syncDirectory(directory) }
        }
    }
}
