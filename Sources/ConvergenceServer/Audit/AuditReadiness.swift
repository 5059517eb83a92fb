import ConvergenceCore

/// The audit trail's part of `/ready`, read from the spool directory and the
/// flusher's status file (cheap: a directory listing and one small file).
struct AuditReadiness: Encodable {
    let ok: Bool
    let problem: String?
    let flusherAlive: Bool
    let flusherPostgresOK: Bool
    let backlogBytes: Int
    let bufferBytes: Int
    let full: Bool
    let fullPolicy: String
    let oldestUnflushedAgeMs: Double?
    let flushedTotal: Int
    let replayedTotal: Int
    let corruptRegionsTotal: Int

    enum CodingKeys: String, CodingKey {
        case ok, problem, full
        case flusherAlive = "flusher_alive"
        case flusherPostgresOK = "flusher_postgres_ok"
        case backlogBytes = "backlog_bytes"
        case bufferBytes = "buffer_bytes"
        case fullPolicy = "full_policy"
        case oldestUnflushedAgeMs = "oldest_unflushed_age_ms"
        case flushedTotal = "flushed_total"
        case replayedTotal = "replayed_total"
        case corruptRegionsTotal = "spool_corrupt_regions_total"
    }

    static func current(config: Config) -> AuditReadiness {
        let status = SpoolStatus.read(directory: config.auditSpoolDir)
        let now = AuditRecord.nowMicros()
        let backlog = SpoolDirectory.backlogBytes(config.auditSpoolDir, status: status)
        let alive = status?.flusherAlive(nowMicros: now) ?? false
        let full = backlog >= config.auditBufferBytes
        let problem: String? = !alive ? "audit flusher not running" : full ? "audit buffer full"
            : status?.postgresOK == false ? "audit flusher cannot reach PostgreSQL" : nil
        let age = backlog > 0 ? status?.oldestUnflushedMicros.map { max(0, Double(now - $0) / 1000) } : nil
        return AuditReadiness(
            ok: problem == nil, problem: problem, flusherAlive: alive, flusherPostgresOK: status?.postgresOK ?? false,
            backlogBytes: backlog, bufferBytes: config.auditBufferBytes, full: full, fullPolicy: config.auditFullPolicy.rawValue,
            oldestUnflushedAgeMs: age, flushedTotal: status?.flushedTotal ?? 0, replayedTotal: status?.replayedTotal ?? 0,
            corruptRegionsTotal: status?.corruptRegionsTotal ?? 0)
    }
}
