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
        var lastPrune = MonotonicInstant.now(), failing = false
        child.notifyReady()
        logger.info("budget keeper started", ["sync_ms": .int(syncMs)])
        func pass() {
            do {
                try sync(budgets, store, nowUnix: Int64(time(nil)))
                if failing { logger.info("budget keeper: PostgreSQL reachable again; usage synced") }
                failing = false
                if MonotonicInstant.now().milliseconds(since: lastPrune) >= Double(pruneMs) {
                    try store.prune(nowUnix: Int64(time(nil)))
                    lastPrune = .now()
                }
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
        while child.stopSignal(waitingMs: syncMs) == nil { pass() }
        pass()
        logger.info("budget keeper stopped")
        return .clean
    }

    /// One sync of every counter in use; what could not be added is given back to its slot.
    static func sync(_ budgets: SharedBudgets, _ store: BudgetUsageStore, nowUnix: Int64) throws(PostgresError) {
        let entries = budgets.entries()
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
}
