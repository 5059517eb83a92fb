import Glibc

public enum LogLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case debug, info, warning, error

    var rank: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

/// A log field value; only strings and numbers, so nothing structured (a request,
/// a config) can be dumped into a log line by accident.
public enum LogValue: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }

    var json: String {
        switch self {
        case .string(let s): JSONString.quoted(s)
        case .int(let i): String(i)
        case .double(let d): d.isFinite ? String(d) : "null"
        case .bool(let b): b ? "true" : "false"
        }
    }
}

/// JSON-lines logger on stderr (journald-friendly). Each line goes out in one
/// write(2), so lines from worker threads and processes never interleave.
public struct Logger: Sendable {
    public let role: String
    public let minimumLevel: LogLevel
    private let sink: @Sendable (String) -> Void

    public init(role: String, minimumLevel: LogLevel = .info, sink: (@Sendable (String) -> Void)? = nil) {
        self.role = role
        self.minimumLevel = minimumLevel
        self.sink = sink ?? Logger.writeToStderr
    }

    public func with(role: String) -> Logger { Logger(role: role, minimumLevel: minimumLevel, sink: sink) }
    public func with(level: LogLevel) -> Logger { Logger(role: role, minimumLevel: level, sink: sink) }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, LogValue> = [:], requestID: String? = nil) {
        log(.debug, message, fields, requestID: requestID)
    }
    public func info(_ message: String, _ fields: KeyValuePairs<String, LogValue> = [:], requestID: String? = nil) {
        log(.info, message, fields, requestID: requestID)
    }
    public func warning(_ message: String, _ fields: KeyValuePairs<String, LogValue> = [:], requestID: String? = nil) {
        log(.warning, message, fields, requestID: requestID)
    }
    public func error(_ message: String, _ fields: KeyValuePairs<String, LogValue> = [:], requestID: String? = nil) {
        log(.error, message, fields, requestID: requestID)
    }

    public func log(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, LogValue>, requestID: String?) {
        guard level >= minimumLevel else { return }
        sink(Logger.format(level: level, role: role, pid: Int(getpid()), message: message, fields: fields, requestID: requestID))
    }

    /// One log line (without the newline). Pure, so tests can check the shape.
    static let lineKeys: Set<String> = ["time", "level", "role", "pid", "request_id", "msg"]

    public static func format(
        level: LogLevel, role: String, pid: Int, message: String,
        fields: KeyValuePairs<String, LogValue>, requestID: String?, time: String = WallClock.rfc3339Now()
    ) -> String {
        var line = "{\"time\":\"\(time)\",\"level\":\"\(level.rawValue)\",\"role\":\(JSONString.quoted(role)),\"pid\":\(pid)"
        if let requestID { line += ",\"request_id\":\(JSONString.quoted(requestID))" }
        line += ",\"msg\":\(JSONString.quoted(message))"
        // The line's own keys describe the process writing it; a field of the same name
        // (the supervisor logging a worker's "pid") describes another one: "child_pid".
        // One key, one meaning: JSON readers keep only one of two equal keys.
        for (key, value) in fields {
            let name = Logger.lineKeys.contains(key) ? "child_" + key : key
            line += ",\(JSONString.quoted(name)):\(value.json)"
        }
        line += "}"
        return line
    }

    private static let writeToStderr: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.append(10)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(2, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}
