import CConvergenceShm
import ConvergenceCore
import ConvergenceHTTP
import ConvergenceShared
import ConvergenceStore
import Glibc

/// The request path of `rate_limit_scope = cluster`: one CAS on this host's leased
/// tokens for a warm key. A key this host has not leased lately, or in a burst, leases
/// synchronously (one statement on the thread's connection, one thread at a time,
/// answered within `LeasePlan.syncLeaseTimeoutMs` or decided by the outage mode); a key
/// the leaser watches is refused locally once its tokens are spent, until the next
/// sync, so a key at its limit costs PostgreSQL one row per sync, not a statement per
/// request. Every token admitted was debited from the central bucket first, and the
/// central bucket counts what hosts hold, which is what makes the bound exact:
/// admitted ≤ B + r·t over all hosts.
enum ClusterRateGate {
    static let hostsCounter = Int32(CV_COUNTER_CLUSTER_HOSTS)
    static let outageCounter = Int32(CV_COUNTER_CLUSTER_OUTAGE)
    static let leaseFailuresCounter = Int32(CV_COUNTER_LEASE_FAILURES)
    static let synchronousLeasesCounter = Int32(CV_COUNTER_SYNC_LEASES)

    static let unavailable = APIError(.serviceUnavailable, code: "rate_limit_unavailable",
                                      message: "The rate-limit store is unreachable and this host refuses requests until it is back; retry shortly.",
                                      headers: [HTTPField("Retry-After", "1")])

    static func plan(_ config: Config) -> LeasePlan { LeasePlan(syncSeconds: Double(config.rateLimitSyncMs) / 1000) }

    static func take(keyID: String, rule: RateLimitRule, _ context: RequestContext) throws(APIError) -> RateDecision {
        let table = LeaseTable(region: context.shared)
        let bucket = LeaseTable.bucketID(keyID: keyID, rule: rule)
        let now = UInt64(MonotonicInstant.now().nanoseconds)
        guard let slot = table.slot(bucket, rule: rule, nowNs: now) else { return try outage(bucket: bucket, rule: rule, nil, context) }
        if table.take(slot, bucket: bucket, nowNs: now) { return decision(allowed: true, slot: slot, rule: rule) }
        if context.shared.counter(outageCounter) != 0 { return try outage(bucket: bucket, rule: rule, slot, context) }

        let plan = plan(context.config)
        // One thread leases at a time. A key at its limit between syncs is refused here at once; while
        // the central bucket had tokens at the last lease, the others wait for the grant another thread
        // is fetching (at most twice a lease's deadline: it may have started just before and have a
        // connection to open), or lease themselves once `burstLeaseSeconds` passed, rather than refuse
        // a key that has tokens (a cold key's first burst).
        var current = now, since: Double? = nil
        let deadline = now + 2 * UInt64(plan.syncLeaseTimeoutMs) * 1_000_000
        while true {
            let synced = slot.pointee.synced_ns
            since = synced == 0 ? nil : Double(current &- min(current, synced)) / 1e9
            let atMost = LeasePlan.centralAtMost(rule: rule, fullAtNs: slot.pointee.full_at_ns, nowNs: current)
            if plan.leasesSynchronously(sinceLastLease: since, centralLeft: Int(slot.pointee.central_left), centralAtMost: atMost),
               cv_lease_begin_sync(slot, synced, current) != 0 { break }
            // The key's last synchronous lease failed: decided locally until the leaser leases for it.
            if slot.pointee.central_left < 0 { return try outage(bucket: bucket, rule: rule, slot, context) }
            if slot.pointee.central_left < 1 || current >= deadline {
                cv_lease_note_refused(slot)
                return decision(allowed: false, slot: slot, rule: rule)
            }
            context.database.waitObserver.waiting { _ = usleep(1000) } // on another thread's lease: let others serve
            current = UInt64(MonotonicInstant.now().nanoseconds)
            if table.take(slot, bucket: bucket, nowNs: current) { return decision(allowed: true, slot: slot, rule: rule) }
            if context.shared.counter(outageCounter) != 0 { return try outage(bucket: bucket, rule: rule, slot, context) }
        }
        let want = plan.synchronousWant(rule: rule, hostsKnown: Int(context.shared.counter(hostsCounter)),
                                        centralLeft: Int(slot.pointee.central_left), sinceLastLease: since)
        let grant: CentralBuckets.Grant, sent: UInt64
        let central = CentralBuckets(db: context.database, hostID: context.shared.instanceName, plan: plan)
        do {
            // A lease's deadline, or what is left of the request's if it waited for another thread first (20 ms at least).
            let leftMs = deadline > current ? Int((deadline - current) / 1_000_000) : 0
            context.shared.addCounter(synchronousLeasesCounter)
            grant = try central.lease(.init(bucket: bucket, rule: rule, want: want, spent: slot.pointee.spent),
                                      timeoutMs: max(20, min(plan.syncLeaseTimeoutMs, leftMs)))
            sent = current
        } catch where error.isConnectionFailure {
            // Unreachable: the whole host decides locally. The leaser clears the flag at its next
            // sync that reaches PostgreSQL (and charges what the outage mode admitted meanwhile);
            // until then no thread waits on PostgreSQL again.
            context.shared.storeCounter(outageCounter, 1)
            context.logger.warning("cluster rate limit: PostgreSQL unreachable; deciding locally", ["error": .string(String(describing: error))])
            return try outage(bucket: bucket, rule: rule, slot, context)
        } catch {
            // Slow (past the deadline) or refused (the row locked past the lock timeout): this key's
            // requests are decided locally until the leaser has leased for it (which records a
            // central_left ≥ 0), or for three syncs; other keys are not affected. Counted, not
            // logged: under load it is frequent.
            context.shared.addCounter(leaseFailuresCounter)
            slot.pointee.central_left = -1
            return try outage(bucket: bucket, rule: rule, slot, context)
        }
        record(grant, in: slot, sentNs: sent)
        table.back(slot, untilNs: backedUntil(sentNs: sent, plan: plan))
        guard grant.granted > 0 else {
            cv_lease_note_refused(slot)
            return decision(allowed: false, slot: slot, rule: rule)
        }
        // One token is this request's; the rest wait in the slot for the next ones.
        if grant.granted > 1, !table.add(slot, bucket: bucket, tokens: Int64(grant.granted - 1)) {
            // Taken over by another key meanwhile: give them back now (best effort; lost tokens only under-admit).
            context.shared.addCounter(synchronousLeasesCounter)
            _ = try? central.lease(.init(bucket: bucket, rule: rule, giveBack: grant.granted - 1), timeoutMs: plan.syncLeaseTimeoutMs)
        }
        cv_lease_note_spent(slot)
        return decision(allowed: true, slot: slot, rule: rule)
    }

    /// The central state after a lease: for headers, and for the next request's choice. The full
    /// time counts from `sentNs`, before PostgreSQL read its clock, and a millisecond early (it
    /// rounds up), so it is never later than the truth and `LeasePlan.centralAtMost` never too low.
    static func record(_ grant: CentralBuckets.Grant, in slot: UnsafeMutablePointer<cv_lease>, sentNs: UInt64) {
        slot.pointee.central_left = Int32(clamping: Int64(grant.tokensLeft.rounded(.down)))
        slot.pointee.full_at_ns = sentNs + UInt64(max(0, grant.fullInMs - 1)) * 1_000_000
    }

    /// Until when this host may spend tokens of a lease sent at `sentNs`: PostgreSQL holds them for
    /// `holdSeconds` from when it granted them (later than sent), the host stops a margin earlier.
    static func backedUntil(sentNs: UInt64, plan: LeasePlan) -> UInt64 {
        sentNs + UInt64((plan.holdSeconds - plan.holdMarginSeconds) * 1e9)
    }

    /// Headers from the central state: `Remaining` is an upper estimate (this host's tokens
    /// plus what the bucket held at the last lease), `Reset` the central bucket's full time.
    static func decision(allowed: Bool, slot: UnsafeMutablePointer<cv_lease>, rule: RateLimitRule) -> RateDecision {
        var tokens: Int64 = 0
        _ = cv_lease_owner(slot, &tokens)
        let centralLeft = Int64(max(0, slot.pointee.central_left))
        let remaining = Int(max(0, min(Int64(rule.limit), tokens + centralLeft)))
        let now = UInt64(MonotonicInstant.now().nanoseconds), fullAt = slot.pointee.full_at_ns
        let resetMs = fullAt > now ? Int64((fullAt - now) / 1_000_000) : 0
        // Refused: the next token comes with the central refill (one interval) or at the next sync.
        let retrySeconds = max(1, (rule.periodSeconds + rule.limit - 1) / rule.limit)
        return RateDecision(allowed: allowed, limit: rule.limit, remaining: remaining, resetAfterSeconds: Int((resetMs + 999) / 1000),
                            retryAfterSeconds: allowed ? 0 : retrySeconds, periodSeconds: rule.periodSeconds)
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
            // admission counted in the slot so that the leaser charges it at its next sync.
            let hosts = max(1, Int(context.shared.counter(hostsCounter)))
            let local = context.limiter.take(keyHash: bucket, rule: LeasePlan.outageRule(rule, hosts: hosts))
            if let slot { local.allowed ? cv_lease_note_outside(slot) : cv_lease_note_refused(slot) } // the leaser's demand
            return local
        }
    }
}
