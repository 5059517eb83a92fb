/// A parameter value as the trigger's JSON body gave it (kept free of the HTTP
/// module so this target stays pure).
public enum ParameterInput: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    /// Arrays and objects: never a valid parameter value.
    case other(String)

    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .other(let kind): kind
        }
    }
}

/// A parameter a template declares under `parameters:`.
public struct ParameterDeclaration: Sendable, Equatable {
    public enum ValueType: String, Sendable, CaseIterable {
        case string, integer, number, boolean

        /// The cast written after `$n` in SQL, so PostgreSQL types the bound text as declared.
        var sqlCast: String {
            switch self {
            case .string: ""
            case .integer: "::bigint"
            case .number: "::numeric"
            case .boolean: "::boolean"
            }
        }
    }

    public let name: String
    public let type: ValueType
    public let required: Bool
    /// The default, already in the bound-text form (nil: SQL NULL).
    public let defaultValue: String?
    public let maxLength: Int

    public static let defaultMaxLength = 1000

    /// Checks one supplied value against the declaration; returns the text bound in SQL.
    func bind(_ input: ParameterInput) throws(TemplateError) -> String? {
        func wrong() -> TemplateError {
            TemplateError(.invalidParameters, "Parameter \(name) must be \(article(type)), not \(input.kindName).")
        }
        switch (type, input) {
        case (_, .null):
            if required { throw TemplateError(.invalidParameters, "Parameter \(name) is required and cannot be null.") }
            return nil
        case (.string, .string(let text)):
            // Unicode scalars, not Characters: one "character" can carry any number of combining marks.
            guard text.unicodeScalars.count <= maxLength else {
                throw TemplateError(.invalidParameters, "Parameter \(name) is longer than \(maxLength) characters.")
            }
            guard !text.utf8.contains(0) else { throw TemplateError(.invalidParameters, "Parameter \(name) contains a NUL character.") }
            return text
        case (.integer, .number(let value)):
            guard value.rounded() == value, abs(value) < 9.0e15 else { throw wrong() }
            return String(Int64(value))
        case (.number, .number(let value)):
            guard value.isFinite else { throw wrong() }
            return value.rounded() == value && abs(value) < 9.0e15 ? String(Int64(value)) : String(value)
        case (.boolean, .bool(let value)):
            return value ? "true" : "false"
        default:
            throw wrong()
        }
    }

    private func article(_ type: ValueType) -> String {
        type == .integer ? "an integer" : "a \(type.rawValue)"
    }
}
