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
    /// Allowed requests get the headers through `context.responseHeaders`.
    static func admit(_ key: KeyRecord, _ context: RequestContext) throws(APIError) {
        guard context.config.rateLimitEnabled else { return }
        let rule = rule(for: key, config: context.config)
        let decision = context.limiter.take(key: key.keyID, rule: rule)
        let headers = headers(decision, nowUnix: WallClock.unixSeconds())
        guard decision.allowed else {
            context.metrics.add(MetricFamilies.rateLimited, [key.rateLimit != nil ? "key" : (key.tier ?? "free")])
            throw APIError(.tooManyRequests, code: "rate_limited",
                           message: "Rate limit of \(rule.limit) requests per \(rule.periodSeconds) s exceeded; retry in \(decision.retryAfterSeconds) s.",
                           headers: headers + [HTTPField("Retry-After", String(decision.retryAfterSeconds))])
        }
        context.responseHeaders.append(contentsOf: headers)
    }

    /// The classic X-RateLimit-* trio plus the IETF httpapi draft's RateLimit-Policy / RateLimit.
    static func headers(_ d: RateDecision, nowUnix: Int64) -> [HTTPField] {
        [
            HTTPField("X-RateLimit-Limit", String(d.limit)),
            HTTPField("X-RateLimit-Remaining", String(d.remaining)),
            HTTPField("X-RateLimit-Reset", String(nowUnix + Int64(d.resetAfterSeconds))),
            HTTPField("RateLimit-Policy", "\"key\";q=\(d.limit);w=\(d.periodSeconds)"),
            HTTPField("RateLimit", "\"key\";r=\(d.remaining);t=\(d.allowed ? d.resetAfterSeconds : d.retryAfterSeconds)"),
        ]
    }
}
