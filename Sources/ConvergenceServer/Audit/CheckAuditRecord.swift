import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP

/// The audit record of a decided check, written straight into its COPY row
/// (columns as `AuditRecord.columns`): this runs on every check, so nothing is
/// built on the way but the row itself.
///
/// Deliberately leaves out every operation's `input`, `destination` and all of
/// `context` except `user_id`/`session_id`, and drops those too when the PII
/// scan flagged them.
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

    /// Writes the row into `buffer` (emptied first; its capacity is kept for the next check).
    public static func write(_ subject: Subject, createdAtMicros: Int64, random: inout RandomPool, into buffer: inout [UInt8]) {
        var row = CopyRow(reusing: &buffer)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 52) { scratch in
            random.fill(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(scratch)[36..<52]))
            let length = AuditRecord.writeID(nowMicros: createdAtMicros, random: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(scratch)[36..<52]),
                                             into: scratch)
            row.plain(UnsafeBufferPointer(rebasing: scratch[..<length]))
        }
        let decision = subject.decision
        row.plain("check")
        row.timestamp(micros: createdAtMicros)
        row.text(subject.customerID)
        row.text(subject.keyID)
        row.text(subject.requestID)
        row.plain(decision.allowed ? "allow" : "block")
        row.integer(decision.riskScore)
        row.json { out in
            out.append(UInt8(ascii: "["))
            for (i, reason) in decision.reasons.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(#"{"factor":"#, to: &out)
                JSONSerializer.writeString(reason.factor.rawValue, to: &out)
                append(#","points":"#, to: &out)
                DecimalText.append(reason.points, to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        row.json { operationSummary(subject.request.operations, into: &$0) }
        row.json { out in
            out.append(UInt8(ascii: "["))
            for (i, tag) in decision.policyVersions.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONSerializer.writeString(tag, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        row.plain(decision.wouldBlock ? "t" : "f")
        row.text(clientIdentifier("user_id", subject.request.context, subject.pii))
        row.text(clientIdentifier("session_id", subject.request.context, subject.pii))
        row.integer(subject.latencyMicros)
        row.null() // action
        row.null() // target
        row.finish()
        buffer = row.out
    }

    /// `[{"type":…,"model":…,"provider":…,"tokens":…,"records":…,"data_classification":…}]`, absent fields omitted.
    static func operationSummary(_ operations: [Operation], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for i in operations.indices { // by index: no copy of each operation
            if i > 0 { out.append(UInt8(ascii: ",")) }
            append(#"{"type":"#, to: &out)
            JSONSerializer.writeString(AuditRecord.bounded(operations[i].type, maxBytes: 64), to: &out)
            func text(_ name: StaticString, _ value: String?) {
                guard let value else { return }
                append(name, to: &out)
                JSONSerializer.writeString(AuditRecord.bounded(value, maxBytes: 64), to: &out)
            }
            func number(_ name: StaticString, _ value: Int?) {
                guard let value else { return }
                append(name, to: &out)
                DecimalText.append(value, to: &out)
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

    /// `context.<name>` when it is a string the PII scan did not flag, cut to the bound.
    static func clientIdentifier(_ name: StaticString, _ context: CheckContext, _ pii: [PIIFinding]) -> String? {
        guard let value = context.string(name), !value.isEmpty else { return nil }
        if !pii.isEmpty {
            let path = "context.\(name)"
            guard !pii.contains(where: { $0.path == path }) else { return nil }
        }
        return AuditRecord.bounded(value)
    }

    static func append(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
