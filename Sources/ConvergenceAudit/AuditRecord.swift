import CConvergenceSys
import ConvergenceCore
import ConvergenceJSON

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
    /// JSON array text: `[{"policy_id":…,"version":…,"rule":…,"mode":…,"detail":…}]`.
    public var violationsJSON: String?
    /// JSON array text of the `policy_id:version` tags of monitor policies that would have blocked.
    public var wouldBlockByJSON: String?

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
        "violations", "would_block_by",
    ]

    /// Rows spooled before `violations` and `would_block_by` existed have this many
    /// fields. The flusher pads them (`appendRow`): spooled records stay readable.
    static let legacyColumnCount = 17

    /// Appends one spooled row (a frame's payload, newline included) to `rows`,
    /// padding a legacy row with NULLs for the columns added since. COPY text
    /// escapes tabs inside values, so the tab count is the field count.
    static func appendRow(_ payload: UnsafeRawBufferPointer, to rows: inout [UInt8]) {
        var tabs = 0
        for byte in payload where byte == 9 { tabs += 1 }
        // Exactly the legacy shape, else unchanged: COPY then names a malformed row.
        let missing = columns.count - legacyColumnCount
        guard tabs + 1 == legacyColumnCount, payload.last == 10 else {
            rows.append(contentsOf: payload)
            return
        }
        rows.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload[..<(payload.count - 1)]))
        for _ in 0..<missing { rows.append(9); rows.append(92); rows.append(78) } // \t\N
        rows.append(10)
    }

    /// A UUID whose first 48 bits are the Unix time in milliseconds (UUIDv7 layout):
    /// primary-key inserts then land at the right edge of the index instead of on
    /// random pages of a table of millions of rows.
    public static func newID(nowMicros: Int64 = nowMicros()) -> String {
        var random = SecureRandom.bytes(16)
        return random.withUnsafeMutableBytes { random in
            String(unsafeUninitializedCapacity: 36) { writeID(nowMicros: nowMicros, random: UnsafeRawBufferPointer(random), into: $0) }
        }
    }

    /// The 36 characters of an id into `out` (at least 36 bytes), from 16 random
    /// bytes of which the time, version and variant bits replace 54. Byte by
    /// byte: this runs on every check.
    package static func writeID(nowMicros: Int64, random: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let ms = UInt64(max(0, nowMicros / 1000))
        var o = 0
        for i in 0..<16 {
            var byte = random[i]
            if i < 6 { byte = UInt8(truncatingIfNeeded: ms >> (8 * UInt64(5 - i))) }
            if i == 6 { byte = (byte & 0x0F) | 0x70 } // version 7
            if i == 8 { byte = (byte & 0x3F) | 0x80 } // RFC 4122 variant
            if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = UInt8(ascii: "-"); o += 1 }
            out[o] = hexDigits[Int(byte >> 4)]
            out[o + 1] = hexDigits[Int(byte & 0x0F)]
            o += 2
        }
        return o
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

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
        var row = CopyRow(into: ByteBuffer(capacity: 320 + (reasonsJSON?.utf8.count ?? 0) + (operationsJSON?.utf8.count ?? 0)))
        row.text(id)
        row.text(kind.rawValue)
        row.timestamp(micros: createdAtMicros)
        row.text(customerID)
        row.text(keyID)
        row.text(requestID)
        row.text(decision)
        row.integer(riskScore)
        row.text(reasonsJSON)
        row.text(operationsJSON)
        row.text(policyVersionsJSON)
        row.text(wouldBlock.map { $0 ? "t" : "f" })
        row.text(userID)
        row.text(sessionID)
        row.integer(latencyMicros)
        row.text(action)
        row.text(target)
        row.text(violationsJSON)
        row.text(wouldBlockByJSON)
        row.finish()
        return row.out.array
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, PostgreSQL's input form for a UTC timestamptz.
    public static func timestampText(micros: Int64) -> String {
        var out: [UInt8] = []
        writeTimestamp(micros: micros, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `RFC3339.civil`, written digit by digit.
    static func writeTimestamp<Sink: ByteSink>(micros: Int64, to out: inout Sink) {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = Int(micros - seconds * 1_000_000)
        let t = RFC3339.civil(unixSeconds: seconds)
        // Fixed positions in a stack buffer, appended once: this runs on every check.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 29) { text in
            func digits(_ value: Int, at end: Int, width: Int) {
                var v = value
                for i in stride(from: end - 1, through: end - width, by: -1) {
                    text[i] = UInt8(48 + v % 10)
                    v /= 10
                }
            }
            digits(t.year, at: 4, width: 4); text[4] = 45; digits(t.month, at: 7, width: 2); text[7] = 45; digits(t.day, at: 10, width: 2)
            text[10] = 32
            digits(t.hour, at: 13, width: 2); text[13] = 58; digits(t.minute, at: 16, width: 2); text[16] = 58
            digits(t.second, at: 19, width: 2)
            text[19] = 46; digits(fraction, at: 26, width: 6)
            text[26] = 43; text[27] = 48; text[28] = 48 // +00
            out.append(contentsOf: UnsafeBufferPointer(text))
        }
    }
}
