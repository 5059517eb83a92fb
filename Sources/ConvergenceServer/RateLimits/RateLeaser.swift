import CConvergenceShm
import ConvergenceCore
import ConvergenceShared
import ConvergenceStore
import ConvergenceSupervisor
import Glibc

/// `convergence rate-leaser` (rate_limit_scope = cluster): one per host. Every tick
/// it leases, in one statement, more tokens for every key whose leased tokens run
/// low (sized to this host's recent rate for it), gives back in one statement the
/// tokens of keys idle for `LeasePlan.idleSeconds`, and heartbeats the host table
/// (how many hosts share a budget during an outage). When PostgreSQL is unreachable
/// it raises the outage flag the workers read, and on reconnect charges what the
/// host admitted meanwhile (capped at one bucket per key).
package enum RateLeaser {
    static let tickMs = 100
    static let heartbeatMs = 1000
    static let pruneMs = 60_000

    /// What the leaser remembers of a slot between ticks.
    struct Seen {
        var spent: UInt64
        var ratePerSecond: Double
        var debt: Int
    }

    package static func run(_ child: ChildProcess) -> ProcessExit {
        let config = child.config, logger = child.logger, shared = child.shared
        let db = PostgresConnection(ConnectionInfo(url: config.databaseURL, password: child.databasePassword,
                                                   connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
                                                   applicationName: "convergence-rate-leaser"))
        defer { db.close() }
        let central = CentralBuckets(db: db), table = LeaseTable(region: shared), plan = LeasePlan()
        let hostID = "\(PipelineExecutor.hostName()):\(getpid())"
        var seen: [UInt64: Seen] = [:]
        var lastTick = MonotonicInstant.now(), lastBeat: MonotonicInstant?, lastPrune = MonotonicInstant.now()
        var outage = false
        child.notifyReady()
        logger.info("rate leaser started", ["host_id": .string(hostID)])

        while child.stopSignal(waitingMs: tickMs) == nil {
            let now = MonotonicInstant.now()
            let elapsed = max(0.001, Double(now.milliseconds(since: lastTick)) / 1000)
            lastTick = now
            do {
                if outage || lastBeat.map({ now.milliseconds(since: $0) >= Double(heartbeatMs) }) ?? true {
                    shared.storeCounter(ClusterRateGate.hostsCounter, UInt64(try central.heartbeat(hostID: hostID)))
                    lastBeat = now
                }
                if outage {
                    try chargeDebts(&seen, table: table, central: central, logger: logger)
                    outage = false
                    shared.storeCounter(ClusterRateGate.outageCounter, 0)
                    logger.info("cluster rate limit: PostgreSQL reachable again; leasing")
                }
                try tick(&seen, elapsed: elapsed, nowNs: UInt64(now.nanoseconds), table: table, central: central, plan: plan,
                         hosts: max(1, Int(shared.counter(ClusterRateGate.hostsCounter))))
                if now.milliseconds(since: lastPrune) >= Double(pruneMs) {
                    try central.pruneFull()
                    lastPrune = now
                }
            } catch {
                if !outage {
                    logger.warning("cluster rate limit: PostgreSQL unreachable; spending leased tokens, then deciding locally (\(config.rateLimitOutage.rawValue))",
                                   ["error": .string(String(describing: error))])
                }
                outage = true
                shared.storeCounter(ClusterRateGate.outageCounter, 1)
                db.close()
                // What the host admits meanwhile is charged on reconnect.
                for slot in table.slots() {
                    var entry = seen[slot.bucket] ?? Seen(spent: slot.spent, ratePerSecond: 0, debt: 0)
                    entry.debt += Int(slot.spent &- entry.spent)
                    entry.spent = slot.spent
                    seen[slot.bucket] = entry
                }
                if child.stopSignal(waitingMs: 1000) != nil { break }
            }
        }
        // Give back what this host holds: its leases would otherwise sit idle until they drain by time.
        let held = table.slots().compactMap { slot -> CentralBuckets.Request? in
            let tokens = table.drain(table.pointer(slot.index), bucket: slot.bucket)
            return tokens > 0 ? .init(bucket: slot.bucket, rule: slot.rule, tokens: Int(tokens)) : nil
        }
        try? central.giveBack(held)
        logger.info("rate leaser stopped", ["tokens_returned": .int(held.reduce(0) { $0 + $1.tokens })])
        return .clean
    }

    /// One pass: rates from the slots' spent counters, then one lease and one return statement.
    static func tick(_ seen: inout [UInt64: Seen], elapsed: Double, nowNs: UInt64, table: LeaseTable, central: CentralBuckets,
                     plan: LeasePlan, hosts: Int) throws(PostgresError) {
        var leases: [(slot: LeaseTable.Slot, request: CentralBuckets.Request)] = []
        var returns: [CentralBuckets.Request] = []
        var live: Set<UInt64> = []
        for slot in table.slots() {
            live.insert(slot.bucket)
            var entry = seen[slot.bucket] ?? Seen(spent: slot.spent, ratePerSecond: 0, debt: 0)
            let rate = Double(slot.spent &- entry.spent) / elapsed
            // Smoothed over about a second, so that one quiet tick does not shrink a busy key's lease.
            entry.ratePerSecond = entry.ratePerSecond == 0 ? rate : entry.ratePerSecond * 0.7 + rate * 0.3
            entry.spent = slot.spent
            seen[slot.bucket] = entry
            let idle = Double(nowNs &- min(nowNs, slot.lastUsedNs)) / 1e9
            if plan.shouldReturn(tokens: slot.tokens, idleSeconds: idle) {
                let tokens = table.drain(table.pointer(slot.index), bucket: slot.bucket)
                if tokens > 0 { returns.append(.init(bucket: slot.bucket, rule: slot.rule, tokens: Int(tokens))) }
            } else if plan.needsRefill(tokens: slot.tokens, ratePerSecond: entry.ratePerSecond, idleSeconds: idle),
                      table.pointer(slot.index).pointee.empty_until_ns <= nowNs {
                let want = plan.want(ratePerSecond: entry.ratePerSecond, rule: slot.rule, hosts: hosts)
                leases.append((slot, .init(bucket: slot.bucket, rule: slot.rule, tokens: want)))
            }
        }
        seen = seen.filter { live.contains($0.key) }
        try central.giveBack(returns)
        let grants = try central.lease(leases.map(\.request))
        var orphaned: [CentralBuckets.Request] = []
        for (lease, grant) in zip(leases, grants) {
            let pointer = table.pointer(lease.slot.index)
            ClusterRateGate.record(grant, in: pointer, rule: lease.slot.rule, nowNs: nowNs)
            if grant.granted > 0, !table.add(pointer, bucket: lease.slot.bucket, tokens: Int64(grant.granted)) {
                orphaned.append(.init(bucket: lease.slot.bucket, rule: lease.slot.rule, tokens: grant.granted))
            }
        }
        try central.giveBack(orphaned)
    }

    /// Charges what was admitted during the outage: leased and dropped, capped per key.
    static func chargeDebts(_ seen: inout [UInt64: Seen], table: LeaseTable, central: CentralBuckets, logger: Logger) throws(PostgresError) {
        let rules = Dictionary(table.slots().map { ($0.bucket, $0.rule) }) { first, _ in first }
        var charges: [CentralBuckets.Request] = []
        for (bucket, entry) in seen where entry.debt > 0 {
            guard let rule = rules[bucket] else { continue }
            charges.append(.init(bucket: bucket, rule: rule, tokens: LeasePlan.chargeable(debt: entry.debt, rule: rule)))
        }
        _ = try central.lease(charges)
        for bucket in seen.keys { seen[bucket]?.debt = 0 }
        if !charges.isEmpty { logger.info("cluster rate limit: outage consumption charged", ["keys": .int(charges.count)]) }
    }
}
