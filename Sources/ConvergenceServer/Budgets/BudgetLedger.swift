import CConvergenceShm
import ConvergenceCore
import ConvergenceGovernance
import ConvergenceShared
import ConvergenceStore

/// What the ledger asks PostgreSQL on the request path: a counter's stored total (host
/// scope, first use) and a grant (cluster scope, when the host holds too little). The
/// check route answers on the request's connection; tests and the benchmark pass their own.
package protocol BudgetCentral {
    /// PostgreSQL's total for the demand's counter and period; nil when unreadable.
    func storedTotal(_ demand: BudgetDemand) -> Int64?
    /// A grant of up to `want` charged centrally when at least `need` is left (else 0 granted).
    func lease(_ demand: BudgetDemand, want: Int64, need: Int64) -> BudgetGrant
}

package enum BudgetGrant: Equatable, Sendable {
    /// `used`: the counter's central usage after the grant (every host's grants).
    case granted(Int64, used: Int64)
    /// PostgreSQL unreachable: the host decides by its outage mode until the next good sync.
    case unreachable
    /// Slow or contended past the deadline: this check is decided by the outage mode.
    case failed
}

/// The request path of policies' budgets: each demand is one CAS on the host's shared
/// slot (exact across workers).
///
/// Host scope: the slot holds the usage. A counter met for the first time since the
/// region was made (a `serve` restart, a new period on this host) first reads
/// PostgreSQL's total, so a restart does not reset a month's usage. If that read fails,
/// the counter starts from what this host admits and the budget keeper adds the stored
/// total at its next sync (a usage shortfall for at most that long, counted in
/// `convergence_budget_sync_failures_total`).
///
/// Cluster scope: the slot holds grants leased from PostgreSQL, which charges them when
/// it hands them out and never past the limit, so the fleet admits at most the limit. A
/// host short of grants leases on the request path (one short statement; the keeper's
/// refills keep a busy counter from needing it); PostgreSQL unreachable, the outage mode
/// decides (`BudgetLeasePlan.outageAllowance`).
package struct BudgetLedger: Sendable {
    static let warningsCounter = Int32(CV_COUNTER_BUDGET_WARNINGS)
    static let refusalsCounter = Int32(CV_COUNTER_BUDGET_REFUSALS)
    static let syncFailuresCounter = Int32(CV_COUNTER_BUDGET_SYNC_FAILURES)
    static let leasesCounter = Int32(CV_COUNTER_BUDGET_LEASES)
    /// The first read of a counter's total waits this long at most (then the keeper loads it).
    static let loadTimeoutMs = 250

    let budgets: SharedBudgets
    /// Cluster scope: how grants are sized, and what decides while PostgreSQL is unreachable.
    let cluster: (plan: BudgetLeasePlan, outage: RateLimitOutageMode)?

    package init(region: SharedRegion, cluster: (plan: BudgetLeasePlan, outage: RateLimitOutageMode)? = nil) {
        budgets = SharedBudgets(region: region)
        self.cluster = cluster
    }

    /// As `config` says (rate_limit_scope and rate_limit_outage).
    package init(region: SharedRegion, config: Config) {
        self.init(region: region, cluster: config.rateLimitScope == .cluster
                  ? (BudgetLeasePlan(syncSeconds: Double(BudgetKeeper.syncMs) / 1000), config.rateLimitOutage) : nil)
    }

    /// Reserves every demand. `nowNs`: the request's monotonic time (eviction order, reading ages).
    /// Into `outcomes` (emptied first, its storage kept): a worker thread reuses one array.
    package func reserve<Central: BudgetCentral>(_ demands: [BudgetDemand], nowNs: UInt64, into outcomes: inout [BudgetOutcome],
                                                 central: Central) {
        let region = budgets.region
        outcomes.removeAll(keepingCapacity: true)
        for demand in demands {
            let outcome = cluster.map { reserveLeased(demand, nowNs: nowNs, central: central, plan: $0.plan, outage: $0.outage) }
                ?? reserveCounted(demand, nowNs: nowNs, central: central)
            outcomes.append(outcome)
            if !outcome.admitted {
                _ = region.addCounter(Self.refusalsCounter)
            } else if demand.warns(at: outcome.used) {
                _ = region.addCounter(Self.warningsCounter)
            }
        }
    }

    /// Host scope: the usage itself is in the slot.
    private func reserveCounted<Central: BudgetCentral>(_ demand: BudgetDemand, nowNs: UInt64, central: Central) -> BudgetOutcome {
        var result = SharedBudgets.Reservation.lost
        // A slot lost to another counter between claim and reservation (a full set): claim again.
        for _ in 0..<3 where result == .lost {
            guard let slot = budgets.slot(counter: demand.counter, periodStart: demand.periodStart, periodEnd: demand.periodEnd,
                                          nowNs: nowNs) else { break }
            if slot.created {
                if let total = central.storedTotal(demand) { budgets.load(slot, total: total) } else {
                    _ = budgets.region.addCounter(Self.syncFailuresCounter)
                }
            }
            result = budgets.reserve(slot, amount: demand.amount, limit: demand.limit, nowNs: nowNs)
        }
        switch result {
        case .admitted(let used): return BudgetOutcome(demand: demand, admitted: true, used: used)
        case .refused(let used): return BudgetOutcome(demand: demand, admitted: false, used: used)
        // The table kept losing the slot (thousands of counters in one set): refuse rather than count nothing.
        case .lost: return BudgetOutcome(demand: demand, admitted: false, used: demand.limit)
        }
    }

    /// Cluster scope: spend this host's grants, leasing more when they fall short.
    private func reserveLeased<Central: BudgetCentral>(_ demand: BudgetDemand, nowNs: UInt64, central: Central, plan: BudgetLeasePlan,
                                                       outage: RateLimitOutageMode) -> BudgetOutcome {
        let region = budgets.region
        guard let slot = budgets.slot(counter: demand.counter, periodStart: demand.periodStart, periodEnd: demand.periodEnd, cluster: true,
                                      nowNs: nowNs) else { return BudgetOutcome(demand: demand, admitted: false, used: demand.limit) }
        budgets.noteLimit(slot, demand.limit)
        func usage(left: Int64) -> Int64 { BudgetLeasePlan.usage(centralUsed: budgets.central(slot).used, left: left, limit: demand.limit) }
        var leased = false
        while true {
            let need: Int64
            switch budgets.spend(slot, amount: demand.amount, nowNs: nowNs) {
            case .spent(let left): return BudgetOutcome(demand: demand, admitted: true, used: usage(left: left))
            case .lost: return BudgetOutcome(demand: demand, admitted: false, used: demand.limit)
            case .short(let left):
                // Leased once already and still short: other checks took it meanwhile.
                if leased { return BudgetOutcome(demand: demand, admitted: false, used: usage(left: left)) }
                need = demand.amount - left
            }
            // In an outage, or after one until the keeper has charged what it admitted here: a grant leased
            // before that charge would hand out again what the outage already admitted.
            if region.counter(ClusterRateGate.outageCounter) != 0 || budgets.outsidePending(slot) > 0 {
                return decideOffline(demand, slot, outage: outage)
            }
            let reading = budgets.central(slot)
            let age = reading.readNs == 0 ? nil : Double(nowNs &- min(nowNs, reading.readNs)) / 1e9
            if plan.refusesLocally(need: need, limit: demand.limit, centralUsed: reading.used, readSecondsAgo: age) {
                return BudgetOutcome(demand: demand, admitted: false, used: usage(left: demand.amount - need))
            }
            let hosts = max(1, Int(region.counter(ClusterRateGate.hostsCounter)))
            let want = plan.requestWant(need: need, amount: demand.amount, limit: demand.limit, centralUsed: reading.used, hosts: hosts)
            _ = region.addCounter(Self.leasesCounter)
            switch central.lease(demand, want: want, need: need) {
            case .granted(let granted, let used):
                budgets.noteCentral(slot, used: used, nowNs: nowNs)
                guard granted > 0 else { return BudgetOutcome(demand: demand, admitted: false, used: usage(left: demand.amount - need)) }
                // Taken over by another counter meanwhile (a full set): the grant stays charged until the period
                // ends, an under-admission only.
                guard budgets.grant(slot, amount: granted) else { return BudgetOutcome(demand: demand, admitted: false, used: demand.limit) }
                leased = true
            case .unreachable:
                // The whole host decides by its outage mode until the leaser or the keeper reaches PostgreSQL again.
                region.storeCounter(ClusterRateGate.outageCounter, 1)
                return decideOffline(demand, slot, outage: outage)
            case .failed:
                // Slow or contended (PostgreSQL is up): this check is decided by the outage mode, as a rate
                // limit's is, and what that admits is charged at the keeper's next pass.
                _ = region.addCounter(ClusterRateGate.leaseFailuresCounter)
                return decideOffline(demand, slot, outage: outage)
            }
        }
    }

    /// PostgreSQL unreachable (or too slow) and the grants spent: the configured outage mode decides,
    /// and what it admits is charged at the keeper's next sync.
    private func decideOffline(_ demand: BudgetDemand, _ slot: SharedBudgets.Slot, outage: RateLimitOutageMode) -> BudgetOutcome {
        let reading = budgets.central(slot)
        let used = BudgetLeasePlan.usage(centralUsed: reading.used, left: 0, limit: demand.limit)
        switch outage {
        case .closed:
            return BudgetOutcome(demand: demand, admitted: false, used: used, outage: true)
        case .open:
            _ = budgets.admitOutside(slot, amount: demand.amount, allowance: .max - demand.amount)
            return BudgetOutcome(demand: demand, admitted: true, used: used, outage: true)
        case .share:
            let hosts = max(1, Int(budgets.region.counter(ClusterRateGate.hostsCounter)))
            let allowance = BudgetLeasePlan.outageAllowance(limit: demand.limit, centralUsed: reading.used, hosts: hosts)
            let admitted = budgets.admitOutside(slot, amount: demand.amount, allowance: allowance)
            return BudgetOutcome(demand: demand, admitted: admitted, used: used, outage: true)
        }
    }

    /// Takes back what `outcomes` admitted: the check was blocked after all (rare, so the slots are looked up again).
    package func refund(_ outcomes: [BudgetOutcome]) {
        for outcome in outcomes where outcome.admitted {
            let demand = outcome.demand
            guard let slot = budgets.existing(counter: demand.counter, periodStart: demand.periodStart, cluster: cluster != nil) else { continue }
            if cluster == nil {
                budgets.refund(slot, amount: demand.amount)
            } else if outcome.outage {
                budgets.refundOutside(slot, amount: demand.amount)
            } else {
                budgets.grant(slot, amount: 0, refund: demand.amount)
            }
        }
    }
}

/// The check route's answers: PostgreSQL on the request's connection, within short deadlines.
struct RequestBudgetCentral: BudgetCentral {
    let context: RequestContext

    func storedTotal(_ demand: BudgetDemand) -> Int64? {
        do {
            return try BudgetUsageStore(db: context.database).total(
                .init(counter: demand.counter, periodStart: demand.periodStart), timeoutMs: BudgetLedger.loadTimeoutMs)
        } catch {
            context.logger.warning("budget usage unreadable; counting from this host's usage until the keeper's next sync",
                                   ["error": .string(String(describing: error))])
            return nil
        }
    }

    func lease(_ demand: BudgetDemand, want: Int64, need: Int64) -> BudgetGrant {
        do {
            let (granted, used) = try BudgetUsageStore(db: context.database).lease(
                .init(demand: demand, want: want, need: need), timeoutMs: BudgetLeasePlan().syncLeaseTimeoutMs)
            return .granted(granted, used: used)
        } catch where error.isConnectionFailure {
            context.logger.warning("cluster budgets: PostgreSQL unreachable; deciding locally", ["error": .string(String(describing: error))])
            return .unreachable
        } catch {
            // Slow (past the deadline) or contended past the lock timeout: counted, not logged (frequent under load).
            return .failed
        }
    }
}
