/// The outcome of a governance check.
public struct Decision: Sendable, Equatable {
    public struct Reason: Sendable, Equatable {
        public let factor: RiskFactor
        public let points: Int
        public let detail: String
    }

    public struct Violation: Sendable, Equatable {
        public let policyID: String
        public let rule: String
        public let detail: String
        public let mode: Policy.Mode
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
}

/// Scores a check against the customer's active policies (pure: no I/O).
///
/// Factors count once per request and sum, capped at 100. With several
/// policies the strictest wins: the highest weight per factor, the lowest
/// thresholds, and every policy's rules apply. Monitor-mode policies are
/// evaluated as if enforced, but only report (`would_block`).
public enum RiskEngine {
    public static let defaultBlockThreshold = 50
    public static let defaultLargeDatasetTokens = 8_000
    public static let defaultLargeDatasetRecords = 10_000
    static let internalProviders: Set<String> = ["internal", "self_hosted", "self-hosted", "local", "on_prem", "on-prem", "private"]

    public static func evaluate(_ request: CheckRequest, policies: [Policy], pii: [PIIFinding]) -> Decision {
        let enforcing = policies.filter { $0.mode == .enforce }
        let enforced = assess(request, policies: enforcing, pii: pii)
        var wouldBlock = false
        var violations = enforced.violations
        if policies.contains(where: { $0.mode == .monitor }) {
            let everything = assess(request, policies: policies, pii: pii)
            violations += everything.violations.filter { $0.mode == .monitor }
            wouldBlock = !enforced.blocked && everything.blocked
        }
        return Decision(
            allowed: !enforced.blocked, riskScore: enforced.score, reason: enforced.reason, reasons: enforced.reasons,
            violations: violations, wouldBlock: wouldBlock, policyVersions: policies.map(\.versionTag))
    }

    struct Assessment {
        let score: Int
        let reasons: [Decision.Reason]
        let violations: [Decision.Violation]
        let blocked: Bool
        let reason: String
    }

    static func assess(_ request: CheckRequest, policies: [Policy], pii: [PIIFinding]) -> Assessment {
        // Strictest wins, aggregated in one pass (no intermediate arrays: this runs on every check).
        var threshold = Int.max, largeTokens = Int.max, largeRecords = Int.max
        var weights: [RiskFactor: Int] = [:]
        for policy in policies {
            let rules = policy.rules
            if let t = rules.blockThreshold { threshold = min(threshold, t) }
            if let t = rules.largeDatasetTokens { largeTokens = min(largeTokens, t) }
            if let r = rules.largeDatasetRecords { largeRecords = min(largeRecords, r) }
            for (factor, points) in rules.riskWeights { weights[factor] = max(weights[factor] ?? 0, points) }
        }
        if threshold == .max { threshold = defaultBlockThreshold }
        if largeTokens == .max { largeTokens = defaultLargeDatasetTokens }
        if largeRecords == .max { largeRecords = defaultLargeDatasetRecords }
        func weight(_ factor: RiskFactor) -> Int { weights[factor] ?? factor.defaultPoints }
        func approved(_ model: String) -> Bool { policies.contains { $0.rules.allowedModels?.contains(model) ?? false } }

        var reasons: [Decision.Reason] = []
        var piiWhere = pii.map(\.path)
        var external: [Int] = []
        var unapprovedModels: [String] = []
        var large: [Int] = []
        var unknown: [String] = []
        for (i, op) in request.operations.enumerated() {
            if let classification = op.dataClassification, classification == "personal" || classification.lowercased() == "personal" {
                piiWhere.append("operations[\(i)].data_classification")
            }
            if isExternalModelCall(op) {
                external.append(i)
                if !(op.model.map(approved) ?? false) { unapprovedModels.append(String((op.model ?? "unnamed model").prefix(64))) }
            }
            if (op.tokens ?? 0) > largeTokens || (op.records ?? 0) > largeRecords { large.append(i) }
            if !Operation.knownTypes.contains(op.type) { unknown.append(String(op.type.prefix(64))) }
        }
        if !piiWhere.isEmpty {
            let kinds = Set(pii.map(\.kind.rawValue)).sorted()
            let detail = "Personal data in " + Array(Set(piiWhere)).sorted().joined(separator: ", ")
                + (kinds.isEmpty ? "" : " (" + kinds.joined(separator: ", ") + ")")
            reasons.append(.init(factor: .personalData, points: weight(.personalData), detail: detail))
        }
        if !unapprovedModels.isEmpty {
            reasons.append(.init(factor: .externalModel, points: weight(.externalModel),
                                 detail: "External model not approved by a policy: " + Array(Set(unapprovedModels)).sorted().joined(separator: ", ")))
        }
        if !large.isEmpty {
            reasons.append(.init(factor: .largeDataset, points: weight(.largeDataset),
                                 detail: "Over \(largeTokens) tokens or \(largeRecords) records in operations " + large.map(String.init).joined(separator: ", ")))
        }
        if !unknown.isEmpty {
            reasons.append(.init(factor: .unknownOperation, points: weight(.unknownOperation),
                                 detail: "Unknown operation type: " + Array(Set(unknown)).sorted().joined(separator: ", ")))
        }
        let score = min(100, reasons.reduce(0) { $0 + $1.points })

        // Rules, per policy.
        var violations: [Decision.Violation] = []
        // Each operation counts once, whether it is a model call, an external API call, or both.
        var externalCalls = external.count
        for op in request.operations where op.type == "external_api_call" && !isExternalModelCall(op) { externalCalls += 1 }
        for policy in policies {
            let rules = policy.rules
            func violate(_ rule: String, _ detail: String) {
                violations.append(.init(policyID: policy.id, rule: rule, detail: detail, mode: policy.mode))
            }
            if rules.blockPersonalData == true, !piiWhere.isEmpty {
                violate("block_personal_data", "Personal data detected in " + (piiWhere.allSatisfy { $0.hasPrefix("context") } ? "context" : "the request"))
            }
            if let allowed = rules.allowedModels, request.operations.contains(where: { $0.model.map { !allowed.contains($0) } ?? false }) {
                let refused = request.operations.compactMap(\.model).filter { !allowed.contains($0) }
                if !refused.isEmpty {
                    violate("allowed_models", "Model not allowed: " + Array(Set(refused)).sorted().map { String($0.prefix(64)) }.joined(separator: ", "))
                }
            }
            if let maxTokens = rules.maxTokens, let over = request.operations.firstIndex(where: { ($0.tokens ?? 0) > maxTokens }) {
                violate("max_tokens", "Operation \(over) asks for more than \(maxTokens) tokens")
            }
            if let maxCalls = rules.maxExternalCalls, externalCalls > maxCalls {
                violate("max_external_calls", "\(externalCalls) external calls, limit \(maxCalls)")
            }
        }
        let blocked = score >= threshold || !violations.isEmpty
        return Assessment(score: score, reasons: reasons, violations: violations, blocked: blocked,
                          reason: sentence(blocked: blocked, score: score, threshold: threshold, reasons: reasons,
                                           violations: violations, pii: piiWhere))
    }

    /// External: a model call (llm_call, embedding, or any operation naming a
    /// model) whose provider is not one of ours.
    static func isExternalModelCall(_ op: Operation) -> Bool {
        guard op.model != nil || op.type == "llm_call" || op.type == "embedding" else { return false }
        guard let provider = op.provider?.lowercased() else { return true }
        return !internalProviders.contains(provider)
    }

    /// One human sentence (seed 002: "Within policy limits", "Personal data detected in context").
    static func sentence(blocked: Bool, score: Int, threshold: Int, reasons: [Decision.Reason],
                         violations: [Decision.Violation], pii: [String]) -> String {
        guard blocked else { return "Within policy limits" }
        if !pii.isEmpty {
            if pii.allSatisfy({ $0.hasPrefix("context") }) { return "Personal data detected in context" }
            if pii.allSatisfy({ $0.hasSuffix(".input") }) { return "Personal data detected in operation input" }
            return "Personal data detected in the request"
        }
        if let first = violations.first { return first.detail }
        let top = reasons.max { $0.points < $1.points }?.factor.rawValue.replacingOccurrences(of: "_", with: " ") ?? "risk"
        return "Risk score \(score) reaches the block threshold \(threshold) (\(top))"
    }
}
