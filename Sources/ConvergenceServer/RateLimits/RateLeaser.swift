import CConvergenceShm
import ConvergenceCore
import ConvergenceShared
import ConvergenceStore
import ConvergenceSupervisor
import Glibc

/// `convergence rate-leaser` (rate_limit_scope = cluster): one per host. Every
/// `rate_limit_sync_ms` it syncs in one statement: the host's heartbeat (how many
/// hosts share a budget during an outage), tokens of keys idle for a while given
/// back, and more tokens for every key whose leased tokens run low, sized to this
/// host's recent demand for it. When PostgreSQL is unreachable it raises the outage
/// flag the workers read (a worker whose synchronous lease failed raises it too), and
/// at the next sync that reaches PostgreSQL charges what the outage mode admitted
/// meanwhile (capped at one bucket per key).
package enum RateLeaser {
    static let pruneMs = 60_000

    /// What the leaser remembers of a slot between syncs.
    struct Seen {
        var spent: UInt32
        var outside: UInt32
        var refused: UInt32
        var demandPerSecond: Double
        var debt: Int
    }

    package static func run(_ child: ChildProcess) -> ProcessExit {
        let config = child.config, logger = child.logger, shared = child.shared
        let db = PostgresConnection(ConnectionInfo(url: config.databaseURL, password: child.databasePassword,
                                                   connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
                                                   applicationName: "convergence-rate-leaser"))
        defer { db.close() }
        let table = LeaseTable(region: shared), plan = ClusterRateGate.plan(config)
        // One name for the whole `serve`: its workers' synchronous leases count in the same holdings.
        let central = CentralBuckets(db: db, hostID: shared.instanceName, plan: plan)
        var seen: [UInt64: Seen] = [:]
        var owed: [CentralBuckets.Request] = [] // tokens to give back at the next sync
        var lastSync = MonotonicInstant.now(), lastPrune = MonotonicInstant.now()
        var outage = false
        // A heartbeat first: this host's leases are sized by the number of hosts, which it learns here.
        if let (live, _) = try? central.sync([]) { shared.storeCounter(ClusterRateGate.hostsCounter, UInt64(live)) }
        child.notifyReady()
        logger.info("rate leaser started", ["host_id": .string(central.hostID), "sync_ms": .int(config.rateLimitSyncMs)])

        while child.stopSignal(waitingMs: outage ? max(1000, config.rateLimitSyncMs) : config.rateLimitSyncMs) == nil {
            let now = MonotonicInstant.now()
            let elapsed = max(0.001, now.milliseconds(since: lastSync) / 1000)
            lastSync = now
            let observed = observe(&seen, table: table, elapsed: elapsed)
            do {
                if outage || seen.values.contains(where: { $0.debt > 0 }) {
                    try chargeDebts(&seen, observed, central: central, shared: shared, logger: logger, reconnected: outage)
                }
                outage = false
                shared.storeCounter(ClusterRateGate.outageCounter, 0)
                try sync(observed, seen: seen, owed: &owed, nowNs: UInt64(now.nanoseconds), table: table, central: central, plan: plan,
                         shared: shared)
                if now.milliseconds(since: lastPrune) >= Double(pruneMs) {
                    try central.prune()
                    lastPrune = now
                }
            } catch where error.sqlState == "55P03" {
                // Refused, not unreachable: a bucket row stayed locked past the lease function's
                // lock timeout (another host's sync of the same keys). Nothing was leased or
                // charged; the next sync tries again, and the host is not in an outage.
                logger.warning("cluster rate limit: sync refused (lock timeout); retrying at the next sync")
            } catch {
                if !outage {
                    logger.warning("cluster rate limit: PostgreSQL unreachable; spending leased tokens, then deciding locally",
                                   ["outage_mode": .string(config.rateLimitOutage.rawValue), "error": .string(String(describing: error))])
                }
                outage = true
                shared.storeCounter(ClusterRateGate.outageCounter, 1)
                db.close()
            }
        }
        // Give back what this host holds (and say it holds nothing): its leases would otherwise be
        // lost to the fleet until its holdings expire.
        owed += table.slots().compactMap { slot -> CentralBuckets.Request? in
            let pointer = table.pointer(slot.index), tokens = table.drain(pointer, bucket: slot.bucket)
            return tokens > 0 ? .init(bucket: slot.bucket, rule: slot.rule, giveBack: Int(tokens), spent: pointer.pointee.spent) : nil
        }
        _ = try? central.sync(owed)
        logger.info("rate leaser stopped", ["tokens_returned": .int(owed.reduce(0) { $0 + $1.giveBack })])
        return .clean
    }

    /// Demand per slot since the last sync (admitted and refused, smoothed over about three
    /// syncs); what was admitted outside a lease (an outage, or a synchronous lease that timed
    /// out) becomes debt, charged at the next sync that reaches PostgreSQL.
    static func observe(_ seen: inout [UInt64: Seen], table: LeaseTable, elapsed: Double) -> [LeaseTable.Slot] {
        let slots = table.slots()
        var next: [UInt64: Seen] = [:]
        for slot in slots {
            let refused = table.pointer(slot.index).pointee.refused
            // A slot seen for the first time counts from its claim (its counters start at 0 then), so a
            // key new on this host is leased for at its first sync rather than at its second.
            var entry = seen[slot.bucket] ?? Seen(spent: 0, outside: 0, refused: 0, demandPerSecond: 0, debt: 0)
            let outside = slot.outside &- entry.outside
            let demand = Double(UInt64(slot.spent &- entry.spent) + UInt64(outside) + UInt64(refused &- entry.refused)) / elapsed
            entry.demandPerSecond = entry.demandPerSecond == 0 ? demand : entry.demandPerSecond * 0.6 + demand * 0.4
            entry.debt += Int(outside)
            entry.spent = slot.spent
            entry.outside = slot.outside
            entry.refused = refused
            next[slot.bucket] = entry
        }
        seen = next.merging(seen.filter { $0.value.debt > 0 && next[$0.key] == nil }) { current, _ in current }
        return slots
    }

    /// One statement: heartbeat, and for every slot that needs it what it holds, tokens given back,
    /// more leased (for a key asked within `watchSeconds` whose central bucket may hold a token),
    /// or its holding refreshed.
    static func sync(_ slots: [LeaseTable.Slot], seen: [UInt64: Seen], owed: inout [CentralBuckets.Request], nowNs: UInt64, table: LeaseTable,
                     central: CentralBuckets, plan: LeasePlan, shared: SharedRegion) throws(PostgresError) {
        let hosts = max(1, Int(shared.counter(ClusterRateGate.hostsCounter)))
        var requests = owed
        var included: [(slot: LeaseTable.Slot, position: Int, leases: Bool)] = []
        for slot in slots {
            let pointer = table.pointer(slot.index)
            let backedNs = pointer.pointee.backed_until_ns
            // PostgreSQL gives an expired holding back: its tokens are dropped here (counted as spent), never spent.
            let tokens = slot.tokens > 0 && nowNs >= backedNs ? 0 : slot.tokens
            if tokens < slot.tokens { table.drop(pointer, bucket: slot.bucket) }
            let demand = seen[slot.bucket]?.demandPerSecond ?? 0
            let idle = Double(nowNs &- min(nowNs, slot.lastUsedNs)) / 1e9
            var held = tokens, giveBack: Int64 = 0
            let excess = plan.tokensToReturn(tokens: tokens, idleSeconds: idle)
            if excess > 0 {
                let drained = table.drain(pointer, bucket: slot.bucket)
                var keep = max(0, min(drained, tokens - excess))
                if keep > 0, !table.add(pointer, bucket: slot.bucket, tokens: keep) { keep = 0 }
                giveBack = drained - keep
                held = keep
            }
            let atMost = LeasePlan.centralAtMost(rule: slot.rule, fullAtNs: pointer.pointee.full_at_ns, nowNs: nowNs)
            let leases = plan.needsRefill(tokens: held, demandPerSecond: demand, idleSeconds: idle, centralAtMost: atMost)
            let backedFor = backedNs > nowNs ? Double(backedNs - nowNs) / 1e9 : 0
            guard giveBack > 0 || leases || plan.needsRefresh(tokens: held, backedForSeconds: backedFor) else { continue }
            included.append((slot, requests.count, leases))
            requests.append(.init(bucket: slot.bucket, rule: slot.rule,
                                  want: leases ? plan.want(demandPerSecond: demand, rule: slot.rule, hosts: hosts) : 0,
                                  giveBack: Int(giveBack), spent: pointer.pointee.spent))
        }
        let (live, grants) = try central.sync(requests)
        owed = []
        shared.storeCounter(ClusterRateGate.hostsCounter, UInt64(live))
        for (slot, position, leases) in included {
            let grant = grants[position], pointer = table.pointer(slot.index)
            ClusterRateGate.record(grant, in: pointer, sentNs: nowNs)
            table.back(pointer, untilNs: ClusterRateGate.backedUntil(sentNs: nowNs, plan: plan))
            if leases { pointer.pointee.synced_ns = nowNs } // the workers leave this key to the leaser now
            if grant.granted > 0, !table.add(pointer, bucket: slot.bucket, tokens: Int64(grant.granted)) {
                owed.append(.init(bucket: slot.bucket, rule: slot.rule, giveBack: grant.granted))
            }
        }
    }

    /// Charges what was admitted outside leases (from the outage share), capped per key.
    static func chargeDebts(_ seen: inout [UInt64: Seen], _ slots: [LeaseTable.Slot], central: CentralBuckets, shared: SharedRegion,
                            logger: Logger, reconnected: Bool) throws(PostgresError) {
        let rules = Dictionary(slots.map { ($0.bucket, $0.rule) }) { first, _ in first }
        let charges = seen.compactMap { bucket, entry -> CentralBuckets.Request? in
            guard entry.debt > 0, let rule = rules[bucket] else { return nil }
            return .init(bucket: bucket, rule: rule, want: LeasePlan.chargeable(debt: entry.debt, rule: rule), keep: false)
        }
        let (live, _) = try central.sync(charges)
        shared.storeCounter(ClusterRateGate.hostsCounter, UInt64(live))
        for bucket in seen.keys { seen[bucket]?.debt = 0 }
        if reconnected { logger.info("cluster rate limit: PostgreSQL reachable again; outage consumption charged", ["keys": .int(charges.count)]) }
    }
}
