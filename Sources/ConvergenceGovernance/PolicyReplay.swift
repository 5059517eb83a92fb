import ConvergenceJSON
import Dispatch
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
        // Read from the flat document, not through JSONValue trees: a preview reads up to a million records.
        guard let doc = try? JSONDocument.parse(Array(operationsJSON.utf8)), doc.kind(doc.root) == .array else { return nil }
        var operations: [Operation] = []
        operations.reserveCapacity(doc.count(doc.root))
        for item in doc.elements(doc.root) {
            guard doc.kind(item) == .object, let type = doc.member(item, "type"), doc.kind(type) == .string else { return nil }
            func text(_ name: StaticString) -> String? {
                guard let node = doc.member(item, name), doc.kind(node) == .string else { return nil }
                return doc.string(node)
            }
            func int(_ name: StaticString) -> Int? {
                guard let node = doc.member(item, name), doc.kind(node) == .number else { return nil }
                let n = doc.number(node)
                return n.rounded() == n && abs(n) < 1e15 ? Int(n) : nil
            }
            operations.append(Operation(type: doc.string(type), model: text("model"), provider: text("provider"), tokens: int("tokens"),
                                        records: int("records"), dataClassification: text("data_classification")))
        }
        var kinds = PIIKindSet(), secret = false
        if let reasonsJSON, reasonsJSON.utf8.count > 2, let reasons = try? JSONDocument.parse(Array(reasonsJSON.utf8)),
           reasons.kind(reasons.root) == .array {
            for reason in reasons.elements(reasons.root) where reasons.kind(reason) == .object {
                guard let factor = reasons.member(reason, "factor"), reasons.kind(factor) == .string else { continue }
                let name = reasons.string(factor)
                if name == RiskFactor.secret.rawValue { secret = true }
                guard name == RiskFactor.personalData.rawValue else { continue }
                if let named = reasons.member(reason, "kinds"), reasons.kind(named) == .array {
                    for kind in reasons.elements(named) where reasons.kind(kind) == .string {
                        if let known = PIIKind(rawValue: reasons.string(kind)) { kinds.insert(known) }
                    }
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
        let run = Run(current: current, draft: draft)
        run.add(page: checks.reversed())
        return run.summary
    }

    /// One side of a replay (the policies in force, or the draft): its own budgets and tally,
    /// and the decisions of the page being replayed.
    final class Side: @unchecked Sendable {
        // @unchecked: `Run.add(page:)` hands each side to exactly one thread at a time (one
        // iteration of concurrentPerform each) and reads it only after concurrentPerform has
        // returned, which orders every write before the reads.
        let policies: PolicySet
        var budgets = BudgetSimulation()
        var tally = Tally()
        var decisions: [Decision] = []

        init(_ policies: PolicySet) { self.policies = policies }

        func replay(_ page: ArraySlice<ReplayedCheck>) {
            decisions.removeAll(keepingCapacity: true)
            for check in page {
                let d = budgets.decide(CheckRequest(operations: check.operations), policies: policies, pii: check.findings,
                                       at: check.createdAtMicros, caller: check.caller)
                if d.allowed { tally.allowed += 1 } else { tally.blocked += 1 }
                if d.wouldBlock { tally.wouldBlock += 1 }
                decisions.append(d)
            }
        }
    }

    /// A replay fed a page of checks at a time, oldest first — as the checks happened, because
    /// budgets spend in that order — so that the route can stream a long window without holding
    /// it. The two sides of a large page are decided on two threads.
    public final class Run: @unchecked Sendable {
        // @unchecked: a run is used by one request (one thread) at a time; its sides are handed
        // to other threads only inside `add(page:)`, which waits for them.
        let current: Side
        let draft: Side
        var counts: [String: RuleCount] = [:]
        var partial = Summary()
        /// Pages smaller than this are decided on the calling thread alone.
        static let parallelFrom = 512

        public init(current: PolicySet, draft: PolicySet) {
            self.current = Side(current)
            self.draft = Side(draft)
        }

        public func add(page: [ReplayedCheck]) {
            guard !page.isEmpty else { return }
            let sides = [current, draft]
            if page.count >= Self.parallelFrom {
                DispatchQueue.concurrentPerform(iterations: 2) { sides[$0].replay(page[...]) }
            } else {
                for side in sides { side.replay(page[...]) }
            }
            for (i, check) in page.enumerated() { merge(check, now: current.decisions[i], then: draft.decisions[i]) }
        }

        func merge(_ check: ReplayedCheck, now: Decision, then: Decision) {
            partial.replayed += 1
            partial.oldestMicros = partial.oldestMicros ?? check.createdAtMicros
            partial.newestMicros = check.createdAtMicros
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

        /// What was replayed so far.
        public var summary: Summary {
            var out = partial
            out.current = current.tally
            out.draft = draft.tally
            out.byRule = counts.values.sorted { ($0.checks, $1.policyID, $1.rule) > ($1.checks, $0.policyID, $0.rule) }
            out.changes.reverse()
            out.newlyBlockedExamples.reverse()
            out.newlyAllowedExamples.reverse()
            return out
        }
    }
}
