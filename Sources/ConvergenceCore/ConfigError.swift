/// A configuration problem, always naming the key (and where it came from) so an
/// operator can fix it without reading code.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let source: String
    public let problem: String

    public init(key: String, source: String, problem: String) {
        self.key = key
        self.source = source
        self.problem = problem
    }

    public var description: String { "config error: \(key) (\(source)): \(problem)" }
}
