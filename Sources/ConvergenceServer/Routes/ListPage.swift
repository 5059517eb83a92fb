import ConvergenceHTTP

/// `limit` and `cursor` of an admin list (customers, keys): pages in creation
/// order, each `next_cursor` naming the last row shown (`{created_at µs}_{id}`),
/// so rows created meanwhile never shift a page.
struct ListPage {
    static let defaultLimit = 100
    static let maxLimit = 1000
    static let parameters: Set<String> = ["limit", "cursor"]

    var limit = defaultLimit
    var cursor: (micros: Int64, id: String)?

    /// `idIsValid`: the id part's shape (a UUID, a key id); anything else is `invalid_cursor`.
    init(_ query: [String: String], idIsValid: (Substring) -> Bool) throws(APIError) {
        if let text = query["limit"] {
            guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                throw APIError.badRequest("invalid_limit", "limit must be an integer from 1 to \(Self.maxLimit).")
            }
            limit = value
        }
        if let text = query["cursor"] {
            let parts = text.split(separator: "_", maxSplits: 1)
            // Years 1970–9999: a larger number would overflow PostgreSQL's timestamp.
            guard parts.count == 2, let micros = Int64(parts[0]), (0...253_402_300_799_999_999).contains(micros),
                  idIsValid(parts[1]) else {
                throw APIError.badRequest("invalid_cursor", "cursor must be a next_cursor value from an earlier page.")
            }
            cursor = (micros, String(parts[1]))
        }
    }
}
