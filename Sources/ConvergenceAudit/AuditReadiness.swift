import ConvergenceCore
import Glibc

/// The audit trail's part of `/ready`, read from the spool directory, the flusher's
/// status file and the answering worker's own spool (cheap: a directory listing,
/// one small file, a statvfs).
package struct AuditReadiness: Encodable {
    package let ok: Bool
    package let problem: String?
    package let flusherAlive: Bool
    package let flusherPostgresOK: Bool
    package let backlogBytes: Int
    package let bufferBytes: Int
    package let full: Bool
    package let fullPolicy: String
    /// This worker's spool can take records now (false: segments cannot be made, e.g. disk full).
    package let spoolWritable: Bool
    package let spoolError: String?
    /// Free bytes on the spool's file system (for the unprivileged user).
    package let spoolFreeBytes: Int?
    package let oldestUnflushedAgeMs: Double?
    package let flushedTotal: Int
    package let replayedTotal: Int
    let corruptRegionsTotal: Int

    enum CodingKeys: String, CodingKey {
        case ok, problem, full
        case flusherAlive = "flusher_alive"
        case flusherPostgresOK = "flusher_postgres_ok"
        case backlogBytes = "backlog_bytes"
        case bufferBytes = "buffer_bytes"
        case fullPolicy = "full_policy"
        case spoolWritable = "spool_writable"
        case spoolError = "spool_error"
        case spoolFreeBytes = "spool_free_bytes"
        case oldestUnflushedAgeMs = "oldest_unflushed_age_ms"
        case flushedTotal = "flushed_total"
        case replayedTotal = "replayed_total"
        case corruptRegionsTotal = "spool_corrupt_regions_total"
    }

    /// Whether checks are refused now (`fail_closed` and the spool full or unwritable):
    /// then the service is not ready, whatever PostgreSQL says.
    package var refusesChecks: Bool {
        fullPolicy == AuditFullPolicy.failClosed.rawValue && (full || !spoolWritable)
    }

    package static func current(config: Config, spool: AuditSpool?) -> AuditReadiness {
        let directory = config.auditSpoolDir
        let status = SpoolStatus.read(directory: directory)
        let now = AuditRecord.nowMicros()
        let backlog = SpoolDirectory.backlogBytes(directory, status: status)
        let alive = status?.flusherAlive(nowMicros: now) ?? false
        let full = backlog >= config.auditBufferBytes
        let writable = spool?.isWritable ?? true
        let problem: String? = !writable ? "audit spool cannot take records (\(spool?.failure ?? "cannot make a segment"))"
            : full ? "audit buffer full" : !alive ? "audit flusher not running"
            : status?.postgresOK == false ? "audit flusher cannot reach PostgreSQL" : nil
        return AuditReadiness(
            ok: problem == nil, problem: problem, flusherAlive: alive, flusherPostgresOK: status?.postgresOK ?? false,
            backlogBytes: backlog, bufferBytes: config.auditBufferBytes, full: full, fullPolicy: config.auditFullPolicy.rawValue,
            spoolWritable: writable, spoolError: writable ? nil : spool?.failure, spoolFreeBytes: freeBytes(directory),
            oldestUnflushedAgeMs: oldestAgeMs(directory: directory, status: status, backlog: backlog, nowMicros: now),
            flushedTotal: status?.flushedTotal ?? 0, replayedTotal: status?.replayedTotal ?? 0,
            corruptRegionsTotal: status?.corruptRegionsTotal ?? 0)
    }

    /// Age of the oldest record not yet in PostgreSQL: from the flusher's status (the
    /// first frame it read but could not commit, or the last batch's), else, before any
    /// flusher has read it (none running, or it never got that far), from the creation
    /// time in the name of the oldest segment holding unflushed bytes (an upper bound).
    /// nil when nothing is unflushed.
    static func oldestAgeMs(directory: String, status: SpoolStatus?, backlog: Int, nowMicros: Int64) -> Double? {
        guard backlog > 0 else { return nil }
        var oldest = status?.oldestUnflushedMicros
        if oldest == nil {
            for name in SpoolDirectory.segments(directory) {
                guard let extent = SpoolSegmentReader.extent(path: directory + "/" + name),
                      extent.end > max(extent.dataStart, status?.offsets[name] ?? 0) else { continue }
                let parts = name.split(separator: "-")
                if parts.count > 1, let micros = Int64(parts[1]) { oldest = micros }
                break
            }
        }
        return oldest.map { max(0, Double(nowMicros - $0) / 1000) }
    }

    static func freeBytes(_ directory: String) -> Int? {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }
}
