import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceShared

/// The per-key token bucket in front of every customer-API route. The bucket
/// lives in shared memory, so the budget is exact however many workers serve
/// the key; the decision never waits on anything.
enum RateLimitGate {
    static func rule(for key: KeyRecord, config: Config) -> RateLimitRule {
        key.rateLimit ?? (key.tier == "pro" ? config.rateLimitPro : config.rateLimitFree)
    }

    /// Takes a token for `key`; throws 429 `rate_limited` when the bucket is empty.
    /// Allowed requests get the headers through `context.rateLimitLines`.
    static func admit(_ key: KeyRecord, _ context: RequestContext) throws(APIError) {
        guard context.config.rateLimitEnabled else { return }
        let rule = rule(for: key, config: context.config)
        let decision = context.limiter.take(key: key.keyID, rule: rule)
        let nowUnix = WallClock.unixSeconds()
        guard decision.allowed else {
            let headers = headers(decision, nowUnix: nowUnix)
            context.metrics.add(MetricFamilies.rateLimited, [key.rateLimit != nil ? "key" : (key.tier ?? "free")])
            throw APIError(.tooManyRequests, code: "rate_limited",
                           message: "Rate limit of \(rule.limit) requests per \(rule.periodSeconds) s exceeded; retry in \(decision.retryAfterSeconds) s.",
                           headers: headers + [HTTPField("Retry-After", String(decision.retryAfterSeconds))])
        }
        context.rateLimitLines.removeAll(keepingCapacity: true)
        headerLines(decision, nowUnix: nowUnix, into: &context.rateLimitLines)
    }

    /// The classic X-RateLimit-* trio plus the IETF httpapi draft's RateLimit-Policy / RateLimit:
    /// each header's name and how its value is written.
    typealias ValueWriter = @Sendable (RateDecision, Int64, inout [UInt8]) -> Void
    static let fields: [(name: StaticString, value: ValueWriter)] = [
        ("X-RateLimit-Limit", { d, _, out in out.appendDecimal(d.limit) }),
        ("X-RateLimit-Remaining", { d, _, out in out.appendDecimal(d.remaining) }),
        ("X-RateLimit-Reset", { d, now, out in out.appendDecimal(now + Int64(d.resetAfterSeconds)) }),
        ("RateLimit-Policy", { d, _, out in
            out.append(contentsOf: #""key";q="#.utf8)
            out.appendDecimal(d.limit)
            out.append(contentsOf: ";w=".utf8)
            out.appendDecimal(d.periodSeconds)
        }),
        ("RateLimit", { d, _, out in
            out.append(contentsOf: #""key";r="#.utf8)
            out.appendDecimal(d.remaining)
            out.append(contentsOf: ";t=".utf8)
            out.appendDecimal(d.allowed ? d.resetAfterSeconds : d.retryAfterSeconds)
        }),
    ]

    /// For an error response (429), which carries its headers as fields.
    static func headers(_ d: RateDecision, nowUnix: Int64) -> [HTTPField] {
        fields.map { field in
            var value: [UInt8] = []
            field.value(d, nowUnix, &value)
            return HTTPField(field.name.description, String(decoding: value, as: UTF8.self))
        }
    }

    /// As `Name: value\r\n` lines written as bytes: every allowed customer request carries them.
    static func headerLines(_ d: RateDecision, nowUnix: Int64, into out: inout [UInt8]) {
        for field in fields {
            out.append(contentsOf: UnsafeBufferPointer(start: field.name.utf8Start, count: field.name.utf8CodeUnitCount))
            out.append(0x3A); out.append(0x20)
            field.value(d, nowUnix, &out)
            out.append(0x0D); out.append(0x0A)
        }
    }
}
