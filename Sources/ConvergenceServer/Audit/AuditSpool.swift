import ConvergenceCore
import Glibc
import Synchronization

/// A worker process's side of the audit trail: appends framed records to its
/// own segment file in the spool directory before the response is sent, so a
/// record survives the worker's death the moment `append` returns (it is in
/// the kernel's page cache); a background thread makes it survive power loss
/// within `audit_fsync_interval_ms`. PostgreSQL is never touched here.
///
/// Each request thread appends through its own lane (its own open segment), so
/// threads never queue behind each other's `write(2)`: with one shared segment
/// and lock, 16 threads convoyed on it and the check path lost a quarter of
/// its throughput. A lane's lock is then only ever contended by the syncing
/// thread. Every lane holds an exclusive flock on its open segment: the flusher
/// takes a segment whose lock it can get as final (its writer exited or died).
public final class AuditSpool: Sendable {
    public enum Outcome: Equatable, Sendable {
        case stored
        /// Full or unwritable under fail_closed: the check must be refused.
        case refused
        /// Full or unwritable under fail_open: answered without a record.
        case dropped
    }

    struct Writer {
        var fd: Int32 = -1
        var size = 0
        var dirty = false
        var sequence = 0
        var broken = false
    }

    let directory: String
    let segmentLimit: Int
    let bufferLimit: Int
    let policy: AuditFullPolicy
    let fsyncIntervalMs: Int
    let metrics: any AuditMetricsSink
    let logger: Logger
    /// One writer per request thread (see the type's comment).
    final class Lane: Sendable {
        let index: Int
        let writer = Mutex(Writer())
        init(index: Int) { self.index = index }
    }
    private let lanes: [Lane]
    /// Unflushed bytes of the whole spool at the last directory scan.
    private let scannedBacklog = Atomic<Int>(0)
    /// Bytes this process appended since that scan.
    private let appendedSinceScan = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    /// `lanes`: how many threads append (a worker's `threads`); each gets its own segment.
    public init(config: Config, logger: Logger, metrics: any AuditMetricsSink = NoAuditMetrics(), lanes: Int = 1) throws(FileError) {
        directory = config.auditSpoolDir
        segmentLimit = config.auditSegmentBytes
        bufferLimit = config.auditBufferBytes
        policy = config.auditFullPolicy
        fsyncIntervalMs = config.auditFsyncIntervalMs
        self.metrics = metrics
        self.logger = logger
        try SpoolDirectory.ensure(directory)
        scannedBacklog.store(SpoolDirectory.backlogBytes(directory, status: SpoolStatus.read(directory: directory)), ordering: .relaxed)
        self.lanes = (0..<max(1, lanes)).map { Lane(index: $0) }
        for lane in self.lanes {
            try lane.writer.withLock { w throws(FileError) in try openSegment(&w, lane: lane.index) }
        }
    }

    /// Whether new records would exceed the buffer bound (estimate, refreshed every 100 ms).
    public var isFull: Bool {
        scannedBacklog.load(ordering: .relaxed) + appendedSinceScan.load(ordering: .relaxed) >= bufferLimit
    }

    /// Appends through lane `lane` (the calling thread's; any value works, it is taken modulo the lanes).
    public func append(_ record: AuditRecord, lane: Int = 0) -> Outcome {
        guard !isFull else { return refuseOrDrop() }
        return appendFrame(SpoolFrame.encode(createdAtMicros: record.createdAtMicros, payload: record.copyRow()), lane: lane)
    }

    func appendFrame(_ frame: [UInt8], lane: Int) -> Outcome {
        guard !isFull else { return refuseOrDrop() }
        let lane = lanes[lane % lanes.count]
        let ok = lane.writer.withLock { w -> Bool in
            if w.fd < 0 || w.size >= segmentLimit {
                do { try rotate(&w, lane: lane.index) } catch {
                    if !w.broken { logger.error("audit spool: cannot open a segment", ["error": .string(String(describing: error))]) }
                    w.broken = true
                    return false
                }
            }
            guard writeAll(w.fd, frame) else {
                let problem = errnoText()
                ftruncate(w.fd, off_t(w.size)) // never leave a torn frame behind a good one
                if !w.broken { logger.error("audit spool: write failed", ["error": .string(problem)]) }
                w.broken = true
                return false
            }
            if w.broken { logger.info("audit spool: writing again") }
            w.broken = false
            w.size += frame.count
            if fsyncIntervalMs == 0 { fdatasync(w.fd) } else { w.dirty = true }
            return true
        }
        guard ok else { return refuseOrDrop() }
        appendedSinceScan.add(frame.count, ordering: .relaxed)
        metrics.enqueued(bytes: frame.count)
        return .stored
    }

    private func refuseOrDrop() -> Outcome {
        switch policy {
        case .failClosed: metrics.refused(); return .refused
        case .failOpen: metrics.dropped(); return .dropped
        }
    }

    /// Starts the thread that syncs the segment and refreshes the backlog estimate.
    public func startBackgroundThread() -> Bool {
        startThread(stackSize: 256 * 1024) { [self] in
            let tick = max(1, min(fsyncIntervalMs == 0 ? 100 : fsyncIntervalMs, 100))
            var sinceScan = 0
            while !stopped.load(ordering: .relaxed) {
                usleep(UInt32(tick * 1000))
                sync()
                sinceScan += tick
                if sinceScan >= 100 {
                    sinceScan = 0
                    refreshBacklog()
                }
            }
        } != nil
    }

    func refreshBacklog() {
        let backlog = SpoolDirectory.backlogBytes(directory, status: SpoolStatus.read(directory: directory))
        appendedSinceScan.store(0, ordering: .relaxed)
        scannedBacklog.store(backlog, ordering: .relaxed)
    }

    /// fdatasync on a duplicate descriptor, outside the lock: appends never wait for the disk.
    func sync() {
        for lane in lanes {
            let fd = lane.writer.withLock { w -> Int32 in
                guard w.dirty, w.fd >= 0 else { return -1 }
                w.dirty = false
                return dup(w.fd)
            }
            guard fd >= 0 else { continue }
            fdatasync(fd)
            Glibc.close(fd)
        }
    }

    /// Syncs and closes the segment (worker drain): the flusher then sees it final.
    public func close() {
        stopped.store(true, ordering: .relaxed)
        for lane in lanes {
            lane.writer.withLock { w in
                guard w.fd >= 0 else { return }
                fdatasync(w.fd)
                Glibc.close(w.fd)
                w.fd = -1
            }
        }
    }

    private func rotate(_ w: inout Writer, lane: Int) throws(FileError) {
        if w.fd >= 0 {
            fdatasync(w.fd) // a sealed segment is complete on disk
            Glibc.close(w.fd)
            w.fd = -1
        }
        try openSegment(&w, lane: lane)
    }

    /// Creates the next segment under a temporary name, locks it, then renames it into
    /// view, so the flusher never sees an unlocked live segment.
    private func openSegment(_ w: inout Writer, lane: Int) throws(FileError) {
        w.sequence += 1
        let name = "seg-\(zeroPadded(AuditRecord.nowMicros(), 17))-\(getpid())-\(lane)-\(w.sequence)"
        let temporary = "\(directory)/.\(name).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw FileError(errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, rename(temporary, "\(directory)/\(name)\(SpoolDirectory.segmentSuffix)") == 0 else {
            let e = errno
            Glibc.close(fd)
            unlink(temporary)
            throw FileError(errno: e)
        }
        // The new name must survive a power loss too, not only the bytes written under it.
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); Glibc.close(dir) }
        w.fd = fd
        w.size = 0
        w.dirty = false
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            written += n
        }
        return true
    }
}

func zeroPadded(_ value: Int64, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
