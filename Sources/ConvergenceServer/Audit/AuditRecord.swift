import CConvergenceSys
import ConvergenceCore
import ConvergenceHTTP

/// One audit record as it is spooled and stored: a decided check or an admin
/// mutation. Never raw input text or PII: only the decision, the score, factor
/// names and points, an operation summary and bounded client identifiers.
public struct AuditRecord: Sendable, Equatable {
    public enum Kind: String, Sendable { case check, admin }

    /// UUID made at capture (time-ordered, 74 random bits): the key that makes replays idempotent.
    public var id: String
    public var kind: Kind
    public var createdAtMicros: Int64
    public var customerID: String?
    /// The customer key of a check, the acting key of an admin mutation.
    public var keyID: String?
    public var requestID: String
    public var decision: String?
    public var riskScore: Int?
    /// JSON array text: `[{"factor":…,"points":…}]`.
    public var reasonsJSON: String?
    /// JSON array text: per operation its type, model, provider and counts.
    public var operationsJSON: String?
    /// JSON array text of `policy_id:version` tags.
    public var policyVersionsJSON: String?
    public var wouldBlock: Bool?
    public var userID: String?
    public var sessionID: String?
    public var latencyMicros: Int?
    public var action: String?
    public var target: String?

    public init(id: String = AuditRecord.newID(), kind: Kind, createdAtMicros: Int64 = AuditRecord.nowMicros(),
                customerID: String? = nil, keyID: String? = nil, requestID: String) {
        self.id = id
        self.kind = kind
        self.createdAtMicros = createdAtMicros
        self.customerID = customerID
        self.keyID = keyID
        self.requestID = requestID
    }

    /// Client-chosen identifiers are cut to this many bytes (UTF-8, on a character boundary).
    public static let maxIdentifierBytes = 128

    /// The columns of `convergence.audit_log`, in the order `copyRow` writes them.
    public static let columns = [
        "id", "kind", "created_at", "customer_id", "key_id", "request_id", "decision", "risk_score", "reasons",
        "operations", "policy_versions", "would_block", "user_id", "session_id", "latency_us", "action", "target",
    ]

    /// A UUID whose first 48 bits are the Unix time in milliseconds (UUIDv7 layout):
    /// primary-key inserts then land at the right edge of the index instead of on
    /// random pages of a table of millions of rows.
    public static func newID(nowMicros: Int64 = nowMicros()) -> String {
        var b = SecureRandom.bytes(16)
        let ms = UInt64(max(0, nowMicros / 1000))
        for i in 0..<6 { b[i] = UInt8(truncatingIfNeeded: ms >> (8 * UInt64(5 - i))) }
        b[6] = (b[6] & 0x0F) | 0x70 // version 7
        b[8] = (b[8] & 0x3F) | 0x80 // RFC 4122 variant
        let hex = Hex.encode(b)
        let u = Array(hex.utf8)
        func part(_ r: Range<Int>) -> String { String(decoding: u[r], as: UTF8.self) }
        return "\(part(0..<8))-\(part(8..<12))-\(part(12..<16))-\(part(16..<20))-\(part(20..<32))"
    }

    public static func nowMicros() -> Int64 {
        var seconds: Int64 = 0
        var micros: Int32 = 0
        cv_wall_clock(&seconds, &micros)
        return seconds * 1_000_000 + Int64(micros)
    }

    /// `text` cut to `maxBytes` UTF-8 bytes without splitting a character.
    public static func bounded(_ text: String, maxBytes: Int = maxIdentifierBytes) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var out = ""
        var used = 0
        for ch in text {
            let n = ch.utf8.count
            if used + n > maxBytes { break }
            out.append(ch)
            used += n
        }
        return out
    }

    /// The record as one line of PostgreSQL COPY text format (tab-separated, `\N` for NULL,
    /// backslash escapes), newline included: the flusher streams these bytes unchanged.
    public func copyRow() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320 + (reasonsJSON?.utf8.count ?? 0) + (operationsJSON?.utf8.count ?? 0))
        func field(_ value: String?, first: Bool = false) {
            if !first { out.append(9) }
            guard let value else { out.append(contentsOf: [92, 78]); return } // \N
            for byte in value.utf8 {
                switch byte {
                case 92: out.append(contentsOf: [92, 92])
                case 10: out.append(contentsOf: [92, 110])
                case 13: out.append(contentsOf: [92, 114])
                case 9: out.append(contentsOf: [92, 116])
                case 0: continue // PostgreSQL text cannot hold NUL; identifiers are cut, not refused
                default: out.append(byte)
                }
            }
        }
        field(id, first: true)
        field(kind.rawValue)
        field(AuditRecord.timestampText(micros: createdAtMicros))
        field(customerID)
        field(keyID)
        field(requestID)
        field(decision)
        field(riskScore.map(String.init))
        field(reasonsJSON)
        field(operationsJSON)
        field(policyVersionsJSON)
        field(wouldBlock.map { $0 ? "t" : "f" })
        field(userID)
        field(sessionID)
        field(latencyMicros.map(String.init))
        field(action)
        field(target)
        out.append(10)
        return out
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, PostgreSQL's input form for a UTC timestamptz.
    public static func timestampText(micros: Int64) -> String {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = Int(micros - seconds * 1_000_000)
        let iso = WallClock.rfc3339(seconds: seconds, milliseconds: 0) // "YYYY-MM-DDTHH:MM:SS.000Z"
        let u = Array(iso.utf8)
        let date = String(decoding: u[0..<10], as: UTF8.self)
        let time = String(decoding: u[11..<19], as: UTF8.self)
        let f = String(fraction)
        return "\(date) \(time).\(String(repeating: "0", count: 6 - f.count))\(f)+00"
    }
}
