import ConvergenceCore
import ConvergenceShared
import ConvergenceStore
import ConvergenceSupervisor
import Glibc

/// `convergence budget-keeper`: one per host. About once a second it adds what this
/// host's workers admitted against every budget counter to PostgreSQL's totals, in one
/// statement, and sets each counter's shared usage to the new total (plus what arrived
/// meanwhile), so usage admitted by other hosts reaches this one within a sync. It stops
/// after the workers, with a last sync: a `serve` restart loses no usage; a SIGKILL of
/// the whole service loses at most the last second's. While PostgreSQL is unreachable
/// the usage keeps counting here and is added at the first sync that reaches it.
///
/// In cluster scope its pass is one statement of leases instead: grants for counters in
/// use whose grants run low (two syncs of this host's demand), unspent grants of counters
/// idle for `BudgetLeasePlan.idleSeconds` given back, what an outage admitted charged,
/// and every counter in use read (how much is left: checks refuse locally on it). Its
/// last pass gives every grant back; a SIGKILL of the whole service strands the grants
/// it held, which then count as spent (the safe direction: under-admission).
package enum BudgetKeeper {
    static let syncMs = 1000
    static let pruneMs = 3_600_000
    /// Counters of a period that ended this long ago are freed (their total is in PostgreSQL).
    static let releaseAfterSeconds: Int64 = 60

    package static func run(_ child: ChildProcess) -> ProcessExit {
        let config = child.config, logger = child.logger, shared = child.shared
        let db = PostgresConnection(ConnectionInfo(url: config.databaseURL, password: child.databasePassword,
                                                   connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
                                                   applicationName: "convergence-budget-keeper"))
        defer { db.close() }
        let budgets = SharedBudgets(region: shared), store = BudgetUsageStore(db: db)
        let plan = BudgetLeasePlan(syncSeconds: Double(syncMs) / 1000)
        var lastPrune = MonotonicInstant.now(), lastPass = MonotonicInstant.now(), failing = false
        child.notifyReady()
        logger.info("budget keeper started", ["sync_ms": .int(syncMs)])
        func pass(final: Bool) {
            do {
                let now = MonotonicInstant.now()
                try sync(budgets, store, nowUnix: Int64(time(nil)))
                try syncLeased(budgets, store, plan: plan, nowNs: UInt64(now.nanoseconds), nowUnix: Int64(time(nil)),
                               passSeconds: max(0.05, now.milliseconds(since: lastPass) / 1000), final: final, returning: !failing)
                lastPass = now
                if failing { logger.info("budget keeper: PostgreSQL reachable again; usage synced") }
                failing = false
                if MonotonicInstant.now().milliseconds(since: lastPrune) >= Double(pruneMs) {
                    try store.prune(nowUnix: Int64(time(nil)))
                    lastPrune = .now()
                }
            } catch where error.sqlState == "55P03" {
                // A counter's row stayed locked past the lease function's lock timeout (another host's
                // sync): nothing changed; the next pass tries again. Not an outage.
                _ = shared.addCounter(BudgetLedger.syncFailuresCounter)
                logger.warning("budget keeper: sync refused (lock timeout); retrying at the next pass")
            } catch {
                _ = shared.addCounter(BudgetLedger.syncFailuresCounter)
                if !failing {
                    logger.warning("budget keeper: PostgreSQL unreachable; usage keeps counting on this host and is added when it is back",
                                   ["error": .string(String(describing: error))])
                }
                failing = true
                db.close()
            }
        }
        while child.stopSignal(waitingMs: syncMs) == nil { pass(final: false) }
        pass(final: true)
        logger.info("budget keeper stopped")
        return .clean
    }

    /// One sync of every counter in use; what could not be added is given back to its slot.
    static func sync(_ budgets: SharedBudgets, _ store: BudgetUsageStore, nowUnix: Int64) throws(PostgresError) {
        let entries = budgets.entries().filter { !$0.cluster }
        guard !entries.isEmpty else { return }
        var deltas: [BudgetUsageStore.Delta] = [], reading: [BudgetUsageStore.Key] = []
        var taken: [(entry: SharedBudgets.Entry, amount: Int64)] = []
        for entry in entries {
            let key = BudgetUsageStore.Key(counter: entry.counter, periodStart: entry.periodStart)
            let amount = budgets.takeUnsynced(entry)
            if amount != 0 {
                taken.append((entry, amount))
                deltas.append(.init(key: key, periodEnd: entry.periodEnd, amount: amount))
            } else {
                reading.append(key)
            }
        }
        let totals: [BudgetUsageStore.Key: Int64]
        do { totals = try store.add(deltas, reading: reading) } catch {
            for (entry, amount) in taken { budgets.giveBack(entry, amount: amount) }
            throw error
        }
        for entry in entries {
            // No row: nothing of this period was ever stored, by any host.
            budgets.setTotal(entry, total: totals[.init(counter: entry.counter, periodStart: entry.periodStart)] ?? 0)
            if entry.periodEnd + releaseAfterSeconds < nowUnix { _ = budgets.release(entry) }
        }
    }

    /// One cluster-scope pass over the counters this host leases for (see the type's comment);
    /// `passSeconds`: since the last pass (demand = spent / passSeconds). Outage admissions are
    /// read, charged, and settled only once the statement committed (workers keep measuring the
    /// outage share against them meanwhile). Grants to return are taken out of their slots first
    /// and not put back if the statement fails: whether it committed is unknown, and putting them
    /// back could spend them twice (stranded grants only under-admit). So they are returned only
    /// while the last pass reached PostgreSQL (`returning`), not through an outage.
    static func syncLeased(_ budgets: SharedBudgets, _ store: BudgetUsageStore, plan: BudgetLeasePlan, nowNs: UInt64, nowUnix: Int64,
                           passSeconds: Double, final: Bool, returning: Bool = true) throws(PostgresError) {
        let entries = budgets.entries().filter(\.cluster)
        guard !entries.isEmpty else { return }
        let hosts = max(1, Int(budgets.region.counter(ClusterRateGate.hostsCounter)))
        var leases: [BudgetUsageStore.Lease] = [], leased: [SharedBudgets.Entry] = []
        for entry in entries where entry.limit > 0 {
            let ended = entry.periodEnd <= nowUnix
            let idle = Double(nowNs &- min(nowNs, entry.lastUsedNs)) / 1e9
            let spent = budgets.takeUnsynced(entry)
            let slot = budgets.slot(entry)
            var lease = BudgetUsageStore.Lease(counter: entry.counter, periodStart: entry.periodStart, periodEnd: entry.periodEnd, limit: entry.limit)
            lease.charge = budgets.outsidePending(entry)
            if final || ended || plan.shouldReturn(left: entry.used, idleSeconds: idle) {
                if returning { lease.giveBack = budgets.drain(entry) }
            } else {
                lease.want = plan.refill(left: entry.used, demandPerSecond: Double(max(0, spent)) / passSeconds, idleSeconds: idle,
                                         limit: entry.limit, centralUsed: budgets.central(slot).used, hosts: hosts)
            }
            // A counter idle with nothing held and nothing owed needs no statement (its next check leases).
            if lease.charge == 0 && lease.giveBack == 0 && lease.want == 0 && (ended || idle >= plan.idleSeconds) {
                if ended, entry.periodEnd + releaseAfterSeconds < nowUnix { _ = budgets.release(entry) }
                continue
            }
            leases.append(lease)
            leased.append(entry)
        }
        let answers = try store.lease(leases)
        for (index, entry) in leased.enumerated() {
            let slot = budgets.slot(entry), answer = answers[index]
            // The new usage (charges included) first, then the charges settled: the outage share never
            // measures against neither.
            budgets.noteCentral(slot, used: answer.used, nowNs: nowNs)
            if leases[index].charge > 0 { budgets.outsideSettled(entry, amount: leases[index].charge) }
            // Taken over by another counter meanwhile: the grant stays charged (under-admission only).
            if answer.granted > 0 { budgets.grant(slot, amount: answer.granted) }
        }
    }
}
