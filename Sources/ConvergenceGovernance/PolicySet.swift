import ConvergencePII
import Synchronization

/// A customer's active policies, prepared once when they are loaded (workers
/// cache this per customer): the strictest limits over the enforcing policies
/// and over all of them, and the version tags every decision reports. A class:
/// it is passed around on every check, and a copy is then one retain.
public final class PolicySet: Sendable {
    public let policies: [Policy]
    /// `policy_id:version` of each policy, in order.
    public let versionTags: [String]
    /// Each policy's rules as a check meets them, in policy order.
    let rules: [Rules]
    let enforced: Scope
    let all: Scope
    let hasMonitor: Bool

    public init(_ policies: [Policy]) {
        self.policies = policies
        versionTags = policies.map(\.versionTag)
        rules = policies.indices.map { Rules(policies[$0], index: $0) }
        let enforcing = policies.filter { $0.mode == .enforce }
        let enforcingRules = rules.filter { $0.mode == .enforce }
        enforced = Scope(monitorIncluded: false, limits: Limits(enforcing),
                         approvedModels: Scope.patterns(enforcingRules.map { $0.allowedModels ?? [] }),
                         deniedModels: Scope.patterns(enforcingRules.map(\.deniedModels)), personalKinds: Scope.personalKinds(of: enforcing))
        all = Scope(monitorIncluded: true, limits: Limits(policies), approvedModels: Scope.patterns(rules.map { $0.allowedModels ?? [] }),
                    deniedModels: Scope.patterns(rules.map(\.deniedModels)), personalKinds: Scope.personalKinds(of: policies))
        hasMonitor = policies.contains { $0.mode == .monitor }
        conditions = policies.indices.compactMap { i in
            let (window, scope) = (policies[i].rules.window, policies[i].rules.scope)
            return window.isAlways && scope.isEveryone ? nil : Condition(index: i, window: window, scope: scope)
        }
        isConditional = !conditions.isEmpty
        readsDepartment = conditions.contains { $0.scope.departments != nil }
        fullMask = policies.count >= 64 ? ~0 : (1 << UInt64(policies.count)) - 1
        unconditionalMask = policies.count > 64 ? 0 : conditions.reduce(fullMask) { $0 & ~(1 << UInt64($1.index)) }
        budgets = policies.flatMap { policy in (policy.rules.budgets ?? []).map { PreparedBudget($0, policy: policy) } }
        hasBudgets = !budgets.isEmpty
    }

    /// Every policy's budgets, in policy order (what a check reserves).
    let budgets: [PreparedBudget]

    /// Whether some policy keeps a budget (checks then reserve usage).
    public let hasBudgets: Bool

    /// Whether some policy is in effect only at times (`not_before`, `not_after`, `active`)
    /// or only for some checks (`applies_to`).
    let isConditional: Bool

    /// The policies that apply to `request`, sent by `caller`, at `micros`. The applying
    /// subset is one of few (a customer's windows and scopes combine into a handful), so each
    /// subset is prepared once and kept: a check pays for the filter, not for a new set.
    func applying(to request: CheckRequest, caller: Caller, at micros: Int64) -> PolicySet {
        // The department is read from the context only when some scope lists departments.
        let department = readsDepartment ? caller.department(of: request) : nil
        func applies(_ condition: Condition) -> Bool {
            condition.window.contains(micros)
                && condition.scope.includes(keyID: caller.keyID, department: department, operations: request.operations)
        }
        guard policies.count <= 64 else {
            let excluded = Set(conditions.filter { !applies($0) }.map(\.index))
            return PolicySet(policies.indices.filter { !excluded.contains($0) }.map { policies[$0] })
        }
        // Only the conditional policies are visited: the others always apply.
        var mask = unconditionalMask
        for k in conditions.indices where applies(conditions[k]) { mask |= 1 << UInt64(conditions[k].index) }
        if mask == fullMask { return self }
        if let known = subsets.withLock({ $0[mask] }) { return known }
        let subset = PolicySet(policies.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { policies[$0] })
        subsets.withLock { known in
            if known.count >= PolicySet.subsetCapacity { known.removeAll() } // bounded: 64 policies have 2^64 subsets
            known[mask] = subset
        }
        return subset
    }

    /// A policy in effect only at times or for some checks, with what decides it. A class:
    /// copying the structs out of the array retained each of their arrays, on every check.
    final class Condition: Sendable {
        let index: Int
        let window: PolicyWindow
        let scope: PolicyScope

        init(index: Int, window: PolicyWindow, scope: PolicyScope) {
            self.index = index
            self.window = window
            self.scope = scope
        }
    }
    /// The policies with a window or a scope, in policy order.
    let conditions: [Condition]
    /// The policies without (bit i: policy i; 0 beyond 64 policies).
    let unconditionalMask: UInt64
    /// Every policy's bit.
    let fullMask: UInt64
    /// Whether some scope lists departments (only then is `context.department` read).
    let readsDepartment: Bool

    /// Prepared subsets by the bit mask of their policies (`applying`).
    private let subsets = Mutex<[UInt64: PolicySet]>([:])
    static let subsetCapacity = 64

    /// A policy's rules without its text: what each check is matched against. A class, so
    /// that walking a set's rules on every check is one retain each, not one per member.
    final class Rules: Sendable {
        let policy: Int
        let mode: Policy.Mode
        let blockPersonalData: Bool
        /// The personal-data kinds `block_personal_data` refuses.
        let personalKinds: PIIKindSet
        /// Kinds `personal_data_actions` blocks whatever `block_personal_data` says.
        let blockedKinds: PIIKindSet
        let classifications: [(name: String, rule: ClassificationRule)]
        let blockSecrets: Bool
        let allowedModels: [ModelPattern]?
        let deniedModels: [ModelPattern]
        let modelLimits: [ModelLimit]
        let maxTokens: Int?
        let maxExternalCalls: Int?

        init(_ policy: Policy, index: Int) {
            self.policy = index
            mode = policy.mode
            blockPersonalData = policy.rules.blockPersonalData == true
            personalKinds = policy.rules.effectivePersonalKinds
            blockedKinds = PIIKindSet((policy.rules.personalDataActions ?? [:]).filter { $0.value == .block }.map(\.key))
            classifications = policy.rules.classifications ?? []
            blockSecrets = policy.rules.blockSecrets ?? blockPersonalData
            allowedModels = policy.rules.allowedModels?.map(ModelPattern.init)
            deniedModels = policy.rules.deniedModels?.map(ModelPattern.init) ?? []
            modelLimits = policy.rules.models ?? []
            maxTokens = policy.rules.maxTokens
            maxExternalCalls = policy.rules.maxExternalCalls
        }
    }

    /// Which policies an assessment applies: the enforcing ones, or all of them (monitor mode's "what if").
    /// A class: an assessment receives one per check, and a struct copy retained each of its arrays.
    final class Scope: Sendable {
        let monitorIncluded: Bool
        let limits: Limits
        /// Models some applied policy lists in `allowed_models`: an external call to one of them is
        /// approved, unless an applied policy denies it (deny wins).
        let approvedModels: [ModelPattern]
        let deniedModels: [ModelPattern]
        /// The kinds the `personal_data` factor counts. Strictest wins: the union of the
        /// policies' kinds (`personal_data_kinds` less the kinds `personal_data_actions`
        /// allows), every kind when none applies.
        let personalKinds: PIIKindSet

        init(monitorIncluded: Bool, limits: Limits, approvedModels: [ModelPattern], deniedModels: [ModelPattern], personalKinds: PIIKindSet) {
            self.monitorIncluded = monitorIncluded
            self.limits = limits
            self.approvedModels = approvedModels
            self.deniedModels = deniedModels
            self.personalKinds = personalKinds
        }

        static func personalKinds(of policies: [Policy]) -> PIIKindSet {
            var kinds = PIIKindSet()
            for policy in policies { kinds.formUnion(policy.rules.effectivePersonalKinds) }
            return policies.isEmpty ? .personalData : kinds
        }

        func includes(_ mode: Policy.Mode) -> Bool { monitorIncluded || mode == .enforce }

        func approves(_ model: String) -> Bool {
            ModelPattern.any(approvedModels, match: model, caseInsensitive: false)
                && !ModelPattern.any(deniedModels, match: model, caseInsensitive: true)
        }

        /// The policies' patterns, each text once (the patterns the policies' `Rules` already built).
        static func patterns(_ lists: [[ModelPattern]]) -> [ModelPattern] {
            var seen: [ModelPattern] = []
            for list in lists { for pattern in list where !seen.contains(where: { $0.text == pattern.text }) { seen.append(pattern) } }
            return seen
        }
    }

    /// Strictest wins: the lowest thresholds, the highest weight per factor (a
    /// factor no policy weighs keeps its default points).
    struct Limits: Sendable {
        var threshold = Int.max
        var largeTokens = Int.max
        var largeRecords = Int.max
        /// Indexed by `RiskFactor.allCases`; -1 where no policy sets a weight.
        var weights = [Int](repeating: -1, count: RiskFactor.allCases.count)

        init(_ policies: [Policy]) {
            for policy in policies {
                let rules = policy.rules
                if let t = rules.blockThreshold { threshold = min(threshold, t) }
                if let t = rules.largeDatasetTokens { largeTokens = min(largeTokens, t) }
                if let r = rules.largeDatasetRecords { largeRecords = min(largeRecords, r) }
                for (factor, points) in rules.riskWeights { weights[factor.index] = max(weights[factor.index], points) }
            }
            if threshold == .max { threshold = RiskEngine.defaultBlockThreshold }
            if largeTokens == .max { largeTokens = RiskEngine.defaultLargeDatasetTokens }
            if largeRecords == .max { largeRecords = RiskEngine.defaultLargeDatasetRecords }
        }

        func points(_ factor: RiskFactor) -> Int {
            let set = weights[factor.index]
            return set >= 0 ? set : factor.defaultPoints
        }
    }
}

extension RiskFactor {
    var index: Int {
        switch self {
        case .personalData: 0
        case .secret: 1
        case .externalModel: 2
        case .largeDataset: 3
        case .unknownOperation: 4
        case .budgetWarning: 5
        }
    }
}
