import CConvergenceShm
import ConvergenceCore
import ConvergenceGovernance
import ConvergenceShared
import ConvergenceStore

/// The request path of policies' budgets: each demand is one CAS on the host's shared
/// usage (exact across workers), and a counter met for the first time since the region
/// was made (a `serve` restart, a new period on this host) first reads PostgreSQL's
/// total, so a restart does not reset a month's usage. If that read fails, the counter
/// starts from what this host admits and the budget keeper adds the stored total at its
/// next sync (a usage shortfall for at most that long, counted in
/// `convergence_budget_sync_failures_total`).
package struct BudgetLedger: Sendable {
    static let warningsCounter = Int32(CV_COUNTER_BUDGET_WARNINGS)
    static let refusalsCounter = Int32(CV_COUNTER_BUDGET_REFUSALS)
    static let syncFailuresCounter = Int32(CV_COUNTER_BUDGET_SYNC_FAILURES)
    /// The first read of a counter's total waits this long at most (then the keeper loads it).
    static let loadTimeoutMs = 250

    let budgets: SharedBudgets

    package init(region: SharedRegion) { budgets = SharedBudgets(region: region) }

    /// PostgreSQL's total for a demand's counter and period, read on the request's connection; nil when unreadable.
    static func storedTotal(_ demand: BudgetDemand, _ context: RequestContext) -> Int64? {
        do {
            return try BudgetUsageStore(db: context.database).total(
                .init(counter: demand.counter, periodStart: demand.periodStart), timeoutMs: loadTimeoutMs)
        } catch {
            context.logger.warning("budget usage unreadable; counting from this host's usage until the keeper's next sync",
                                   ["error": .string(String(describing: error))])
            return nil
        }
    }

    /// Reserves every demand; `storedTotal` is asked only for a counter this call claims (the first
    /// use since the region was made). `nowNs`: the request's monotonic time (for eviction order).
    /// Into `outcomes` (emptied first, its storage kept): a worker thread reuses one array.
    package func reserve(_ demands: [BudgetDemand], nowNs: UInt64, into outcomes: inout [BudgetOutcome],
                         storedTotal: (BudgetDemand) -> Int64?) {
        let region = budgets.region
        outcomes.removeAll(keepingCapacity: true)
        for demand in demands {
            var result = SharedBudgets.Reservation.lost
            // A slot lost to another counter between claim and reservation (a full set): claim again.
            for _ in 0..<3 where result == .lost {
                guard let slot = budgets.slot(counter: demand.counter, periodStart: demand.periodStart, periodEnd: demand.periodEnd,
                                              nowNs: nowNs) else { break }
                if slot.created {
                    if let total = storedTotal(demand) { budgets.load(slot, total: total) } else { _ = region.addCounter(Self.syncFailuresCounter) }
                }
                result = budgets.reserve(slot, amount: demand.amount, limit: demand.limit, nowNs: nowNs)
            }
            switch result {
            case .admitted(let used):
                outcomes.append(BudgetOutcome(demand: demand, admitted: true, used: used))
                if demand.warns(at: used) { _ = region.addCounter(Self.warningsCounter) }
            case .refused(let used):
                outcomes.append(BudgetOutcome(demand: demand, admitted: false, used: used))
                _ = region.addCounter(Self.refusalsCounter)
            case .lost:
                // The table kept losing the slot (thousands of counters in one set): refuse rather than count nothing.
                outcomes.append(BudgetOutcome(demand: demand, admitted: false, used: demand.limit))
                _ = region.addCounter(Self.refusalsCounter)
            }
        }
    }

    /// Takes back what `outcomes` admitted: the check was blocked after all (rare, so the slots are looked up again).
    package func refund(_ outcomes: [BudgetOutcome]) {
        for outcome in outcomes where outcome.admitted {
            guard let slot = budgets.existing(counter: outcome.demand.counter, periodStart: outcome.demand.periodStart) else { continue }
            budgets.refund(slot, amount: outcome.demand.amount)
        }
    }
}
