import ConvergenceAudit
import ConvergenceHTTP
import ConvergenceIdentity

/// Admin audit records: who (the acting key) did what to which target.
/// Mutations check for spool room first, so under fail_closed a full spool
/// refuses the change instead of making one that leaves no trace.
enum AdminAudit {
    static func ensureCapacity(_ context: RequestContext) throws(APIError) {
        guard let audit = context.audit, audit.isFull, audit.policy == .failClosed else { return }
        audit.metrics.refused()
        throw CheckRoute.auditUnavailable
    }

    /// Spools the record of a completed mutation.
    /// `actorKeyID`: the acting key when no record of it is at hand (a sign-out knows only the session's key id).
    static func record(_ context: RequestContext, _ request: Request, actor: KeyRecord?, action: String, target: String,
                       customerID: String? = nil, actorKeyID: String? = nil) {
        guard let audit = context.audit else { return }
        var record = AuditRecord(kind: .admin, customerID: customerID ?? actor?.customerID, keyID: actor?.keyID ?? actorKeyID,
                                 requestID: request.requestID)
        record.action = action
        record.target = AuditRecord.bounded(target, maxBytes: 200)
        if audit.append(record, lane: context.auditLane) != .stored {
            context.logger.error("admin audit record not stored (spool full or unwritable)",
                                 ["action": .string(action), "target": .string(record.target ?? "")], requestID: request.requestID)
        }
    }
}
