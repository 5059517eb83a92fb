import ConvergenceCore

/// How every route treats its query string (the router applies it before any handler).
public enum QueryRule {
    /// One rule for every route: a query parameter the route does not read is a 400 naming
    /// it (a typo never silently widens or ignores a filter), and so is a name or value that
    /// is not valid percent-encoded UTF-8. Names are echoed at most 40 characters long.
    public static func check(_ query: String, allowed: Set<String>) throws(APIError) {
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0]) else {
                throw APIError.badRequest("invalid_parameter", "A query parameter name is not valid percent-encoded UTF-8.")
            }
            guard allowed.contains(name) else {
                if credentialParameters.contains(name.lowercased()) {
                    throw APIError.badRequest("invalid_parameter", "API keys are accepted only in the Authorization or X-API-Key "
                        + "header, never in the URL (URLs end up in logs and browser history).")
                }
                let takes = allowed.isEmpty ? "this endpoint takes no query parameters"
                    : "this endpoint takes " + allowed.sorted().joined(separator: ", ")
                throw APIError.badRequest("invalid_parameter", "Unknown parameter \(name.shownInMessage()); \(takes).")
            }
            guard parts.count == 1 || PercentDecoding.decode(parts[1]) != nil else {
                // Named like the route's own value errors (`invalid_limit`, `invalid_cursor`, …).
                throw APIError.badRequest("invalid_\(name)", "The value of \(name) is not valid percent-encoded UTF-8.")
            }
        }
    }

    static let credentialParameters: Set<String> = ["api_key", "apikey", "api-key", "key", "token", "access_token", "x-api-key"]
}
