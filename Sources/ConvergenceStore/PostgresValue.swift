import ConvergenceCore
import Foundation

/// A value bound as a query parameter (text format). Values never become part
/// of the SQL text: libpq sends them separately from the statement.
public protocol PostgresEncodable: Sendable {
    var postgresText: String? { get }
}

/// A Swift type a result column can be decoded into from PostgreSQL's text format.
public protocol PostgresDecodable {
    init?(postgresText: String)
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self }
    public init?(postgresText: String) { self = postgresText }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self ? "t" : "f" }
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { uuidString.lowercased() }
    public init?(postgresText: String) { self.init(uuidString: postgresText) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}

/// `bytea` values, exchanged in PostgreSQL's hex text form (`\x0a1b…`).
public struct PostgresBytes: PostgresEncodable, PostgresDecodable, Equatable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var postgresText: String? { "\\x" + ConvergenceCore.Hex.encode(bytes) }

    public init?(postgresText: String) {
        guard postgresText.hasPrefix("\\x"), postgresText.utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var high: UInt8?
        for c in postgresText.utf8.dropFirst(2) {
            let v: UInt8
            switch c {
            case 48...57: v = c - 48
            case 97...102: v = c - 87
            case 65...70: v = c - 55
            default: return nil
            }
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        bytes = out
    }
}
