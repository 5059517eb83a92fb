import ConvergenceAudit
import ConvergenceCore
import ConvergenceGovernance
import ConvergencePII
import ConvergenceHTTP

/// The audit record of a decided check, written straight into its COPY row
/// (columns as `AuditRecord.columns`): this runs on every check, so nothing is
/// built on the way but the row itself.
///
/// Deliberately leaves out every operation's `input`, `destination` and all of
/// `context` except `user_id`/`session_id`, and drops those too when the PII
/// scan flagged them; an operation's type, model, provider or classification
/// that the detector flags is kept as `[redacted]`.
public enum CheckAuditRecord {
    public struct Subject: Sendable {
        let request: CheckRequest
        let decision: Decision
        let pii: [PIIFinding]
        let customerID: String
        let keyID: String
        let requestID: String
        let latencyMicros: Int

        public init(request: CheckRequest, decision: Decision, pii: [PIIFinding], customerID: String, keyID: String,
                    requestID: String, latencyMicros: Int) {
            self.request = request
            self.decision = decision
            self.pii = pii
            self.customerID = customerID
            self.keyID = keyID
            self.requestID = requestID
            self.latencyMicros = latencyMicros
        }
    }

    /// Writes the row into `buffer` (emptied first; a worker thread reuses one buffer).
    public static func write(_ subject: Subject, createdAtMicros: Int64, random: inout RandomPool, into buffer: ByteBuffer) {
        var row = CopyRow(into: buffer)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 52) { scratch in
            random.fill(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(scratch)[36..<52]))
            let length = AuditRecord.writeID(nowMicros: createdAtMicros,
                                             random: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scratch)[36..<52]), into: scratch)
            row.plain(UnsafeBufferPointer(rebasing: scratch[..<length]))
        }
        row.plain("check")
        row.timestamp(micros: createdAtMicros)
        row.text(subject.customerID)
        row.text(subject.keyID)
        row.text(subject.requestID)
        row.plain(subject.decision.allowed ? "allow" : "block")
        row.integer(subject.decision.riskScore)
        row.json { out in
            out.append(UInt8(ascii: "["))
            for i in subject.decision.reasons.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(#"{"factor":"#)
                out.appendJSONString(subject.decision.reasons[i].factor.rawValue)
                out.append(#","points":"#)
                out.appendDecimal(subject.decision.reasons[i].points)
                if subject.decision.reasons[i].factor == .personalData {
                    // Which kinds were found (never where or what): what a policy preview replays.
                    let kinds = PIIKindSet(subject.pii.map(\.kind)).intersection(.personalData).kinds
                    if !kinds.isEmpty {
                        out.append(#","kinds":["#)
                        for k in kinds.indices {
                            if k > 0 { out.append(UInt8(ascii: ",")) }
                            out.appendJSONString(kinds[k].rawValue)
                        }
                        out.append(UInt8(ascii: "]"))
                    }
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        row.json { operationSummary(subject.request.operations, into: &$0) }
        row.json { out in
            out.append(UInt8(ascii: "["))
            for i in subject.decision.policyVersions.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.appendJSONString(subject.decision.policyVersions[i])
            }
            out.append(UInt8(ascii: "]"))
        }
        row.plain(subject.decision.wouldBlock ? "t" : "f")
        row.text(clientIdentifier("user_id", subject.request.context, subject.pii))
        row.text(clientIdentifier("session_id", subject.request.context, subject.pii))
        row.integer(subject.latencyMicros)
        row.null() // action
        row.null() // target
        row.json { violations(subject.decision.violations, into: &$0) }
        row.json { out in
            out.append(UInt8(ascii: "["))
            for i in subject.decision.wouldBlockBy.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.appendJSONString(subject.decision.wouldBlockBy[i])
            }
            out.append(UInt8(ascii: "]"))
        }
        row.finish()
    }

    /// `[{"policy_id":…,"version":…,"rule":…,"mode":…,"detail":…}]`: which policy
    /// version's rule decided. Details name counts and field paths, never values.
    static func violations<Sink: ByteSink>(_ violations: [Decision.Violation], into out: inout Sink) {
        out.append(UInt8(ascii: "["))
        for i in violations.indices {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(#"{"policy_id":"#)
            out.appendJSONString(violations[i].policyID)
            out.append(#","version":"#)
            out.appendDecimal(violations[i].version)
            out.append(#","rule":"#)
            out.appendJSONString(violations[i].rule)
            out.append(#","mode":"#)
            out.appendJSONString(violations[i].mode.rawValue)
            out.append(#","detail":"#)
            out.appendJSONString(violations[i].detail)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// `[{"type":…,"model":…,"provider":…,"tokens":…,"records":…,"data_classification":…}]`, absent fields omitted.
    static func operationSummary<Sink: ByteSink>(_ operations: [Operation], into out: inout Sink) {
        out.append(UInt8(ascii: "["))
        for i in operations.indices { // by index: no copy of each operation
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(#"{"type":"#)
            out.appendJSONString(shown(operations[i].type))
            func text(_ name: StaticString, _ value: String?) {
                guard let value else { return }
                out.append(name)
                out.appendJSONString(shown(value))
            }
            func number(_ name: StaticString, _ value: Int?) {
                guard let value else { return }
                out.append(name)
                out.appendDecimal(value)
            }
            text(#","model":"#, operations[i].model)
            text(#","provider":"#, operations[i].provider)
            number(#","tokens":"#, operations[i].tokens)
            number(#","records":"#, operations[i].records)
            text(#","data_classification":"#, operations[i].dataClassification)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A short client value as the audit trail keeps it: cut to the bound, and
    /// `[redacted]` when the detector flags it (a model "named" with an e-mail
    /// address must not carry it into the trail). Short strings: a few ns each.
    static func shown(_ value: String) -> String {
        let bounded = AuditRecord.bounded(value, maxBytes: 64)
        return PIIDetector.kindSet(in: bounded).isEmpty ? bounded : "[redacted]"
    }

    /// `context.<name>` when it is a string the PII scan did not flag, cut to the bound.
    static func clientIdentifier(_ name: StaticString, _ context: CheckContext, _ pii: [PIIFinding]) -> String? {
        guard let value = context.string(name), !value.isEmpty else { return nil }
        if !pii.isEmpty {
            let path = "context.\(name)"
            guard !pii.contains(where: { $0.path == path }) else { return nil }
        }
        return AuditRecord.bounded(value)
    }
}
