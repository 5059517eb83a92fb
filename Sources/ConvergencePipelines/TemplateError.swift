/// Why a template cannot run, phrased for the client that triggered it.
public struct TemplateError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The template file itself is wrong (invalid YAML, unknown step kind, bad key): names file and line.
        case invalidTemplate
        /// The trigger's parameters are missing, unknown or of the wrong type.
        case invalidParameters
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// An error in `file` at `line`.
    static func at(_ file: String, _ line: Int, _ message: String) -> TemplateError {
        TemplateError(.invalidTemplate, "Template \(file), line \(line): \(message)")
    }

    public var description: String { message }
}
