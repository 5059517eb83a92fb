/// One response header. A nominal type rather than a `(String, String)` tuple:
/// arrays of tuples need their metadata looked up at run time, on every request.
public struct HTTPField: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
