import Foundation
import ConvergenceCore
import ConvergencePII

/// The outcome of a governance check. A class: it is handed from the engine to
/// the audit record and the response, and a copy is then one retain.
public final class Decision: Sendable, Equatable {
    public struct Reason: Sendable, Equatable {
        public let factor: RiskFactor
        public let points: Int
        public let detail: String
    }

    /// A rule a policy's version refused. `detail` names counts, limits and
    /// field paths, never request values: it goes into the audit trail.
    public struct Violation: Sendable, Equatable {
        public let policyID: String
        public let version: Int
        public let rule: String
        public let detail: String
        public let mode: Policy.Mode

        public init(policyID: String, version: Int, rule: String, detail: String, mode: Policy.Mode) {
            self.policyID = policyID
            self.version = version
            self.rule = rule
            self.detail = detail
            self.mode = mode
        }
    }

    public let allowed: Bool
    public let riskScore: Int
    public let reason: String
    public let reasons: [Reason]
    /// Enforced and monitored violations; only enforced ones block.
    public let violations: [Violation]
    /// A monitor-mode policy would have blocked this allowed check.
    public let wouldBlock: Bool
    /// `policy_id:version` of every active policy applied.
    public let policyVersions: [String]
    /// `policy_id:version` of the monitor-mode policies that would have blocked
    /// this check (empty unless `wouldBlock`).
    public let wouldBlockBy: [String]

    init(allowed: Bool, riskScore: Int, reason: String, reasons: [Reason], violations: [Violation], wouldBlock: Bool,
         policyVersions: [String], wouldBlockBy: [String] = []) {
        self.allowed = allowed
        self.riskScore = riskScore
        self.reason = reason
        self.reasons = reasons
        self.violations = violations
        self.wouldBlock = wouldBlock
        self.policyVersions = policyVersions
        self.wouldBlockBy = wouldBlockBy
    }

    public static func == (a: Decision, b: Decision) -> Bool {
        a.allowed == b.allowed && a.riskScore == b.riskScore && a.reason == b.reason && a.reasons == b.reasons
            && a.violations == b.violations && a.wouldBlock == b.wouldBlock && a.policyVersions == b.policyVersions
            && a.wouldBlockBy == b.wouldBlockBy
    }
}

/// Scores a check against the customer's active policies (pure: no I/O).
///
/// Factors count once per request and sum, capped at 100. With several
/// policies the strictest wins: the highest weight per factor, the lowest
/// thresholds, and every policy's rules apply. Monitor-mode policies are
/// evaluated as if enforced, but only report (`would_block`).
///
/// This runs on every check, so the common case (nothing to report) builds no
/// arrays or strings: facts are gathered as counts and flags, and the detail
/// texts are written only for the factors and rules that fire.
public enum RiskEngine {
    public static let defaultBlockThreshold = 50
    public static let defaultLargeDatasetTokens = 8_000
    public static let defaultLargeDatasetRecords = 10_000

    /// `at`: the check's time (Unix microseconds); with the `caller` (its key and department)
    /// it decides which policies apply.
    public static func evaluate(_ request: CheckRequest, policies: [Policy], pii: [PIIFinding], at: Int64, caller: Caller) -> Decision {
        evaluate(request, policies: PolicySet(policies), pii: pii, at: at, caller: caller)
    }

    /// `budgets`: the outcomes of reserving `budgetDemands` (empty when no applying policy has budgets).
    public static func evaluate(_ request: CheckRequest, policies: PolicySet, pii: [PIIFinding], at: Int64, caller: Caller,
                                budgets: [BudgetOutcome] = []) -> Decision {
        let decision = evaluate(request, policies: policies, pii: pii, at: at, caller: caller)
        return budgets.isEmpty ? decision : applying(budgets, to: decision)
    }

    static func evaluate(_ request: CheckRequest, policies: PolicySet, pii: [PIIFinding], at: Int64, caller: Caller) -> Decision {
        // Only a customer with time-bound or scoped policies pays for choosing the ones that apply.
        let policies = policies.isConditional ? policies.applying(to: request, caller: caller, at: at) : policies
        let enforced = assess(request, policies, scope: policies.enforced, pii: pii)
        var wouldBlock = false
        var wouldBlockBy: [String] = []
        var violations = enforced.violations
        if policies.hasMonitor {
            // The enforcing policies' rules were just evaluated and come out the same here (their kinds
            // are within the enforced scope's), so only the monitor policies' rules run again.
            let everything = assess(request, policies, scope: policies.all, pii: pii, known: enforced.violations)
            violations += everything.violations.filter { $0.mode == .monitor }
            wouldBlock = !enforced.blocked && everything.blocked
            if wouldBlock { wouldBlockBy = monitorsThatWouldBlock(request, policies, pii: pii) }
        }
        return Decision(
            allowed: !enforced.blocked, riskScore: enforced.score, reason: enforced.reason, reasons: enforced.reasons,
            violations: violations, wouldBlock: wouldBlock, policyVersions: policies.versionTags, wouldBlockBy: wouldBlockBy)
    }

    /// Which monitor policies would have blocked: each one assessed as if it
    /// alone were enforced next to the enforcing ones. A threshold or weight
    /// can block only in combination with another monitor policy; then all of
    /// them are named. Runs only for a would-block (rare), so it may allocate.
    static func monitorsThatWouldBlock(_ request: CheckRequest, _ set: PolicySet, pii: [PIIFinding]) -> [String] {
        let enforcing = set.policies.filter { $0.mode == .enforce }
        var tags: [String] = []
        for policy in set.policies where policy.mode == .monitor {
            let alone = PolicySet(enforcing + [policy])
            if assess(request, alone, scope: alone.all, pii: pii).blocked { tags.append(policy.versionTag) }
        }
        return tags.isEmpty ? set.policies.filter { $0.mode == .monitor }.map(\.versionTag) : tags
    }

    struct Assessment {
        let score: Int
        let reasons: [Decision.Reason]
        let violations: [Decision.Violation]
        let blocked: Bool
        let reason: String
    }

    /// Per-request facts, the same whichever policies apply (except model approval).
    struct Facts {
        var personalClassifications = 0
        var externalModelCalls = 0
        var otherExternalCalls = 0
        var unknownTypes = 0
    }

    /// `known`: the enforcing policies' violations when they were already evaluated (the monitor
    /// pass); their rules are then skipped, and the violations count toward `blocked`.
    static func assess(_ request: CheckRequest, _ set: PolicySet, scope: PolicySet.Scope, pii: [PIIFinding],
                       known: [Decision.Violation]? = nil) -> Assessment {
        let operations = request.operations
        let limits = scope.limits
        func approved(_ model: String) -> Bool { scope.approves(model) }
        var facts = Facts()
        var unapproved = 0, large = 0
        // By index, reading fields in place: `for op in` would copy (and retain) every operation.
        for i in operations.indices {
            if let classification = operations[i].dataClassification, isPersonal(classification) { facts.personalClassifications += 1 }
            if isExternalModelCall(operations[i]) {
                facts.externalModelCalls += 1
                if !(operations[i].model.map(approved) ?? false) { unapproved += 1 }
            } else if operations[i].type == "external_api_call" {
                facts.otherExternalCalls += 1
            }
            if (operations[i].tokens ?? 0) > limits.largeTokens || (operations[i].records ?? 0) > limits.largeRecords { large += 1 }
            if !isKnownType(operations[i].type) { facts.unknownTypes += 1 }
        }
        // Which findings count: personal data of the kinds the policies consider, and secrets.
        // (Filtering an empty array allocates nothing: the common case stays free.)
        let personalFindings = pii.isEmpty ? [] : pii.filter { scope.personalKinds.contains($0.kind) }
        let secretPaths = pii.isEmpty ? [] : Array(Set(pii.filter { $0.kind == .secret }.map(\.path))).sorted()
        let personal = !personalFindings.isEmpty || facts.personalClassifications > 0

        var reasons: [Decision.Reason] = []
        var piiWhere: [String] = []
        if personal {
            piiWhere = personalFindings.map(\.path)
            for (i, op) in operations.enumerated() where op.dataClassification.map(isPersonal) ?? false {
                piiWhere.append("operations[\(i)].data_classification")
            }
            let kinds = Set(personalFindings.map(\.kind.rawValue)).sorted()
            let detail = "Personal data in " + Array(Set(piiWhere)).sorted().joined(separator: ", ")
                + (kinds.isEmpty ? "" : " (" + kinds.joined(separator: ", ") + ")")
            reasons.append(.init(factor: .personalData, points: limits.points(.personalData), detail: detail))
        }
        if !secretPaths.isEmpty {
            reasons.append(.init(factor: .secret, points: limits.points(.secret), detail: "Secret in " + secretPaths.joined(separator: ", ")))
        }
        if unapproved > 0 {
            let models = operations.filter { isExternalModelCall($0) && !($0.model.map(approved) ?? false) }
                .map { String(($0.model ?? "unnamed model").prefix(64)) }
            reasons.append(.init(factor: .externalModel, points: limits.points(.externalModel),
                                 detail: "External model not approved by a policy: " + Array(Set(models)).sorted().joined(separator: ", ")))
        }
        if large > 0 {
            let indices = operations.indices.filter {
                (operations[$0].tokens ?? 0) > limits.largeTokens || (operations[$0].records ?? 0) > limits.largeRecords
            }
            reasons.append(.init(factor: .largeDataset, points: limits.points(.largeDataset),
                                 detail: "Over \(limits.largeTokens) tokens or \(limits.largeRecords) records in operations "
                                     + indices.map(String.init).joined(separator: ", ")))
        }
        if facts.unknownTypes > 0 {
            let types = operations.filter { !isKnownType($0.type) }.map { String($0.type.prefix(64)) }
            reasons.append(.init(factor: .unknownOperation, points: limits.points(.unknownOperation),
                                 detail: "Unknown operation type: " + Array(Set(types)).sorted().joined(separator: ", ")))
        }
        var score = 0
        for reason in reasons { score += reason.points }
        score = min(100, score)

        // Rules, per policy. Each operation counts once as an external call, whether
        // it is a model call, an external API call, or both.
        var violations: [Decision.Violation] = []
        let externalCalls = facts.externalModelCalls + facts.otherExternalCalls
        for rules in set.rules where scope.includes(rules.mode) && (known == nil || rules.mode == .monitor) {
            func violate(_ rule: String, _ detail: String) {
                let policy = set.policies[rules.policy]
                violations.append(.init(policyID: policy.id, version: policy.version, rule: rule, detail: detail, mode: rules.mode))
            }
            if rules.blockPersonalData,
               facts.personalClassifications > 0 || personalFindings.contains(where: { rules.personalKinds.contains($0.kind) }) {
                let counted: [(path: String, kind: PIIKind?)] = personalFindings
                    .filter { rules.personalKinds.contains($0.kind) }.map { ($0.path, $0.kind) }
                let declared: [(path: String, kind: PIIKind?)] = operations.indices
                    .filter { operations[$0].dataClassification.map(isPersonal) ?? false }
                    .map { ("operations[\($0)].data_classification", nil) }
                violate("block_personal_data", "Personal data detected in " + located(counted + declared))
            }
            if !rules.blockedKinds.isEmpty, pii.contains(where: { rules.blockedKinds.contains($0.kind) }) {
                let blocked: [(path: String, kind: PIIKind?)] = pii.filter { rules.blockedKinds.contains($0.kind) }.map { ($0.path, $0.kind) }
                violate("personal_data_actions", "Blocked kind of personal data in " + located(blocked))
            }
            if !rules.classifications.isEmpty {
                // The first refused operation per class rule; the detail names the policy's class, not the client's spelling.
                for (name, rule) in rules.classifications {
                    guard let i = operations.indices.first(where: { i in
                        operations[i].dataClassification.map { $0.equalsIgnoringASCIICase(name) } ?? false
                            && !rule.permits(provider: operations[i].provider)
                    }) else { continue }
                    let why = rule == .block ? "class blocked" : "provider not in allowed_providers"
                    violate("classifications", "operations[\(i)] is \"\(name.shownInMessage(limit: 64))\": \(why)")
                }
            }
            if rules.blockSecrets, !secretPaths.isEmpty {
                violate("block_secrets", "Secret detected in " + located(secretPaths.map { ($0, nil) }))
            }
            // Details name paths and counts only: model names are the client's values.
            if let allowed = rules.allowedModels {
                func refuses(_ i: Int) -> Bool {
                    operations[i].model.map { model in !ModelPattern.any(allowed, match: model, caseInsensitive: false) } ?? false
                }
                // The list is made only when something is refused: this runs per policy on every check.
                if operations.indices.contains(where: refuses) {
                    let refused = operations.indices.filter(refuses)
                    violate("allowed_models", "Model not in allowed_models: " + refused.map { "operations[\($0)].model" }.joined(separator: ", "))
                }
            }
            if !rules.deniedModels.isEmpty {
                func refuses(_ i: Int) -> Bool {
                    operations[i].model.map { model in ModelPattern.any(rules.deniedModels, match: model, caseInsensitive: true) } ?? false
                }
                if operations.indices.contains(where: refuses) {
                    let refused = operations.indices.filter(refuses)
                    violate("denied_models", "Model in denied_models: " + refused.map { "operations[\($0)].model" }.joined(separator: ", "))
                }
            }
            if !rules.modelLimits.isEmpty {
                // The first operation over its model's limit, naming the pattern that decided (the policy's text).
                for i in operations.indices {
                    guard let model = operations[i].model, let tokens = operations[i].tokens,
                          let limit = ModelLimit.deciding(rules.modelLimits, for: model), let max = limit.maxTokens, tokens > max else { continue }
                    violate("models", "operations[\(i)].tokens over \(max) (models \"\(limit.pattern.text)\")")
                    break
                }
            }
            if let maxTokens = rules.maxTokens, let over = operations.firstIndex(where: { ($0.tokens ?? 0) > maxTokens }) {
                violate("max_tokens", "operations[\(over)].tokens over \(maxTokens)")
            }
            if let maxCalls = rules.maxExternalCalls, externalCalls > maxCalls {
                violate("max_external_calls", "\(externalCalls) external calls, at most \(maxCalls)")
            }
        }
        let blocked = score >= limits.threshold || !violations.isEmpty || !(known?.isEmpty ?? true)
        return Assessment(score: score, reasons: reasons, violations: violations, blocked: blocked,
                          reason: sentence(blocked: blocked, score: score, threshold: limits.threshold, reasons: reasons,
                                           violations: violations, pii: piiWhere, secrets: secretPaths))
    }

    /// "context.email (email), operations[0].input (payment_card, phone)": where and
    /// what kind, never the value, for the audit trail. At most eight places, then a count.
    static func located(_ findings: [(path: String, kind: PIIKind?)]) -> String {
        var places: [(path: String, kinds: [String])] = []
        for finding in findings {
            let kind = finding.kind?.rawValue
            if let index = places.firstIndex(where: { $0.path == finding.path }) {
                if let kind, !places[index].kinds.contains(kind) { places[index].kinds.append(kind) }
            } else {
                places.append((finding.path, kind.map { [$0] } ?? []))
            }
        }
        let shown = places.prefix(8).map { $0.kinds.isEmpty ? $0.path : "\($0.path) (\($0.kinds.sorted().joined(separator: ", ")))" }
        return shown.joined(separator: ", ") + (places.count > 8 ? " and \(places.count - 8) more" : "")
    }

    static func isPersonal(_ classification: String) -> Bool {
        classification == "personal" || classification.equalsIgnoringASCIICase("personal")
    }

    static func isKnownType(_ type: String) -> Bool {
        switch type {
        case "llm_call", "embedding", "data_query", "data_export", "tool_call", "external_api_call", "file_upload": true
        default: false
        }
    }

    /// Providers that run the model on the customer's own infrastructure.
    public static let internalProviders: [StaticString] = ["internal", "self_hosted", "self-hosted", "local", "on_prem", "on-prem", "private"]

    /// External: a model call (llm_call, embedding, or any operation naming a
    /// model) whose provider is not one of ours.
    static func isExternalModelCall(_ op: Operation) -> Bool {
        guard op.model != nil || op.type == "llm_call" || op.type == "embedding" else { return false }
        guard let provider = op.provider else { return true }
        let length = provider.utf8.count
        return !internalProviders.contains { $0.utf8CodeUnitCount == length && provider.equalsIgnoringASCIICase($0) }
    }

    /// One human sentence (seed 002: "Within policy limits", "Personal data detected in context").
    /// A check that only a rule blocked names the policy and the rule.
    static func sentence(blocked: Bool, score: Int, threshold: Int, reasons: [Decision.Reason],
                         violations: [Decision.Violation], pii: [String], secrets: [String] = []) -> String {
        guard blocked else { return "Within policy limits" }
        let byScore = score >= threshold
        func place(_ paths: [String]) -> String {
            if paths.allSatisfy({ $0.hasPrefix("context") }) { return "context" }
            if paths.allSatisfy({ $0.hasSuffix(".input") }) { return "operation input" }
            return "the request"
        }
        if !pii.isEmpty, byScore || violations.contains(where: { $0.rule == "block_personal_data" }) {
            return "Personal data detected in " + place(pii)
        }
        if !secrets.isEmpty, byScore || violations.contains(where: { $0.rule == "block_secrets" }) {
            return "Secret detected in " + place(secrets)
        }
        if !byScore, let first = violations.first { return ruleSentence(first) }
        let top = reasons.max { $0.points < $1.points }?.factor.words ?? "risk"
        return "Risk score \(score) reaches the block threshold \(threshold) (\(top))"
    }

    /// "Blocked by policy pol_… rule max_external_calls: 3 external calls, at most 2".
    public static func ruleSentence(_ violation: Decision.Violation) -> String {
        "Blocked by policy \(violation.policyID) rule \(violation.rule): \(violation.detail)"
    }
}
