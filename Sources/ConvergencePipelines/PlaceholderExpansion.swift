/// Placeholders (`{tenant_id}`, `{billing_month}`) in templates.
///
/// In SQL they never become SQL text: each distinct name becomes a bound
/// parameter `$n` (cast to its declared type), so a value like
/// `'; DROP TABLE x; --` is stored as data, never executed. Placeholders inside
/// quoted literals or identifiers are refused: there they could not be bound.
/// In names (file, table) they are substituted, and the result must then pass
/// the name rules.
public enum PlaceholderExpansion {
    /// A value a placeholder stands for, with the cast its SQL form gets.
    public struct Value: Sendable, Equatable {
        public let text: String?
        public let sqlCast: String

        public init(_ text: String?, sqlCast: String = "") {
            self.text = text
            self.sqlCast = sqlCast
        }
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unknown(String)
        case insideQuotes(String)
        case nullInName(String)
        /// `$1` written in a template: numbering is ours, so it could bind the wrong value.
        case positional

        public var description: String {
            switch self {
            case .unknown(let name): "unknown placeholder {\(name)}"
            case .insideQuotes(let name):
                "placeholder {\(name)} is inside quotes; write it bare (it is bound as a parameter, never pasted into SQL)"
            case .nullInName(let name): "placeholder {\(name)} has no value, so it cannot form a name"
            case .positional: "write {name} placeholders, not $1-style parameters (the numbering is the server's)"
            }
        }
    }

    /// `sql` with each placeholder replaced by `$n` and the values to bind, in order.
    public static func bind(sql: String, values: [String: Value]) throws(Problem) -> BoundStatement {
        enum State { case normal, single, double, lineComment, blockComment, dollar(String) }
        let bytes = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var order: [String] = []
        var state = State.normal
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch state {
            case .normal:
                if b == UInt8(ascii: "{"), let (name, end) = placeholder(in: bytes, at: i) {
                    guard let value = values[name] else { throw .unknown(name) }
                    let index: Int
                    if let existing = order.firstIndex(of: name) { index = existing + 1 } else { order.append(name); index = order.count }
                    out.append(contentsOf: Array("$\(index)\(value.sqlCast)".utf8))
                    i = end
                    continue
                }
                if b == UInt8(ascii: "'") { state = .single }
                else if b == UInt8(ascii: "\"") { state = .double }
                else if b == UInt8(ascii: "-"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "-") { state = .lineComment }
                else if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") { state = .blockComment }
                else if b == UInt8(ascii: "$"), i + 1 < bytes.count, (48...57).contains(bytes[i + 1]),
                        i == 0 || !isIdentifierByte(bytes[i - 1]) { throw .positional }
                else if b == UInt8(ascii: "$"), let tag = dollarTag(in: bytes, at: i) {
                    out.append(contentsOf: tag.utf8)
                    i += tag.utf8.count
                    state = .dollar(tag)
                    continue
                }
            case .single, .double:
                let quote: UInt8 = { if case .single = state { return UInt8(ascii: "'") } else { return UInt8(ascii: "\"") } }()
                if b == UInt8(ascii: "{"), let (name, _) = placeholder(in: bytes, at: i), values[name] != nil {
                    throw .insideQuotes(name)
                }
                if b == quote {
                    if i + 1 < bytes.count, bytes[i + 1] == quote { out.append(b); i += 1 } else { state = .normal }
                }
            case .lineComment:
                if b == UInt8(ascii: "\n") { state = .normal }
            case .blockComment:
                if b == UInt8(ascii: "*"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                    out.append(contentsOf: [b, bytes[i + 1]])
                    i += 2
                    state = .normal
                    continue
                }
            case .dollar(let tag):
                if b == UInt8(ascii: "{"), let (name, _) = placeholder(in: bytes, at: i), values[name] != nil {
                    throw .insideQuotes(name)
                }
                if b == UInt8(ascii: "$"), bytes[i...].starts(with: tag.utf8) {
                    out.append(contentsOf: tag.utf8)
                    i += tag.utf8.count
                    state = .normal
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return BoundStatement(sql: String(decoding: out, as: UTF8.self), parameters: order.map { values[$0]!.text })
    }

    /// `text` with every `{name}` replaced by its value (for file and table names).
    public static func substitute(_ text: String, values: [String: Value]) throws(Problem) -> String {
        let bytes = Array(text.utf8)
        var out = ""
        var i = 0
        var literalStart = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "{"), let (name, end) = placeholder(in: bytes, at: i) {
                guard let value = values[name] else { throw .unknown(name) }
                guard let valueText = value.text else { throw .nullInName(name) }
                out += String(decoding: bytes[literalStart..<i], as: UTF8.self) + valueText
                i = end
                literalStart = end
                continue
            }
            i += 1
        }
        return out + String(decoding: bytes[literalStart...], as: UTF8.self)
    }

    /// `{name}` at `start` (name: `[a-z_][a-z0-9_]*`): the name and the index after `}`.
    static func placeholder(in bytes: [UInt8], at start: Int) -> (String, Int)? {
        var j = start + 1
        guard j < bytes.count, (97...122).contains(bytes[j]) || bytes[j] == 95 else { return nil }
        while j < bytes.count, (97...122).contains(bytes[j]) || (48...57).contains(bytes[j]) || bytes[j] == 95 { j += 1 }
        guard j < bytes.count, bytes[j] == UInt8(ascii: "}"), j - start - 1 <= 63 else { return nil }
        return (String(decoding: bytes[(start + 1)..<j], as: UTF8.self), j + 1)
    }

    /// `col$1` is an identifier (PostgreSQL allows `$` after the first character), not a parameter.
    static func isIdentifierByte(_ b: UInt8) -> Bool {
        (97...122).contains(b) || (65...90).contains(b) || (48...57).contains(b) || b == 95 || b == 36 || b >= 128
    }

    /// A dollar-quote opener (`$$`, `$body$`) at `start`; `$1` is a parameter, not a quote.
    static func dollarTag(in bytes: [UInt8], at start: Int) -> String? {
        var j = start + 1
        while j < bytes.count, (97...122).contains(bytes[j]) || (65...90).contains(bytes[j]) || bytes[j] == 95
            || (j > start + 1 && (48...57).contains(bytes[j])) { j += 1 }
        guard j < bytes.count, bytes[j] == UInt8(ascii: "$") else { return nil }
        return String(decoding: bytes[start...j], as: UTF8.self)
    }
}
