import ConvergenceCore
import ConvergenceHTTP
import Foundation

/// The validated filters of `GET /logs` and `GET /v1/logs` (pure: no I/O).
/// Every malformed value is a 400 naming the parameter; unknown parameters
/// too, so a typo never silently widens a query.
public struct AuditLogQuery: Equatable, Sendable {
    public var customerID: String?
    public var decision: String?
    public var kind: String?
    /// Inclusive lower bound, Unix microseconds.
    public var since: Int64?
    /// Exclusive upper bound, Unix microseconds.
    public var until: Int64?
    public var requestID: String?
    /// Records with an operation of this `data_classification` (ASCII case ignored).
    public var classification: String?
    /// Records with an operation that went to an external provider (true) or none that did (false);
    /// with `classification`, the same operation must be of that class.
    public var external: Bool?
    /// Records with a violation (enforced or monitored) of this rule.
    public var rule: String?
    public var limit = 100
    public var cursor: AuditCursor?

    public static let maxLimit = 1000
    public static let parameters: Set<String> = [
        "customer_id", "decision", "kind", "since", "until", "request_id", "classification", "external", "rule", "limit", "cursor",
    ]

    public init() {}

    /// `ownCustomer`: the caller's customer for `/v1/logs` (nil for an admin).
    public static func parse(_ parameters: [String: String], ownCustomer: String?) throws(APIError) -> AuditLogQuery {
        var query = AuditLogQuery()
        if let text = parameters["customer_id"] {
            guard UUID(uuidString: text) != nil else { throw APIError.badRequest("invalid_customer_id", "customer_id must be a UUID.") }
            query.customerID = text.lowercased()
        }
        if let own = ownCustomer {
            if let asked = query.customerID, asked != own.lowercased() {
                throw APIError(.forbidden, code: "customer_mismatch", message: "A customer key reads only its own customer's logs.")
            }
            query.customerID = own.lowercased()
        }
        if let text = parameters["decision"] {
            guard text == "allow" || text == "block" else { throw APIError.badRequest("invalid_decision", "decision must be allow or block.") }
            query.decision = text
        }
        if let text = parameters["kind"] {
            let allowed = ownCustomer == nil ? ["check", "admin"] : ["check"]
            guard allowed.contains(text) else {
                throw APIError.badRequest("invalid_kind", "kind must be \(allowed.joined(separator: " or ")).")
            }
            query.kind = text
        }
        if ownCustomer != nil { query.kind = "check" } // admin records are operators' business
        query.since = try instant(parameters, "since")
        query.until = try instant(parameters, "until")
        if let since = query.since, let until = query.until, since >= until {
            throw APIError.badRequest("invalid_range", "since must be earlier than until.")
        }
        if let text = parameters["request_id"] {
            guard (1...128).contains(text.utf8.count), text.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
                throw APIError.badRequest("invalid_request_id", "request_id must be 1 to 128 printable ASCII characters.")
            }
            query.requestID = text
        }
        if let text = parameters["classification"] {
            guard (1...100).contains(text.utf8.count), !text.unicodeScalars.contains(where: { $0.value < 32 }) else {
                throw APIError.badRequest("invalid_classification", "classification must be 1 to 100 bytes without control characters.")
            }
            query.classification = text
        }
        if let text = parameters["external"] {
            guard text == "true" || text == "false" else { throw APIError.badRequest("invalid_external", "external must be true or false.") }
            query.external = text == "true"
        }
        if let text = parameters["rule"] {
            guard (1...64).contains(text.utf8.count), text.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || $0 == 95 }) else {
                throw APIError.badRequest("invalid_rule", "rule must be a rule name such as classifications or max_tokens.")
            }
            query.rule = text
        }
        if let text = parameters["limit"] {
            guard let limit = Int(text), (1...maxLimit).contains(limit) else {
                throw APIError.badRequest("invalid_limit", "limit must be an integer from 1 to \(maxLimit).")
            }
            query.limit = limit
        }
        if let text = parameters["cursor"] {
            guard let cursor = AuditCursor.decode(text, scope: query.scope) else {
                throw APIError.badRequest("invalid_cursor", "cursor is not a next_cursor of this query; start again without it.")
            }
            query.cursor = cursor
        }
        return query
    }

    static func instant(_ parameters: [String: String], _ name: String) throws(APIError) -> Int64? {
        guard let text = parameters[name] else { return nil }
        guard let micros = RFC3339.parseMicros(text) else {
            throw APIError.badRequest("invalid_\(name)", "\(name) must be an RFC 3339 time such as 2026-01-31T12:00:00Z.")
        }
        return micros
    }

    /// What a cursor is bound to: every filter except the page size.
    public var scope: String {
        [customerID ?? "*", decision ?? "*", kind ?? "*", since.map(String.init) ?? "*", until.map(String.init) ?? "*",
         requestID ?? "*", classification.map { "c=" + $0 } ?? "*", external.map { $0 ? "x=1" : "x=0" } ?? "*",
         rule ?? "*"].joined(separator: "|")
    }
}
