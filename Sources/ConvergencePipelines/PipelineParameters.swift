import ConvergenceJSON

extension JSONValue {
    /// What a parameter error message calls a supplied value of this kind.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
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
    /// For strings: the shape the value must have (nil: any text up to `maxLength`).
    public let format: ParameterFormat?

    public static let defaultMaxLength = 1000

    public init(name: String, type: ValueType, required: Bool = false, defaultValue: String? = nil,
                maxLength: Int = defaultMaxLength, format: ParameterFormat? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.maxLength = maxLength
        self.format = format
    }

    /// Checks one supplied value against the declaration; returns the text bound in SQL.
    func bind(_ input: JSONValue) throws(TemplateError) -> String? {
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
            // The value is the client's: the message names the parameter and the format, never echoes it.
            if let format, !format.matches(text) {
                throw TemplateError(.invalidParameters, "Parameter \(name) must be \(format.expectation).")
            }
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

/// A string parameter's declared shape (`format:` in a template). Checked when
/// a run is triggered, so a malformed value is 400 before anything is queued.
public enum ParameterFormat: String, Sendable, CaseIterable {
    /// A calendar month as six digits, `YYYYMM`: year 1900 to 9999, month 01 to 12.
    case yyyymm
    /// A calendar date, `YYYY-MM-DD`, that exists (no 2025-02-30).
    case date

    /// What the error message says a value must be.
    public var expectation: String {
        switch self {
        case .yyyymm: "a month as YYYYMM (six digits, month 01 to 12, such as 202510)"
        case .date: "a date as YYYY-MM-DD (such as 2025-10-31)"
        }
    }

    public func matches(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        switch self {
        case .yyyymm:
            guard bytes.count == 6, let year = number(0..<4), let month = number(4..<6) else { return false }
            return year >= 1900 && (1...12).contains(month)
        case .date:
            guard bytes.count == 10, bytes[4] == 45, bytes[7] == 45,
                  let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                  year >= 1900, (1...12).contains(month) else { return false }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            return (1...days).contains(day)
        }
    }
}
