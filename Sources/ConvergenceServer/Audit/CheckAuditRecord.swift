import ConvergenceGovernance
import ConvergenceHTTP

extension AuditRecord {
    /// The record of a decided check. Deliberately leaves out every operation's
    /// `input`, `destination` and all of `context` except `user_id`/`session_id`,
    /// and drops those too when the PII scan flagged them.
    public static func check(_ request: CheckRequest, decision: Decision, pii: [PIIFinding], customerID: String,
                             keyID: String, requestID: String, latencyMicros: Int) -> AuditRecord {
        var record = AuditRecord(kind: .check, customerID: customerID, keyID: keyID, requestID: requestID)
        record.decision = decision.allowed ? "allow" : "block"
        record.riskScore = decision.riskScore
        record.wouldBlock = decision.wouldBlock
        record.latencyMicros = latencyMicros
        var out: [UInt8] = []
        out.append(UInt8(ascii: "["))
        for (i, reason) in decision.reasons.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"factor":"#.utf8)
            JSONSerializer.writeString(reason.factor.rawValue, to: &out)
            out.append(contentsOf: #","points":\#(reason.points)}"#.utf8)
        }
        out.append(UInt8(ascii: "]"))
        record.reasonsJSON = String(decoding: out, as: UTF8.self)
        record.operationsJSON = operationSummary(request.operations)
        out.removeAll(keepingCapacity: true)
        out.append(UInt8(ascii: "["))
        for (i, tag) in decision.policyVersions.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONSerializer.writeString(tag, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        record.policyVersionsJSON = String(decoding: out, as: UTF8.self)
        record.userID = clientIdentifier("user_id", request.context, pii)
        record.sessionID = clientIdentifier("session_id", request.context, pii)
        return record
    }

    /// `[{"type":…,"model":…,"provider":…,"tokens":…,"records":…,"data_classification":…}]`, absent fields omitted.
    static func operationSummary(_ operations: [Operation]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64 * operations.count + 2)
        out.append(UInt8(ascii: "["))
        for (i, op) in operations.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"type":"#.utf8)
            JSONSerializer.writeString(bounded(op.type, maxBytes: 64), to: &out)
            func text(_ name: String, _ value: String?) {
                guard let value else { return }
                out.append(contentsOf: ",\"\(name)\":".utf8)
                JSONSerializer.writeString(bounded(value, maxBytes: 64), to: &out)
            }
            func number(_ name: String, _ value: Int?) {
                guard let value else { return }
                out.append(contentsOf: ",\"\(name)\":\(value)".utf8)
            }
            text("model", op.model)
            text("provider", op.provider)
            number("tokens", op.tokens)
            number("records", op.records)
            text("data_classification", op.dataClassification)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `context.<name>` when it is a string the PII scan did not flag, cut to the bound.
    static func clientIdentifier(_ name: String, _ context: JSONObject, _ pii: [PIIFinding]) -> String? {
        guard case .string(let value)? = context[name], !value.isEmpty else { return nil }
        let path = "context.\(name)"
        guard !pii.contains(where: { $0.path == path }) else { return nil }
        return bounded(value)
    }
}
