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
    /// Values are written as bytes (no interpolation): every customer request carries them.
    static func headers(_ d: RateDecision, nowUnix: Int64) -> [HTTPField] {
        var policy: [UInt8] = Array(#""key";q="#.utf8)
        DecimalText.append(d.limit, to: &policy)
        policy.append(contentsOf: ";w=".utf8)
        DecimalText.append(d.periodSeconds, to: &policy)
        var state: [UInt8] = Array(#""key";r="#.utf8)
        DecimalText.append(d.remaining, to: &state)
        state.append(contentsOf: ";t=".utf8)
        DecimalText.append(d.allowed ? d.resetAfterSeconds : d.retryAfterSeconds, to: &state)
        return [
            HTTPField("X-RateLimit-Limit", String(d.limit)),
            HTTPField("X-RateLimit-Remaining", String(d.remaining)),
            HTTPField("X-RateLimit-Reset", String(nowUnix + Int64(d.resetAfterSeconds))),
            HTTPField("RateLimit-Policy", String(decoding: policy, as: UTF8.self)),
            HTTPField("RateLimit", String(decoding: state, as: UTF8.self)),
        ]
    }
}
