import ConvergenceHTTP

/// One operation the customer's application is about to perform.
public struct Operation: Sendable, Equatable {
    public var type: String
    public var model: String?
    public var provider: String?
    public var tokens: Int?
    public var records: Int?
    public var input: String?
    public var dataClassification: String?
    public var destination: String?

    public init(type: String, model: String? = nil, provider: String? = nil, tokens: Int? = nil, records: Int? = nil,
                input: String? = nil, dataClassification: String? = nil, destination: String? = nil) {
        self.type = type
        self.model = model
        self.provider = provider
        self.tokens = tokens
        self.records = records
        self.input = input
        self.dataClassification = dataClassification
        self.destination = destination
    }

    public static let knownTypes: Set<String> = [
        "llm_call", "embedding", "data_query", "data_export", "tool_call", "external_api_call", "file_upload",
    ]
}

/// A validated `POST /v1/check` body.
public struct CheckRequest: Sendable {
    public var operations: [Operation]
    /// The `context` object (empty when absent).
    public var context: JSONObject

    public init(operations: [Operation], context: JSONObject = [:]) {
        self.operations = operations
        self.context = context
    }

    public static let maxOperations = 100
    public static let maxStringBytes = 100 * 1024
    public static let maxCount = 1_000_000_000
    public static let maxDepth = 16
    public static let maxKeyBytes = 256

    /// A problem with the body, naming the field.
    public struct Invalid: Error, Equatable {
        public let field: String
        public let problem: String
        public var message: String { "\(field): \(problem)" }
    }

    /// Validates a parsed body. Unknown operation fields are ignored (clients may
    /// send more than we use); wrong types and out-of-range values are errors.
    public static func from(_ value: JSONValue) throws(Invalid) -> CheckRequest {
        guard case .object(let body) = value else { throw Invalid(field: "body", problem: "must be a JSON object") }
        guard let rawOperations = body["operations"] else { throw Invalid(field: "operations", problem: "is required") }
        guard case .array(let items) = rawOperations else { throw Invalid(field: "operations", problem: "must be an array") }
        guard !items.isEmpty else { throw Invalid(field: "operations", problem: "must not be empty") }
        guard items.count <= maxOperations else {
            throw Invalid(field: "operations", problem: "at most \(maxOperations) operations per check")
        }
        var operations: [Operation] = []
        operations.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            operations.append(try operation(item, index: index))
        }
        var context = JSONObject()
        if let rawContext = body["context"] {
            switch rawContext {
            case .object(let object): context = object
            case .null: break
            default: throw Invalid(field: "context", problem: "must be an object")
            }
            // A cheap pass first; the path-naming pass runs only when something is wrong.
            if !withinBounds(rawContext, depth: 0) { try checkStrings(rawContext, path: "context", depth: 0) }
        }
        return CheckRequest(operations: operations, context: context)
    }

    static func operation(_ value: JSONValue, index: Int) throws(Invalid) -> Operation {
        var path: String { "operations[\(index)]" }
        guard case .object(let fields) = value else { throw Invalid(field: path, problem: "must be an object") }
        func string(_ name: String) throws(Invalid) -> String? {
            switch fields[name] {
            case nil, .null?: return nil
            case .string(let s)?:
                guard s.utf8.count <= maxStringBytes else { throw Invalid(field: "\(path).\(name)", problem: "is longer than \(maxStringBytes) bytes") }
                return s
            default: throw Invalid(field: "\(path).\(name)", problem: "must be a string")
            }
        }
        func count(_ name: String) throws(Invalid) -> Int? {
            switch fields[name] {
            case nil, .null?: return nil
            case .number(let n)?:
                guard n.rounded() == n else { throw Invalid(field: "\(path).\(name)", problem: "must be an integer") }
                guard n >= 0 else { throw Invalid(field: "\(path).\(name)", problem: "must not be negative") }
                guard n <= Double(maxCount) else { throw Invalid(field: "\(path).\(name)", problem: "must be at most \(maxCount)") }
                return Int(n)
            default: throw Invalid(field: "\(path).\(name)", problem: "must be an integer")
            }
        }
        guard let type = try string("type"), !type.isEmpty else { throw Invalid(field: "\(path).type", problem: "is required") }
        return Operation(type: type, model: try string("model"), provider: try string("provider"), tokens: try count("tokens"),
                         records: try count("records"), input: try string("input"),
                         dataClassification: try string("data_classification"), destination: try string("destination"))
    }

    static func withinBounds(_ value: JSONValue, depth: Int) -> Bool {
        guard depth <= maxDepth else { return false }
        switch value {
        case .string(let s): return s.utf8.count <= maxStringBytes
        case .array(let items): return items.allSatisfy { withinBounds($0, depth: depth + 1) }
        case .object(let members):
            return members.members.allSatisfy { $0.key.utf8.count <= maxKeyBytes && withinBounds($0.value, depth: depth + 1) }
        default: return true
        }
    }

    static func checkStrings(_ value: JSONValue, path: String, depth: Int) throws(Invalid) {
        guard depth <= maxDepth else { throw Invalid(field: path, problem: "nests deeper than \(maxDepth) levels") }
        switch value {
        case .string(let s):
            guard s.utf8.count <= maxStringBytes else { throw Invalid(field: path, problem: "is longer than \(maxStringBytes) bytes") }
        case .array(let items):
            for (i, item) in items.enumerated() { try checkStrings(item, path: "\(path)[\(i)]", depth: depth + 1) }
        case .object(let members):
            for (key, item) in members {
                guard key.utf8.count <= maxKeyBytes else { throw Invalid(field: path, problem: "has a key longer than \(maxKeyBytes) bytes") }
                try checkStrings(item, path: "\(path).\(String(key.prefix(64)))", depth: depth + 1)
            }
        default: break
        }
    }
}
