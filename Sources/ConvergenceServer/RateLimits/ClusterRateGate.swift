import CConvergenceShm
import ConvergenceCore
import ConvergenceHTTP
import ConvergenceShared
import ConvergenceStore

/// The request path of `rate_limit_scope = cluster`: one CAS on this host's leased
/// tokens for a warm key. Only a key with none left leases synchronously (one short
/// statement on the thread's connection); a central bucket found empty is remembered
/// until its next token, so refused requests do not reach PostgreSQL. Every token
/// admitted was debited from the central bucket first, which is what makes the
/// bound exact: admitted ≤ B + r·t over all hosts.
enum ClusterRateGate {
    static let plan = LeasePlan()
    static let hostsCounter = Int32(CV_COUNTER_CLUSTER_HOSTS)
    static let outageCounter = Int32(CV_COUNTER_CLUSTER_OUTAGE)

    static let unavailable = APIError(.serviceUnavailable, code: "rate_limit_unavailable",
                                      message: "The rate-limit store is unreachable and this host refuses requests until it is back; retry shortly.",
                                      headers: [HTTPField("Retry-After", "1")])

    static func take(keyID: String, rule: RateLimitRule, _ context: RequestContext) throws(APIError) -> RateDecision {
        let table = LeaseTable(region: context.shared)
        let bucket = LeaseTable.bucketID(keyID: keyID, rule: rule)
        let now = UInt64(MonotonicInstant.now().nanoseconds)
        guard let slot = table.slot(bucket, rule: rule, nowNs: now) else { return try outage(bucket: bucket, rule: rule, nil, context) }
        if table.take(slot, bucket: bucket, nowNs: now) { return decision(allowed: true, slot: slot, bucket: bucket, rule: rule, nowNs: now) }
        if context.shared.counter(outageCounter) != 0 { return try outage(bucket: bucket, rule: rule, slot, context) }
        let emptyUntil = slot.pointee.empty_until_ns
        if emptyUntil > now { return decision(allowed: false, slot: slot, bucket: bucket, rule: rule, nowNs: now) }

        let hosts = max(1, Int(context.shared.counter(hostsCounter)))
        let want = plan.firstWant(rule: rule, hosts: hosts)
        let grant: CentralBuckets.Grant
        do {
            guard let first = try CentralBuckets(db: context.database).lease([.init(bucket: bucket, rule: rule, tokens: want)]).first else {
                return try outage(bucket: bucket, rule: rule, slot, context)
            }
            grant = first
        } catch {
            // The leaser confirms and clears the outage; until then no thread waits on PostgreSQL again.
            context.shared.storeCounter(outageCounter, 1)
            context.logger.warning("cluster rate limit: lease failed; deciding locally", ["error": .string(String(describing: error))])
            return try outage(bucket: bucket, rule: rule, slot, context)
        }
        record(grant, in: slot, rule: rule, nowNs: now)
        guard grant.granted > 0 else { return decision(allowed: false, slot: slot, bucket: bucket, rule: rule, nowNs: now) }
        // One token is this request's; the rest wait in the slot for the next ones.
        if grant.granted > 1, !table.add(slot, bucket: bucket, tokens: Int64(grant.granted - 1)) {
            // Evicted meanwhile: the leaser cannot see these, give them back now (best effort).
            try? CentralBuckets(db: context.database).giveBack([.init(bucket: bucket, rule: rule, tokens: grant.granted - 1)])
        }
        _ = cv_atomic_add(spentPointer(slot), 1)
        return decision(allowed: true, slot: slot, bucket: bucket, rule: rule, nowNs: now)
    }

    /// The central state after a lease, for headers and for refusing locally until the next token.
    static func record(_ grant: CentralBuckets.Grant, in slot: UnsafeMutablePointer<cv_lease>, rule: RateLimitRule, nowNs: UInt64) {
        slot.pointee.central_left = Int64(grant.tokensLeft.rounded(.down))
        slot.pointee.full_at_unix_ms = WallClock.unixMicros() / 1000 + grant.fullInMs
        if grant.granted == 0 {
            let perNs = Double(rule.limit) / Double(rule.periodSeconds) / 1e9
            slot.pointee.empty_until_ns = nowNs + UInt64(max(0, 1 - grant.tokensLeft) / perNs)
        } else {
            slot.pointee.empty_until_ns = 0
        }
    }

    static func spentPointer(_ slot: UnsafeMutablePointer<cv_lease>) -> UnsafeMutablePointer<UInt64> {
        (UnsafeMutableRawPointer(slot) + MemoryLayout<cv_lease>.offset(of: \.spent)!).assumingMemoryBound(to: UInt64.self)
    }

    /// Headers from the central state: `Remaining` is an upper estimate (this host's tokens
    /// plus what the bucket held at the last lease), `Reset` the central bucket's full time.
    static func decision(allowed: Bool, slot: UnsafeMutablePointer<cv_lease>, bucket: UInt64, rule: RateLimitRule, nowNs: UInt64) -> RateDecision {
        var tokens: Int64 = 0
        _ = cv_lease_owner(slot, &tokens)
        let remaining = Int(max(0, min(Int64(rule.limit), tokens + max(0, slot.pointee.central_left))))
        let resetMs = max(0, slot.pointee.full_at_unix_ms - WallClock.unixMicros() / 1000)
        let emptyUntil = slot.pointee.empty_until_ns
        let retryNs = emptyUntil > nowNs ? emptyUntil - nowNs : UInt64(1_000_000_000) * UInt64(rule.periodSeconds) / UInt64(rule.limit)
        return RateDecision(allowed: allowed, limit: rule.limit, remaining: remaining, resetAfterSeconds: Int((resetMs + 999) / 1000),
                            retryAfterSeconds: allowed ? 0 : max(1, Int((retryNs + 999_999_999) / 1_000_000_000)), periodSeconds: rule.periodSeconds)
    }

    /// PostgreSQL unreachable and no leased token left: the configured outage mode decides.
    static func outage(bucket: UInt64, rule: RateLimitRule, _ slot: UnsafeMutablePointer<cv_lease>?,
                       _ context: RequestContext) throws(APIError) -> RateDecision {
        switch context.config.rateLimitOutage {
        case .open:
            return RateDecision(allowed: true, limit: rule.limit, remaining: rule.limit, resetAfterSeconds: 0, retryAfterSeconds: 0,
                                periodSeconds: rule.periodSeconds)
        case .closed:
            throw unavailable
        case .share:
            // A local bucket of 1/N of the rule (its own bucket: the rule differs), and the
            // admission counted in the slot so that the leaser charges it on reconnect.
            let hosts = max(1, Int(context.shared.counter(hostsCounter)))
            let local = context.limiter.take(keyHash: bucket, rule: LeasePlan.outageRule(rule, hosts: hosts))
            if local.allowed, let slot { _ = cv_atomic_add(spentPointer(slot), 1) }
            return local
        }
    }
}
