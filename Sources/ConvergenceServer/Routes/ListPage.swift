import ConvergenceHTTP

/// `limit` and `cursor` of a list (customers, keys, policies, pipeline runs): pages
/// in a fixed order, each `next_cursor` naming the last row shown
/// (`{created_at µs}_{id}`), so rows created meanwhile never shift a page.
struct ListPage {
    static let parameters: Set<String> = ["limit", "cursor"]

    var limit: Int
    var cursor: (micros: Int64, id: String)?

    /// `idIsValid`: the id part's shape (a UUID, a key id); anything else is `invalid_cursor`.
    init(_ query: [String: String], defaultLimit: Int = 100, maxLimit: Int = 1000,
         idIsValid: (Substring) -> Bool) throws(APIError) {
        limit = defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), (1...maxLimit).contains(value) else {
                throw APIError.badRequest("invalid_limit", "limit must be an integer from 1 to \(maxLimit).")
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

/// One page of a list as the API answers it: `{"<items>": [...], "next_cursor": "…" | null}`
/// (`next_cursor` is null on the last page, never absent).
struct ListPageBody<Item: Encodable>: Encodable {
    let name: String
    let items: [Item]
    let nextCursor: String?

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(items, forKey: Key(stringValue: name))
        try container.encode(nextCursor, forKey: Key(stringValue: "next_cursor"))
    }
}
