import ConvergenceCore
import ConvergenceJSON

/// Which checks a policy applies to: `applies_to: {"keys": […], "departments": […], "models": […]}`.
/// Every dimension given must match (a listed key id; `context.department`; some operation
/// naming a model a pattern matches, ASCII case ignored); a policy that does not apply is
/// neither enforced nor monitored, and is not named in the decision.
public struct PolicyScope: Sendable, Equatable {
    public var keys: [String]?
    public var departments: [String]?
    public var models: [String]?
    private var patterns: [ModelPattern] = []

    public init() {}

    public var isEveryone: Bool { keys == nil && departments == nil && models == nil }

    public static func == (a: PolicyScope, b: PolicyScope) -> Bool {
        a.keys == b.keys && a.departments == b.departments && a.models == b.models
    }

    func includes(keyID: String?, department: String?, operations: [Operation]) -> Bool {
        if let keys, !keys.contains(where: { $0 == keyID }) { return false }
        if let departments, !departments.contains(where: { $0 == department }) { return false }
        if models != nil {
            let named = operations.indices.contains { i in
                operations[i].model.map { model in ModelPattern.any(patterns, match: model, caseInsensitive: true) } ?? false
            }
            if !named { return false }
        }
        return true
    }

    static func parse(_ value: JSONValue) throws(PolicyRules.Invalid) -> PolicyScope {
        guard case .object(let members) = value, !members.members.isEmpty else {
            throw PolicyRules.Invalid(field: "applies_to",
                                      problem: #"must be an object of keys, departments and/or models, e.g. {"departments": ["finance"]}"#)
        }
        var scope = PolicyScope()
        for (key, v) in members {
            let field = "applies_to.\(key.shownInMessage(limit: 32))"
            guard case .array(let items) = v, !items.isEmpty, items.count <= 1000 else {
                throw PolicyRules.Invalid(field: field, problem: "must be a non-empty array of strings (at most 1000)")
            }
            var names: [String] = []
            for item in items {
                guard case .string(let text) = item, !text.isEmpty, text.count <= 200 else {
                    throw PolicyRules.Invalid(field: field, problem: "must be a non-empty array of strings of 1-200 characters")
                }
                names.append(text)
            }
            switch key {
            case "keys": scope.keys = names
            case "departments": scope.departments = names
            case "models": (scope.models, scope.patterns) = (names, names.map(ModelPattern.init))
            default: throw PolicyRules.Invalid(field: field, problem: "unknown field; known: departments, keys, models")
            }
        }
        return scope
    }

    var json: JSONValue {
        var out = JSONObject()
        if let keys { out["keys"] = .array(keys.map { .string($0) }) }
        if let departments { out["departments"] = .array(departments.map { .string($0) }) }
        if let models { out["models"] = .array(models.map { .string($0) }) }
        return .object(out)
    }
}
