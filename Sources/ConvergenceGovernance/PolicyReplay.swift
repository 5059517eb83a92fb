import ConvergenceJSON
import ConvergencePII

/// A recorded check, as far as the audit trail keeps it: the operation summaries (type,
/// model, provider, tokens, records, class), which kinds of personal data and whether a
/// secret were found (never where or what), the key and its department, and the time.
public struct ReplayedCheck: Sendable {
    public let requestID: String
    public let createdAtMicros: Int64
    public let operations: [Operation]
    public let personalKinds: PIIKindSet
    public let secret: Bool
    public let caller: Caller

    public init(requestID: String, createdAtMicros: Int64, operations: [Operation], personalKinds: PIIKindSet, secret: Bool, caller: Caller) {
        self.requestID = requestID
        self.createdAtMicros = createdAtMicros
        self.operations = operations
        self.personalKinds = personalKinds
        self.secret = secret
        self.caller = caller
    }

    /// From a record's `operations` and `reasons` JSON. A `personal_data` reason without
    /// `kinds` (records written before kinds were kept) replays as every kind: a draft that
    /// narrows kinds then counts it, an overestimate rather than a miss. Nil when the
    /// operations are not a summary array.
    public init?(requestID: String, createdAtMicros: Int64, operationsJSON: String, reasonsJSON: String?, caller: Caller) {
        guard case .array(let items)? = try? JSONParser.parse(Array(operationsJSON.utf8)) else { return nil }
        var operations: [Operation] = []
        for item in items {
            guard case .object(let o) = item, case .string(let type)? = o["type"] else { return nil }
            func text(_ name: String) -> String? { if case .string(let s)? = o[name] { s } else { nil } }
            func int(_ name: String) -> Int? { if case .number(let n)? = o[name], n.rounded() == n, abs(n) < 1e15 { Int(n) } else { nil } }
            operations.append(Operation(type: type, model: text("model"), provider: text("provider"), tokens: int("tokens"),
                                        records: int("records"), dataClassification: text("data_classification")))
        }
        var kinds = PIIKindSet(), secret = false
        if let reasonsJSON, case .array(let reasons)? = try? JSONParser.parse(Array(reasonsJSON.utf8)) {
            for case .object(let reason) in reasons {
                guard case .string(let factor)? = reason["factor"] else { continue }
                if factor == RiskFactor.secret.rawValue { secret = true }
                guard factor == RiskFactor.personalData.rawValue else { continue }
                if case .array(let named)? = reason["kinds"] {
                    for case .string(let name) in named { if let kind = PIIKind(rawValue: name) { kinds.insert(kind) } }
                } else {
                    kinds.formUnion(.personalData)
                }
            }
        }
        self.init(requestID: requestID, createdAtMicros: createdAtMicros, operations: operations, personalKinds: kinds, secret: secret,
                  caller: caller)
    }

    var findings: [PIIFinding] {
        personalKinds.kinds.map { PIIFinding(path: "replayed", kind: $0) } + (secret ? [PIIFinding(path: "replayed", kind: .secret)] : [])
    }
}

/// What a draft policy would have done to recorded checks, next to what the policies in
/// force now do to the same checks (pure: the route reads the records). Both sides are
/// evaluated at each record's own time, so time windows replay as they would have applied.
public enum PolicyReplay {
    public struct Tally: Sendable, Equatable {
        public var allowed = 0
        public var blocked = 0
        public var wouldBlock = 0
    }

    public struct RuleCount: Sendable, Equatable {
        public let policyID: String
        public let rule: String
        public let mode: Policy.Mode
        public var checks: Int
    }

    public struct Change: Sendable, Equatable {
        public let requestID: String
        public let createdAtMicros: Int64
        public let currentAllowed: Bool
        public let draftAllowed: Bool
        /// The rules the draft side violated (policy:rule).
        public let rules: [String]
    }

    public struct Summary: Sendable, Equatable {
        public var replayed = 0
        public var current = Tally()
        public var draft = Tally()
        public var newlyBlocked = 0
        public var newlyAllowed = 0
        /// Violations on the draft side, by policy and rule, most checks first.
        public var byRule: [RuleCount] = []
        /// The newest checks whose outcome the draft changes, newest first: of either kind, then per transition.
        public var changes: [Change] = []
        public var newlyBlockedExamples: [Change] = []
        public var newlyAllowedExamples: [Change] = []
        /// The times of the oldest and newest check replayed (Unix µs; nil when none was).
        public var oldestMicros: Int64?
        public var newestMicros: Int64?
    }

    public static let maxChanges = 20

    /// `checks` newest first (as the audit trail is read).
    public static func run(_ checks: [ReplayedCheck], current: PolicySet, draft: PolicySet) -> Summary {
        var run = Run(current: current, draft: draft)
        for check in checks.reversed() { run.add(check) }
        return run.summary
    }

    /// A replay fed one check at a time, oldest first — as the checks happened, because budgets
    /// spend in that order — so that the route can stream a long window without holding it.
    public struct Run: Sendable {
        let current: PolicySet
        let draft: PolicySet
        var currentBudgets = BudgetSimulation(), draftBudgets = BudgetSimulation()
        var counts: [String: RuleCount] = [:]
        var partial = Summary()

        public init(current: PolicySet, draft: PolicySet) {
            self.current = current
            self.draft = draft
        }

        public mutating func add(_ check: ReplayedCheck) {
            let request = CheckRequest(operations: check.operations)
            let findings = check.findings
            let now = currentBudgets.decide(request, policies: current, pii: findings, at: check.createdAtMicros, caller: check.caller)
            let then = draftBudgets.decide(request, policies: draft, pii: findings, at: check.createdAtMicros, caller: check.caller)
            partial.replayed += 1
            partial.oldestMicros = partial.oldestMicros ?? check.createdAtMicros
            partial.newestMicros = check.createdAtMicros
            Self.tally(now, into: &partial.current)
            Self.tally(then, into: &partial.draft)
            var seen = Set<String>()
            for v in then.violations where seen.insert("\(v.policyID)\u{1F}\(v.rule)").inserted {
                counts["\(v.policyID)\u{1F}\(v.rule)", default: RuleCount(policyID: v.policyID, rule: v.rule, mode: v.mode, checks: 0)].checks += 1
            }
            guard now.allowed != then.allowed else { return }
            let change = Change(requestID: check.requestID, createdAtMicros: check.createdAtMicros, currentAllowed: now.allowed,
                                draftAllowed: then.allowed, rules: then.violations.map { "\($0.policyID):\($0.rule)" })
            // The newest are the ones reported: keep the last ones seen.
            func keep(_ change: Change, in list: inout [Change]) {
                if list.count == maxChanges { list.removeFirst() }
                list.append(change)
            }
            keep(change, in: &partial.changes)
            if now.allowed {
                partial.newlyBlocked += 1
                keep(change, in: &partial.newlyBlockedExamples)
            } else {
                partial.newlyAllowed += 1
                keep(change, in: &partial.newlyAllowedExamples)
            }
        }

        static func tally(_ d: Decision, into t: inout Tally) {
            if d.allowed { t.allowed += 1 } else { t.blocked += 1 }
            if d.wouldBlock { t.wouldBlock += 1 }
        }

        /// What was replayed so far.
        public var summary: Summary {
            var out = partial
            out.byRule = counts.values.sorted { ($0.checks, $1.policyID, $1.rule) > ($1.checks, $0.policyID, $0.rule) }
            out.changes.reverse()
            out.newlyBlockedExamples.reverse()
            out.newlyAllowedExamples.reverse()
            return out
        }
    }
}
