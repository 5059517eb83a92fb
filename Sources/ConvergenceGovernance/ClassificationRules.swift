import ConvergenceCore
import ConvergenceJSON
import ConvergencePII

/// What a policy does with an operation of a data class (`classifications`):
/// `{"confidential": {"allowed_providers": ["internal", "azure-eu"]}, "restricted": "block"}`.
/// Classes and providers are matched ignoring ASCII case: a rule must not be dodged by
/// writing `Restricted`.
public enum ClassificationRule: Sendable, Equatable {
    /// Any operation of the class violates the rule.
    case block
    /// An operation of the class may only name one of these providers (one without a provider violates it).
    case allowedProviders([String])

    static func parse(_ classes: JSONValue) throws(PolicyRules.Invalid) -> [(name: String, rule: ClassificationRule)] {
        let shape = #"must be an object of class: "block" or {"allowed_providers": [...]}"#
        guard case .object(let members) = classes, !members.members.isEmpty, members.members.count <= 100 else {
            throw PolicyRules.Invalid(field: "classifications", problem: shape + " (1 to 100 classes)")
        }
        var out: [(name: String, rule: ClassificationRule)] = []
        for (name, value) in members {
            let field = "classifications.\(name.shownInMessage(limit: 64))"
            guard !name.isEmpty, name.utf8.count <= 100 else { throw PolicyRules.Invalid(field: field, problem: "class names are 1-100 bytes") }
            guard !out.contains(where: { $0.name.equalsIgnoringASCIICase(name) }) else {
                throw PolicyRules.Invalid(field: field, problem: "is listed twice (classes ignore case)")
            }
            switch value {
            case .string("block"): out.append((name, .block))
            case .object(let rule):
                guard rule.members.count == 1, let list = rule["allowed_providers"] else {
                    throw PolicyRules.Invalid(field: field, problem: #"must be "block" or {"allowed_providers": [...]}"#)
                }
                guard case .array(let items) = list, items.count <= 100 else {
                    throw PolicyRules.Invalid(field: "\(field).allowed_providers", problem: "must be an array of provider names (at most 100)")
                }
                var providers: [String] = []
                for item in items {
                    guard case .string(let provider) = item, (1...100).contains(provider.utf8.count) else {
                        throw PolicyRules.Invalid(field: "\(field).allowed_providers", problem: "must be provider names of 1-100 bytes")
                    }
                    providers.append(provider)
                }
                out.append((name, .allowedProviders(providers)))
            default:
                throw PolicyRules.Invalid(field: field, problem: #"must be "block" or {"allowed_providers": [...]}"#)
            }
        }
        return out
    }

    var json: JSONValue {
        switch self {
        case .block: .string("block")
        case .allowedProviders(let providers): .object(["allowed_providers": .array(providers.map { .string($0) })])
        }
    }

    /// Whether an operation naming `provider` (nil: none) passes.
    func permits(provider: String?) -> Bool {
        switch self {
        case .block: return false
        case .allowedProviders(let providers):
            guard let provider else { return false }
            return providers.contains { $0.equalsIgnoringASCIICase(provider) }
        }
    }
}

/// What a policy does with a kind of personal data (`personal_data_actions`):
/// `{"payment_card": "block", "email": "block", "ip_address": "allow"}`. `block` refuses a
/// check carrying that kind whatever `block_personal_data` says; `allow` takes the kind out
/// of this policy's `block_personal_data` and of the `personal_data` factor it counts.
public enum PersonalDataAction: String, Sendable, Equatable {
    case block, allow

    static func parse(_ value: JSONValue) throws(PolicyRules.Invalid) -> [PIIKind: PersonalDataAction] {
        let known = PIIKind.allCases.filter(\.isPersonalData).map(\.rawValue).sorted().joined(separator: ", ")
        guard case .object(let members) = value, !members.members.isEmpty else {
            throw PolicyRules.Invalid(field: "personal_data_actions", problem: #"must be an object of kind: "block" or "allow" (kinds: \#(known))"#)
        }
        var out: [PIIKind: PersonalDataAction] = [:]
        for (name, action) in members {
            let field = "personal_data_actions.\(name.shownInMessage(limit: 64))"
            guard let kind = PIIKind(rawValue: name), kind.isPersonalData else {
                let hint = name == PIIKind.secret.rawValue ? "secret is not personal data: use block_secrets" : "unknown kind; known: \(known)"
                throw PolicyRules.Invalid(field: field, problem: hint)
            }
            guard case .string(let text) = action, let parsed = PersonalDataAction(rawValue: text) else {
                throw PolicyRules.Invalid(field: field, problem: #"must be "block" or "allow""#)
            }
            out[kind] = parsed
        }
        return out
    }
}
