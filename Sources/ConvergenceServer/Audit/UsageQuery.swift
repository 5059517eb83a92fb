import ConvergenceAudit
import ConvergenceCore
import ConvergenceHTTP

/// The validated parameters of `GET /admin/usage` and its bucket arithmetic (pure: no I/O).
/// Buckets are aligned to the Unix epoch (UTC midnight for days), so the first and last
/// may reach past `since` and `until`; every bucket is listed, with zeros when quiet.
struct UsageQuery: Equatable {
    enum Bucket: String {
        case fiveMinutes = "5m"
        case hour = "1h"
        case day = "1d"

        var seconds: Int64 {
            switch self {
            case .fiveMinutes: 300
            case .hour: 3600
            case .day: 86_400
            }
        }
    }

    static let parameters: Set<String> = ["since", "until", "bucket", "customer_id", "key_id", "top"]
    static let maxBuckets = 2000
    /// Top lists come from hourly rollups up to this span, from daily ones beyond.
    static let hourlyTopListsUpToSeconds: Int64 = 48 * 3600

    var bucket: Bucket
    /// Unix µs; `since` inclusive, `until` exclusive.
    var since: Int64
    var until: Int64
    var customerID: String?
    var keyID: String?
    /// `top=false`: no top lists (a chart that shows none skips their cost, the largest part of a long range).
    var includesTopLists = true

    /// Defaults: until now, since 24 h before, 5-minute buckets (hours for one customer or key).
    static func parse(_ parameters: [String: String], nowMicros: Int64) throws(APIError) -> UsageQuery {
        let scoped = parameters["customer_id"] != nil || parameters["key_id"] != nil
        guard let bucket = Bucket(rawValue: parameters["bucket"] ?? (scoped ? "1h" : "5m")) else {
            throw APIError.badRequest("invalid_bucket", "bucket must be 5m, 1h or 1d.")
        }
        let until = try instant(parameters, "until") ?? nowMicros
        let since = try instant(parameters, "since") ?? until - 86_400 * 1_000_000
        guard since < until else { throw APIError.badRequest("invalid_range", "since must be before until.") }
        var query = UsageQuery(bucket: bucket, since: since, until: until, customerID: parameters["customer_id"])
        switch parameters["top"] {
        case nil, "true": break
        case "false": query.includesTopLists = false
        default: throw APIError.badRequest("invalid_top", "top must be true or false.")
        }
        if let keyID = parameters["key_id"] {
            guard keyID.hasPrefix("key_"), keyID.utf8.count <= 64 else {
                throw APIError.badRequest("invalid_key_id", "key_id must be a key id (key_…).")
            }
            query.keyID = keyID
        }
        if bucket.seconds < Int64(UsageRollup.scopedBucketSeconds), query.customerID != nil || query.keyID != nil {
            throw APIError.badRequest("invalid_bucket", "Usage per customer or key is kept by hour and day: use bucket=1h or 1d.")
        }
        guard query.bucketCount <= maxBuckets else {
            throw APIError.badRequest("invalid_range", "At most \(maxBuckets) buckets per answer: narrow the range or use a larger bucket.")
        }
        return query
    }

    static func instant(_ parameters: [String: String], _ name: String) throws(APIError) -> Int64? {
        guard let text = parameters[name] else { return nil }
        guard let micros = RFC3339.parseMicros(text), micros >= 0 else {
            throw APIError.badRequest("invalid_\(name)", "\(name) must be an RFC 3339 time with a zone (or YYYY-MM-DD), from 1970 on.")
        }
        return micros
    }

    static func floor(_ micros: Int64, to seconds: Int64) -> Int64 {
        let width = seconds * 1_000_000
        return micros - ((micros % width) + width) % width
    }

    /// The first bucket's start: `since` rounded down to the bucket.
    var firstStart: Int64 { Self.floor(since, to: bucket.seconds) }

    /// Buckets from the one holding `since` to the one holding the last µs before `until`.
    var bucketCount: Int {
        let width = bucket.seconds * 1_000_000
        return Int((until - firstStart + width - 1) / width)
    }

    var bucketStarts: [Int64] { (0..<bucketCount).map { firstStart + Int64($0) * bucket.seconds * 1_000_000 } }

    /// The granularity and the whole buckets (rounded outward) the top lists are counted over.
    var topLists: (seconds: Int64, from: Int64, to: Int64) {
        let seconds: Int64 = until - since <= Self.hourlyTopListsUpToSeconds * 1_000_000 ? 3600 : 86_400
        let from = Self.floor(since, to: seconds)
        let to = Self.floor(until - 1, to: seconds) + seconds * 1_000_000
        return (seconds, from, to)
    }
}

/// One bucket's counts, as the rollup stores them.
struct UsageCounts: Equatable {
    var checks: Int64 = 0
    var allowed: Int64 = 0
    var blocked: Int64 = 0
    var wouldBlock: Int64 = 0
    var piiFindings: Int64 = 0
    var latency = [UInt64](repeating: 0, count: UsageRollup.latencyBoundsMicros.count + 1)

    mutating func add(_ other: UsageCounts) {
        checks += other.checks
        allowed += other.allowed
        blocked += other.blocked
        wouldBlock += other.wouldBlock
        piiFindings += other.piiFindings
        for i in latency.indices where i < other.latency.count { latency[i] &+= other.latency[i] }
    }

    static let latencyBoundsMs = UsageRollup.latencyBoundsMicros.map { Double($0) / 1000 }

    /// The JSON shape of a bucket or the totals. `rate_limited` is always 0: requests refused
    /// with 429 are not decided checks and leave no audit record (GET /admin/stats counts them).
    func body(start: Int64?) -> UsageBody.Bucket {
        UsageBody.Bucket(start: start.map(UsageBody.rfc3339), checks: checks, allowed: allowed, blocked: blocked, wouldBlock: wouldBlock,
                         rateLimited: 0, piiFindings: piiFindings,
                         latencyMs: .init(p50: Histogram.quantile(0.5, bounds: Self.latencyBoundsMs, counts: latency),
                                          p95: Histogram.quantile(0.95, bounds: Self.latencyBoundsMs, counts: latency)))
    }

    /// Every bucket of `starts`, from `rows` (keyed by start) or zeros.
    static func series(starts: [Int64], rows: [Int64: UsageCounts]) -> [(start: Int64, counts: UsageCounts)] {
        starts.map { ($0, rows[$0] ?? UsageCounts()) }
    }
}

/// `GET /admin/usage`'s answer.
struct UsageBody: Encodable {
    struct Latency: Encodable {
        let p50, p95: Double
    }

    struct Bucket: Encodable {
        let start: String?
        let checks, allowed, blocked, wouldBlock, rateLimited, piiFindings: Int64
        let latencyMs: Latency

        enum CodingKeys: String, CodingKey {
            case start, checks, allowed, blocked
            case wouldBlock = "would_block"
            case rateLimited = "rate_limited"
            case piiFindings = "pii_findings"
            case latencyMs = "latency_ms"
        }
    }

    struct TopCustomer: Encodable {
        let customerID: String
        let tenantID: String?
        let name: String?
        let blocked: Int64

        enum CodingKeys: String, CodingKey {
            case name, blocked
            case customerID = "customer_id"
            case tenantID = "tenant_id"
        }
    }

    struct TopRule: Encodable {
        let rule: String
        let policyID: String
        let blocked: Int64
        let wouldBlock: Int64

        enum CodingKeys: String, CodingKey {
            case rule, blocked
            case policyID = "policy_id"
            case wouldBlock = "would_block"
        }
    }

    let bucket: String
    let since: String
    let until: String
    let series: [Bucket]
    let totals: Bucket
    /// nil (left out) with `top=false`.
    let topCustomersByBlocks: [TopCustomer]?
    let topRules: [TopRule]?

    enum CodingKeys: String, CodingKey {
        case bucket, since, until, series, totals
        case topCustomersByBlocks = "top_customers_by_blocks"
        case topRules = "top_rules"
    }

    static func rfc3339(_ micros: Int64) -> String {
        WallClock.rfc3339(seconds: micros / 1_000_000, milliseconds: Int(micros % 1_000_000) / 1000)
    }
}
