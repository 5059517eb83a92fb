import ConvergencePII

/// A policy's budget as checks meet it, prepared once per policy load: the rule, the policy
/// it belongs to, and the stable hash of everything that names its counters but the scope's
/// value. A class, so that a demand carries it with one retain.
public final class PreparedBudget: Sendable {
    public let rule: BudgetRule
    public let policyID: String
    public let version: Int
    public let versionTag: String
    public let mode: Policy.Mode
    let prefix: StableHash
    /// `warn_at` × `limit`, rounded up (nil: no warning).
    let warningLevel: Int64?
    // The rule's fields every check reads, held here so that a check never copies the rule.
    let scope: BudgetRule.Scope
    let countsTokens: Bool
    let limit: Int64

    init(_ rule: BudgetRule, policy: Policy) {
        (self.rule, policyID, version, versionTag, mode) = (rule, policy.id, policy.version, policy.versionTag, policy.mode)
        (scope, countsTokens, limit) = (rule.scope, rule.metric == .tokens, rule.limit)
        var hash = StableHash()
        hash.add(policy.id)
        hash.add(rule.identity)
        prefix = hash
        warningLevel = rule.warningLevel
    }
}

/// One budget a check meets: which counter and period it would spend from, and how much.
/// The engine names the demands and reads the outcomes; keeping the usage (shared memory,
/// PostgreSQL) is the caller's, so evaluation stays a pure function of its inputs.
public struct BudgetDemand: Sendable {
    public let budget: PreparedBudget
    /// The counter's id, the same on every host: a stable hash of the policy, the budget's
    /// scope, metric, period and zone, and the scope's value (the key, the department).
    public let counter: UInt64
    /// The period, Unix seconds [start, end).
    public let periodStart: Int64
    public let periodEnd: Int64
    public let amount: Int64

    public var limit: Int64 { budget.limit }

    /// Whether `used` (after this check) is at or past the budget's `warn_at`.
    public func warns(at used: Int64) -> Bool { budget.warningLevel.map { used >= $0 } ?? false }
}

/// What the usage keeper answered for one demand.
public struct BudgetOutcome: Sendable {
    public let demand: BudgetDemand
    /// The check's amount was added (it fitted within the limit).
    public let admitted: Bool
    /// The usage after this check when admitted, as found when refused.
    public let used: Int64
    /// Decided without the central store (cluster scope, PostgreSQL unreachable): by the outage mode.
    public let outage: Bool

    public init(demand: BudgetDemand, admitted: Bool, used: Int64, outage: Bool = false) {
        (self.demand, self.admitted, self.used, self.outage) = (demand, admitted, used, outage)
    }
}

extension RiskEngine {
    /// The budgets of the policies that apply to this check, with what it would spend from each.
    /// Reserve them, evaluate with the outcomes, and take the admitted ones back if the decision
    /// blocks (a blocked check spends nothing).
    public static func budgetDemands(_ request: CheckRequest, policies: PolicySet, at micros: Int64, caller: Caller) -> [BudgetDemand] {
        var demands: [BudgetDemand] = []
        budgetDemands(request, policies: policies, at: micros, caller: caller, into: &demands)
        return demands
    }

    /// The same into `demands` (emptied first, its storage kept): a worker thread reuses one array.
    public static func budgetDemands(_ request: CheckRequest, policies: PolicySet, at micros: Int64, caller: Caller,
                                     into demands: inout [BudgetDemand]) {
        demands.removeAll(keepingCapacity: true)
        guard policies.hasBudgets else { return }
        let set = policies.isConditional ? policies.applying(to: request, caller: caller, at: micros) : policies
        guard set.hasBudgets else { return }
        let seconds = micros.floorDiv(1_000_000)
        for budget in set.budgets {
            var hash = budget.prefix
            switch budget.scope {
            case .key: hash.add(caller.keyID)
            case .customer: break // the policy is the customer's own
            // The key's stored department only: a client naming a new department in its context must not
            // get a fresh budget. Keys without one share one budget.
            case .department: hash.add(caller.department ?? "")
            }
            let (start, end) = budget.rule.bounds(at: seconds)
            var amount: Int64 = 1
            if budget.countsTokens {
                amount = 0
                for i in request.operations.indices { amount += Int64(request.operations[i].tokens ?? 0) }
            }
            demands.append(BudgetDemand(budget: budget, counter: hash.value, periodStart: start, periodEnd: end, amount: amount))
        }
    }

    /// `decision` with the budgets' outcomes: a refused enforcing budget blocks, a refused
    /// monitoring one would have, and an admitted one past its `warn_at` adds a `budget_warning`.
    /// The usual case (every budget admitted, none at its warning) returns `d` as it is.
    static func applying(_ outcomes: [BudgetOutcome], to d: Decision) -> Decision {
        guard outcomes.contains(where: { !$0.admitted || $0.demand.warns(at: $0.used) }) else { return d }
        var violations = d.violations, reasons = d.reasons, wouldBlockBy = d.wouldBlockBy
        var refusedByEnforcing: Decision.Violation?
        var refusedByMonitor = false
        for outcome in outcomes {
            let budget = outcome.demand.budget, rule = budget.rule
            func what() -> String { "\(rule.scope.rawValue) budget of \(rule.limit) \(rule.metric.rawValue) per \(rule.period.rawValue)" }
            if !outcome.admitted {
                let detail = outcome.outage
                    ? "\(what()): the budget store is unreachable and this host's outage share is spent (rate_limit_outage)"
                    : "\(what()) reached: \(outcome.used) used, this check needs \(outcome.demand.amount)"
                let violation = Decision.Violation(policyID: budget.policyID, version: budget.version, rule: "budgets", detail: detail,
                                                   mode: budget.mode)
                violations.append(violation)
                if budget.mode == .enforce {
                    if refusedByEnforcing == nil { refusedByEnforcing = violation }
                } else {
                    refusedByMonitor = true
                    if !wouldBlockBy.contains(budget.versionTag) { wouldBlockBy.append(budget.versionTag) }
                }
            } else if outcome.demand.warns(at: outcome.used) {
                let percent = Int((Double(outcome.used) * 100 / Double(rule.limit)).rounded(.down))
                reasons.append(.init(factor: .budgetWarning, points: 0,
                                     detail: "\(what()) at \(percent) %: \(outcome.used) used (policy \(budget.policyID))"))
            }
        }
        let allowed = d.allowed && refusedByEnforcing == nil
        let wouldBlock = allowed && (d.wouldBlock || refusedByMonitor)
        return Decision(allowed: allowed, riskScore: d.riskScore, reason: d.allowed ? refusedByEnforcing.map(ruleSentence) ?? d.reason : d.reason,
                        reasons: reasons, violations: violations, wouldBlock: wouldBlock, policyVersions: d.policyVersions,
                        wouldBlockBy: wouldBlock ? wouldBlockBy : [])
    }
}

/// Budgets kept in memory, for a replay (`PolicyReplay`) and tests: the same reserve,
/// decide and refund as the request path, over checks fed in time order. Usage before
/// the first check fed is not known: every period starts from zero here.
public struct BudgetSimulation: Sendable {
    struct Key: Hashable {
        let counter: UInt64
        let periodStart: Int64
    }

    private var used: [Key: Int64] = [:]

    public init() {}

    /// Decides one check as `/v1/check` does, and keeps what it spent.
    public mutating func decide(_ request: CheckRequest, policies: PolicySet, pii: [PIIFinding], at micros: Int64,
                                caller: Caller) -> Decision {
        let demands = RiskEngine.budgetDemands(request, policies: policies, at: micros, caller: caller)
        guard !demands.isEmpty else { return RiskEngine.evaluate(request, policies: policies, pii: pii, at: micros, caller: caller) }
        var outcomes: [BudgetOutcome] = []
        for demand in demands {
            let key = Key(counter: demand.counter, periodStart: demand.periodStart)
            let before = used[key, default: 0]
            let fits = before < demand.limit && demand.amount <= demand.limit - before
            if fits { used[key] = before + demand.amount }
            outcomes.append(BudgetOutcome(demand: demand, admitted: fits, used: fits ? before + demand.amount : before))
        }
        let decision = RiskEngine.evaluate(request, policies: policies, pii: pii, at: micros, caller: caller, budgets: outcomes)
        if !decision.allowed {
            for outcome in outcomes where outcome.admitted {
                used[Key(counter: outcome.demand.counter, periodStart: outcome.demand.periodStart), default: 0] -= outcome.demand.amount
            }
        }
        return decision
    }
}
