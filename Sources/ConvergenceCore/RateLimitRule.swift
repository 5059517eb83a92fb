/// Where a key's budget lives: in this host's shared memory (`host`, exact per host) or
/// in PostgreSQL, leased to hosts in batches (`cluster`, exact across hosts).
public enum RateLimitScope: String, Sendable, Codable, CaseIterable {
    case host, cluster
}

/// What a host in cluster scope does once PostgreSQL is unreachable and its leased
/// tokens are spent: `share` admits 1/N of each key's rate (N = live hosts at the last
/// sync), `open` admits everything, `closed` refuses everything. `share` is the default.
public enum RateLimitOutageMode: String, Sendable, Codable, CaseIterable {
    case share, open, closed
}

/// A token-bucket budget: `limit` requests per `periodSeconds`, refilled continuously.
/// Written `100/60s` (or `100/60`) in the configuration.
public struct RateLimitRule: Sendable, Equatable, Codable, CustomStringConvertible {
    public var limit: Int
    public var periodSeconds: Int

    public static let maxLimit = 1_000_000_000
    public static let maxPeriodSeconds = 30 * 86_400

    public init(limit: Int, periodSeconds: Int) {
        self.limit = limit
        self.periodSeconds = periodSeconds
    }

    public static func parse(_ text: String) -> RateLimitRule? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        var period = parts[1]
        if period.hasSuffix("s") { period = period.dropLast() }
        guard let limit = Int(parts[0]), let seconds = Int(period) else { return nil }
        let rule = RateLimitRule(limit: limit, periodSeconds: seconds)
        return rule.isValid ? rule : nil
    }

    public var isValid: Bool {
        (1...RateLimitRule.maxLimit).contains(limit) && (1...RateLimitRule.maxPeriodSeconds).contains(periodSeconds)
    }

    public var description: String { "\(limit)/\(periodSeconds)s" }
}
