/// A PostgreSQL failure, with the SQLSTATE when the server sent one.
public enum PostgresError: Error, Sendable, CustomStringConvertible {
    /// Could not connect, or the connection broke (server restart, network).
    case connectionFailed(String)
    /// The server rejected a statement.
    case server(sqlState: String, message: String)
    /// A value could not be decoded as the requested Swift type.
    case decoding(column: String, expected: String)
    case missingColumn(String)
    /// No answer within a statement's client-side deadline; the connection was closed.
    case timedOut(milliseconds: Int)

    public var description: String {
        switch self {
        case .connectionFailed(let message): "PostgreSQL connection failed: \(message)"
        case .server(let state, let message): "PostgreSQL error \(state): \(message)"
        case .decoding(let column, let expected): "column \(column) is not \(expected)"
        case .missingColumn(let column): "no column \(column) in result"
        case .timedOut(let ms): "PostgreSQL gave no answer within \(ms) ms (connection closed)"
        }
    }

    public var sqlState: String? {
        if case .server(let state, _) = self { return state }
        return nil
    }

    public var isConnectionFailure: Bool {
        if case .connectionFailed = self { return true }
        // Class 08: connection exceptions; 57P01-03: admin/crash shutdown, cannot connect now.
        if let state = sqlState { return state.hasPrefix("08") || state.hasPrefix("57P") }
        return false
    }
}
