import ConvergenceCore
import ConvergenceJSON
import ConvergencePII

/// The risk factors and their default points (SPEC.md).
public enum RiskFactor: String, Sendable, CaseIterable, Comparable {
    case personalData = "personal_data"
    /// A credential (private key, cloud or API token, password assignment): not
    /// personal data, but it must never reach an external model either.
    case secret
    case externalModel = "external_model"
    case largeDataset = "large_dataset"
    case unknownOperation = "unknown_operation"
    /// A budget reached its `warn_at`: reported with the reasons, never scored (0 points, no weight).
    case budgetWarning = "budget_warning"

    /// The name in a sentence ("personal data"): a constant, because a blocked check's reason
    /// is written on the check path (Foundation's replacingOccurrences cost ~2 µs there).
    var words: String {
        switch self {
        case .personalData: "personal data"
        case .secret: "secret"
        case .externalModel: "external model"
        case .largeDataset: "large dataset"
        case .unknownOperation: "unknown operation"
        case .budgetWarning: "budget warning"
        }
    }

    /// The factors that add points (and that `risk_weights` can weigh).
    public static let scored: [RiskFactor] = allCases.filter(\.isScored)
    public var isScored: Bool { self != .budgetWarning }

    public var defaultPoints: Int {
        switch self {
        case .personalData: 70
        case .secret: 70
        case .externalModel: 50
        case .largeDataset: 30
        case .unknownOperation: 20
        case .budgetWarning: 0
        }
    }

    /// Heaviest first; equal weights in declaration order.
    public static func < (a: RiskFactor, b: RiskFactor) -> Bool {
        a.defaultPoints != b.defaultPoints ? a.defaultPoints > b.defaultPoints : a.index < b.index
    }
}

/// A policy's rules. Parsing is strict: an unknown rule or a wrong type is an
/// error naming the field, because a typo must never silently disable a rule.
public struct PolicyRules: Sendable, Equatable {
    public static func == (a: PolicyRules, b: PolicyRules) -> Bool {
        a.maxExternalCalls == b.maxExternalCalls && a.blockPersonalData == b.blockPersonalData && a.personalDataKinds == b.personalDataKinds
            && a.blockSecrets == b.blockSecrets && a.allowedModels == b.allowedModels && a.deniedModels == b.deniedModels
            && a.models == b.models && a.maxTokens == b.maxTokens && a.window == b.window && a.scope == b.scope
            && a.blockThreshold == b.blockThreshold && a.riskWeights == b.riskWeights && a.largeDatasetTokens == b.largeDatasetTokens
            && a.largeDatasetRecords == b.largeDatasetRecords && a.personalDataActions == b.personalDataActions
            && a.classifications?.map(\.name) == b.classifications?.map(\.name)
            && a.classifications?.map(\.rule) == b.classifications?.map(\.rule) && a.budgets == b.budgets
    }

    public var maxExternalCalls: Int?
    public var blockPersonalData: Bool?
    /// Narrows `block_personal_data` (and what the `personal_data` factor counts)
    /// to these kinds; nil: every personal-data kind.
    public var personalDataKinds: [PIIKind]?
    /// Blocks a check that carries a secret; nil: on when `block_personal_data` is.
    public var blockSecrets: Bool?
    /// Names or globs (`gpt-4*`): an operation naming another model violates the rule.
    public var allowedModels: [String]?
    /// Names or globs, matched ignoring ASCII case: an operation naming one violates the rule.
    public var deniedModels: [String]?
    /// Per-model limits (`{"gpt-4*": {"max_tokens": 2000}, "*": {"max_tokens": 8000}}`):
    /// the most specific matching pattern decides for each operation's model.
    public var models: [ModelLimit]?
    public var maxTokens: Int?
    /// Per data class (`data_classification`, ASCII case ignored): block, or allow only some providers. In the policy's order.
    public var classifications: [(name: String, rule: ClassificationRule)]?
    /// Per personal-data kind: block it always, or leave it out of this policy's personal-data rules.
    public var personalDataActions: [PIIKind: PersonalDataAction]?
    /// Quotas over calendar periods (`budgets`), in the policy's order.
    public var budgets: [BudgetRule]?
    /// When the policy is in effect (`not_before`, `not_after`, `active`); always when empty.
    public var window = PolicyWindow()
    /// Which checks the policy applies to (`applies_to`); every check when empty.
    public var scope = PolicyScope()
    public var blockThreshold: Int?
    public var riskWeights: [RiskFactor: Int] = [:]
    public var largeDatasetTokens: Int?
    public var largeDatasetRecords: Int?

    public init() {}

    public struct Invalid: Error, Equatable {
        public let field: String
        public let problem: String
        public var message: String { field.isEmpty ? problem : "rules.\(field): \(problem)" }
    }

    public static func parse(_ value: JSONValue) throws(Invalid) -> PolicyRules {
        guard case .object(let fields) = value else { throw Invalid(field: "", problem: "rules must be an object") }
        var rules = PolicyRules()
        var budgets: JSONValue?
        func int(_ name: String, _ v: JSONValue, _ range: ClosedRange<Int>) throws(Invalid) -> Int {
            guard case .number(let n) = v, n.rounded() == n, n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
                throw Invalid(field: name, problem: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return Int(n)
        }
        for (name, v) in fields {
            switch name {
            case "max_external_calls": rules.maxExternalCalls = try int(name, v, 0...1_000_000)
            case "max_tokens": rules.maxTokens = try int(name, v, 0...1_000_000_000)
            case "block_threshold": rules.blockThreshold = try int(name, v, 0...100)
            case "large_dataset_tokens": rules.largeDatasetTokens = try int(name, v, 0...1_000_000_000)
            case "large_dataset_records": rules.largeDatasetRecords = try int(name, v, 0...1_000_000_000)
            case "block_personal_data":
                guard case .bool(let b) = v else { throw Invalid(field: name, problem: "must be true or false") }
                rules.blockPersonalData = b
            case "block_secrets":
                guard case .bool(let b) = v else { throw Invalid(field: name, problem: "must be true or false") }
                rules.blockSecrets = b
            case "personal_data_kinds":
                rules.personalDataKinds = try personalKinds(v)
            case "allowed_models": rules.allowedModels = try modelNames(name, v)
            case "denied_models": rules.deniedModels = try modelNames(name, v)
            case "models": rules.models = try modelLimits(v)
            case "classifications": rules.classifications = try ClassificationRule.parse(v)
            case "personal_data_actions": rules.personalDataActions = try PersonalDataAction.parse(v)
            case "not_before", "not_after", "active": try PolicyWindow.parse(name, v, into: &rules.window)
            case "applies_to": rules.scope = try PolicyScope.parse(v)
            case "budgets": budgets = v // after the loop: their default zone is `active.tz`, which may come later
            case "risk_weights":
                guard case .object(let weights) = v else { throw Invalid(field: name, problem: "must be an object of factor: points") }
                for (factorName, points) in weights {
                    guard let factor = RiskFactor(rawValue: factorName), factor.isScored else {
                        throw Invalid(field: "risk_weights.\(factorName)",
                                      problem: "unknown factor; known: \(RiskFactor.scored.map(\.rawValue).joined(separator: ", "))")
                    }
                    rules.riskWeights[factor] = try int("risk_weights.\(factorName)", points, 0...100)
                }
            default:
                throw Invalid(field: name, problem: "unknown rule; known: active, allowed_models, applies_to, block_personal_data, block_secrets, "
                    + "block_threshold, budgets, classifications, denied_models, large_dataset_records, large_dataset_tokens, max_external_calls, "
                    + "max_tokens, models, not_after, not_before, personal_data_actions, personal_data_kinds, risk_weights")
            }
        }
        if let budgets { rules.budgets = try BudgetRule.parse(budgets, defaultZone: rules.window.weekly?.zone ?? "UTC") }
        return rules
    }

    /// The personal-data kinds this policy's `block_personal_data` and `personal_data` factor
    /// count: `personal_data_kinds` (every kind if unset) less those `personal_data_actions` allows.
    public var effectivePersonalKinds: PIIKindSet {
        var kinds = personalDataKinds.map { PIIKindSet($0) } ?? .personalData
        for (kind, action) in personalDataActions ?? [:] where action == .allow { kinds.remove(kind) }
        return kinds
    }

    /// An array of model names or globs, 1–200 characters each.
    static func modelNames(_ field: String, _ value: JSONValue) throws(Invalid) -> [String] {
        let problem = "must be an array of model names or patterns (1-200 characters; * matches any run)"
        guard case .array(let items) = value, items.count <= 1000 else { throw Invalid(field: field, problem: problem) }
        var models: [String] = []
        for item in items {
            guard case .string(let s) = item, !s.isEmpty, s.count <= 200 else { throw Invalid(field: field, problem: problem) }
            models.append(s)
        }
        return models
    }

    /// `{"pattern": {"max_tokens": N}, …}`: at most 1000 patterns, each naming what it limits.
    /// A key's length is bounded by the body limit only (openapi 3.0 cannot bound key names).
    static func modelLimits(_ value: JSONValue) throws(Invalid) -> [ModelLimit] {
        guard case .object(let entries) = value, entries.members.count <= 1000 else {
            throw Invalid(field: "models", problem: "must be an object of model pattern: {\"max_tokens\": N} (at most 1000)")
        }
        var limits: [ModelLimit] = []
        for (pattern, entry) in entries {
            let field = "models.\(pattern.shownInMessage(limit: 64))"
            guard case .object(let members) = entry, !members.members.isEmpty else {
                throw Invalid(field: field, problem: "must be an object of limits (max_tokens)")
            }
            var maxTokens: Int?
            for (limit, v) in members {
                guard limit == "max_tokens" else {
                    throw Invalid(field: "\(field).\(limit.shownInMessage(limit: 64))", problem: "unknown limit; known: max_tokens")
                }
                guard case .number(let n) = v, n.rounded() == n, n >= 0, n <= 1_000_000_000 else {
                    throw Invalid(field: "\(field).max_tokens", problem: "must be an integer from 0 to 1000000000")
                }
                maxTokens = Int(n)
            }
            limits.append(ModelLimit(pattern: ModelPattern(pattern), maxTokens: maxTokens))
        }
        return limits
    }

    /// A non-empty array of distinct personal-data kinds; `secret` has its own rule.
    static func personalKinds(_ value: JSONValue) throws(Invalid) -> [PIIKind] {
        let field = "personal_data_kinds"
        let known = PIIKind.allCases.filter(\.isPersonalData).map(\.rawValue).sorted().joined(separator: ", ")
        guard case .array(let items) = value, !items.isEmpty else {
            throw Invalid(field: field, problem: "must be a non-empty array of kinds (\(known))")
        }
        var kinds: [PIIKind] = []
        for item in items {
            guard case .string(let name) = item else { throw Invalid(field: field, problem: "must be an array of kind names (\(known))") }
            guard let kind = PIIKind(rawValue: name), kind.isPersonalData else {
                let hint = name == PIIKind.secret.rawValue ? "secret is not personal data: use block_secrets" : "unknown kind; known: \(known)"
                throw Invalid(field: "\(field).\(name.shownInMessage(limit: 64))", problem: hint)
            }
            guard !kinds.contains(kind) else { throw Invalid(field: "\(field).\(name)", problem: "is listed twice") }
            kinds.append(kind)
        }
        return kinds
    }

    /// The rules as JSON (for storage and responses).
    public var json: JSONValue {
        var out = JSONObject()
        if let maxExternalCalls { out["max_external_calls"] = .number(Double(maxExternalCalls)) }
        if let blockPersonalData { out["block_personal_data"] = .bool(blockPersonalData) }
        if let personalDataKinds { out["personal_data_kinds"] = .array(personalDataKinds.map { .string($0.rawValue) }) }
        if let blockSecrets { out["block_secrets"] = .bool(blockSecrets) }
        if let allowedModels { out["allowed_models"] = .array(allowedModels.map { .string($0) }) }
        if let deniedModels { out["denied_models"] = .array(deniedModels.map { .string($0) }) }
        if let models {
            var entries = JSONObject()
            for limit in models {
                var entry = JSONObject()
                if let maxTokens = limit.maxTokens { entry["max_tokens"] = .number(Double(maxTokens)) }
                entries[limit.pattern.text] = .object(entry)
            }
            out["models"] = .object(entries)
        }
        if let maxTokens { out["max_tokens"] = .number(Double(maxTokens)) }
        if let classifications {
            var entries = JSONObject()
            for (name, rule) in classifications { entries[name] = rule.json }
            out["classifications"] = .object(entries)
        }
        if let personalDataActions {
            let sorted = personalDataActions.sorted { $0.key.rawValue < $1.key.rawValue }
            var entries = JSONObject()
            for (kind, action) in sorted { entries[kind.rawValue] = .string(action.rawValue) }
            out["personal_data_actions"] = .object(entries)
        }
        if let blockThreshold { out["block_threshold"] = .number(Double(blockThreshold)) }
        if !riskWeights.isEmpty {
            let weights = riskWeights.map { ($0.key.rawValue, JSONValue.number(Double($0.value))) }
            out["risk_weights"] = .object(JSONObject(Dictionary(uniqueKeysWithValues: weights)))
        }
        if let largeDatasetTokens { out["large_dataset_tokens"] = .number(Double(largeDatasetTokens)) }
        if let largeDatasetRecords { out["large_dataset_records"] = .number(Double(largeDatasetRecords)) }
        for (name, value) in window.json { out[name] = value }
        if !scope.isEveryone { out["applies_to"] = scope.json }
        if let budgets { out["budgets"] = .array(budgets.map(\.json)) }
        return .object(out)
    }
}

/// A governance policy as the engine sees it.
public struct Policy: Sendable, Equatable {
    public enum Mode: String, Sendable { case enforce, monitor }

    public let id: String
    public let version: Int
    public let mode: Mode
    public let rules: PolicyRules
    /// `id:version`, made once per policy load rather than on every check.
    public let versionTag: String

    public init(id: String, version: Int, mode: Mode, rules: PolicyRules) {
        self.id = id
        self.version = version
        self.mode = mode
        self.rules = rules
        self.versionTag = "\(id):\(version)"
    }
}
