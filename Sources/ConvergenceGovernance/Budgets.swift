import ConvergencePII

/// One budget a check meets: which counter and period it would spend from, and how much.
/// The engine names the demands and reads the outcomes; keeping the usage (shared memory,
/// PostgreSQL) is the caller's, so evaluation stays a pure function of its inputs.
public struct BudgetDemand: Sendable {
    public let policyID: String
    public let version: Int
    public let versionTag: String
    public let mode: Policy.Mode
    public let rule: BudgetRule
    /// The counter's id, the same on every host: a stable hash of the policy, the budget's
    /// scope, metric, period and zone, and the scope's value (the key, the department).
    public let counter: UInt64
    /// The period, Unix seconds [start, end).
    public let periodStart: Int64
    public let periodEnd: Int64
    public let amount: Int64

    public init(policyID: String, version: Int, versionTag: String, mode: Policy.Mode, rule: BudgetRule, counter: UInt64,
                periodStart: Int64, periodEnd: Int64, amount: Int64) {
        (self.policyID, self.version, self.versionTag, self.mode, self.rule) = (policyID, version, versionTag, mode, rule)
        (self.counter, self.periodStart, self.periodEnd, self.amount) = (counter, periodStart, periodEnd, amount)
    }
}

/// What the usage keeper answered for one demand.
public struct BudgetOutcome: Sendable {
    public let demand: BudgetDemand
    /// The check's amount was added (it fitted within the limit).
    public let admitted: Bool
    /// The usage after this check when admitted, as found when refused.
    public let used: Int64

    public init(demand: BudgetDemand, admitted: Bool, used: Int64) {
        (self.demand, self.admitted, self.used) = (demand, admitted, used)
    }
}

extension PolicySet {
    /// A policy's budget with the stable hash of everything but the scope's value.
    struct PreparedBudget: Sendable {
        let rule: BudgetRule
        let prefix: StableHash

        init(_ rule: BudgetRule, policyID: String) {
            self.rule = rule
            var hash = StableHash()
            hash.add(policyID)
            hash.add(rule.identity)
            prefix = hash
        }
    }
}

extension RiskEngine {
    private static let noDemands: [BudgetDemand] = []

    /// The budgets of the policies that apply to this check, with what it would spend from each.
    /// Reserve them, evaluate with the outcomes, and take the admitted ones back if the decision
    /// blocks (a blocked check spends nothing).
    public static func budgetDemands(_ request: CheckRequest, policies: PolicySet, at micros: Int64, caller: Caller) -> [BudgetDemand] {
        guard policies.hasBudgets else { return noDemands }
        let set = policies.isConditional ? policies.applying(to: request, caller: caller, at: micros) : policies
        let seconds = micros.floorDiv(1_000_000)
        var demands: [BudgetDemand] = []
        for rules in set.rules {
            for budget in rules.budgets {
                let policy = set.policies[rules.policy]
                var hash = budget.prefix
                switch budget.rule.scope {
                case .key: hash.add(caller.keyID)
                case .customer: break // the policy is the customer's own
                // The key's stored department only: a client naming a new department in its context must not
                // get a fresh budget. Keys without one share one budget.
                case .department: hash.add(caller.department ?? "")
                }
                let (start, end) = budget.rule.bounds(at: seconds)
                demands.append(BudgetDemand(policyID: policy.id, version: policy.version, versionTag: policy.versionTag, mode: policy.mode,
                                            rule: budget.rule, counter: hash.value, periodStart: start, periodEnd: end,
                                            amount: budget.rule.amount(request)))
            }
        }
        return demands
    }

    /// `decision` with the budgets' outcomes: a refused enforcing budget blocks, a refused
    /// monitoring one would have, and an admitted one past its `warn_at` adds a `budget_warning`.
    static func applying(_ outcomes: [BudgetOutcome], to d: Decision) -> Decision {
        var violations = d.violations, reasons = d.reasons, wouldBlockBy = d.wouldBlockBy
        var refusedByEnforcing: Decision.Violation?
        var refusedByMonitor = false
        for outcome in outcomes {
            let budget = outcome.demand.rule
            let what = "\(budget.scope.rawValue) budget of \(budget.limit) \(budget.metric.rawValue) per \(budget.period.rawValue)"
            if !outcome.admitted {
                let violation = Decision.Violation(
                    policyID: outcome.demand.policyID, version: outcome.demand.version, rule: "budgets",
                    detail: "\(what) reached: \(outcome.used) used, this check needs \(outcome.demand.amount)", mode: outcome.demand.mode)
                violations.append(violation)
                if outcome.demand.mode == .enforce {
                    if refusedByEnforcing == nil { refusedByEnforcing = violation }
                } else {
                    refusedByMonitor = true
                    if !wouldBlockBy.contains(outcome.demand.versionTag) { wouldBlockBy.append(outcome.demand.versionTag) }
                }
            } else if let level = budget.warningLevel, outcome.used >= level {
                let percent = Int((Double(outcome.used) * 100 / Double(budget.limit)).rounded(.down))
                reasons.append(.init(factor: .budgetWarning, points: 0,
                                     detail: "\(what) at \(percent) %: \(outcome.used) used (policy \(outcome.demand.policyID))"))
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
            let fits = before < demand.rule.limit && demand.amount <= demand.rule.limit - before
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
