import ConvergenceCore
import ConvergenceJSON
import Glibc

/// One operation the customer's application is about to perform. A class:
/// every check reads its operations several times (score, rules, audit row),
/// and copying a struct of seven strings meant seven retains per read.
public final class Operation: Sendable, Equatable {
    public let type: String
    public let model: String?
    public let provider: String?
    public let tokens: Int?
    public let records: Int?
    public let input: String?
    public let dataClassification: String?
    public let destination: String?

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

    public static func == (a: Operation, b: Operation) -> Bool {
        a.type == b.type && a.model == b.model && a.provider == b.provider && a.tokens == b.tokens && a.records == b.records
            && a.input == b.input && a.dataClassification == b.dataClassification && a.destination == b.destination
    }
}

/// A validated `POST /v1/check` body.
public struct CheckRequest: Sendable {
    public var operations: [Operation]
    /// The `context` object (empty when absent), read in place from the body.
    public var context: CheckContext

    public init(operations: [Operation], context: CheckContext = .empty) {
        self.operations = operations
        self.context = context
    }

    public init(operations: [Operation], context: JSONObject) {
        self.init(operations: operations, context: CheckContext(context))
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

    /// Validates a parsed body. Unknown fields are errors, in an operation and at the
    /// top level: a misspelt `token` for `tokens` must not silently disable a rule.
    /// Application data goes in `context` (free-form, and scanned for personal data).
    /// Wrong types and out-of-range values are errors too.
    public static func from(_ document: JSONDocument) throws(Invalid) -> CheckRequest {
        let body = document.root
        guard document.kind(body) == .object else { throw Invalid(field: "body", problem: "must be a JSON object") }
        for key in document.keys(body) where !document.withUTF8(key, { isTopLevelField($0) }) {
            throw Invalid(field: shownKey(document, key), problem: "is not a field of a check (operations, context)")
        }
        guard let items = document.member(body, "operations") else { throw Invalid(field: "operations", problem: "is required") }
        guard document.kind(items) == .array else { throw Invalid(field: "operations", problem: "must be an array") }
        let count = document.count(items)
        guard count > 0 else { throw Invalid(field: "operations", problem: "must not be empty") }
        guard count <= maxOperations else {
            throw Invalid(field: "operations", problem: "at most \(maxOperations) operations per check")
        }
        var operations: [Operation] = []
        operations.reserveCapacity(count)
        for (index, item) in document.elements(items).enumerated() {
            operations.append(try operation(document, item, index: index))
        }
        var context = CheckContext.empty
        if let node = document.member(body, "context") {
            switch document.kind(node) {
            case .object: context = CheckContext(document: document, node: node)
            case .null: break
            default: throw Invalid(field: "context", problem: "must be an object")
            }
            // A cheap pass first; the path-naming pass runs only when something is wrong.
            if !withinBounds(document, node, depth: 0) { try checkStrings(document, node, path: "context", depth: 0) }
        }
        return CheckRequest(operations: operations, context: context)
    }

    /// The operation fields we read.
    enum Field: Int, CaseIterable {
        case type, model, provider, tokens, records, input, dataClassification, destination

        static let names: [StaticString] = ["type", "model", "provider", "tokens", "records", "input", "data_classification", "destination"]
        var name: String { Field.names[rawValue].description }

        /// The field a member key names, if any (length first: one comparison per key).
        static func named(_ key: UnsafeBufferPointer<UInt8>) -> Field? {
            func equals(_ field: Field) -> Bool { memcmp(key.baseAddress!, names[field.rawValue].utf8Start, key.count) == 0 }
            switch key.count {
            case 4: return equals(.type) ? .type : nil
            case 5: return equals(.model) ? .model : equals(.input) ? .input : nil
            case 6: return equals(.tokens) ? .tokens : nil
            case 7: return equals(.records) ? .records : nil
            case 8: return equals(.provider) ? .provider : nil
            case 11: return equals(.destination) ? .destination : nil
            case 19: return equals(.dataClassification) ? .dataClassification : nil
            default: return nil
            }
        }
    }

    /// The member node of each field (the last when repeated), -1 when absent.
    struct FieldNodes {
        private var nodes = (-1, -1, -1, -1, -1, -1, -1, -1)

        subscript(_ field: Field) -> Int {
            get { withUnsafeBytes(of: nodes) { $0.load(fromByteOffset: field.rawValue * MemoryLayout<Int>.stride, as: Int.self) } }
            set {
                withUnsafeMutableBytes(of: &nodes) {
                    $0.storeBytes(of: newValue, toByteOffset: field.rawValue * MemoryLayout<Int>.stride, as: Int.self)
                }
            }
        }
    }

    static func operation(_ document: JSONDocument, _ node: Int, index: Int) throws(Invalid) -> Operation {
        var path: String { "operations[\(index)]" }
        guard document.kind(node) == .object else { throw Invalid(field: path, problem: "must be an object") }
        // One pass over the members; the fields are then validated in a fixed order.
        var nodes = FieldNodes()
        for key in document.keys(node) {
            guard let field = document.withUTF8(key, Field.named) else {
                throw Invalid(field: "\(path).\(shownKey(document, key))",
                              problem: "is not an operation field (\(Field.allCases.map(\.name).joined(separator: ", "))); "
                                  + "application data goes in the check's context")
            }
            nodes[field] = key + 1
        }
        func member(_ field: Field) -> Int? {
            let value = nodes[field]
            return value >= 0 && document.kind(value) != .null ? value : nil
        }
        func string(_ field: Field) throws(Invalid) -> String? {
            guard let value = member(field) else { return nil }
            guard document.kind(value) == .string else { throw Invalid(field: "\(path).\(field.name)", problem: "must be a string") }
            guard document.utf8Count(value) <= maxStringBytes else {
                throw Invalid(field: "\(path).\(field.name)", problem: "is longer than \(maxStringBytes) bytes")
            }
            return document.string(value)
        }
        func count(_ field: Field) throws(Invalid) -> Int? {
            guard let value = member(field) else { return nil }
            guard document.kind(value) == .number else { throw Invalid(field: "\(path).\(field.name)", problem: "must be an integer") }
            let n = document.number(value)
            guard n.rounded() == n else { throw Invalid(field: "\(path).\(field.name)", problem: "must be an integer") }
            guard n >= 0 else { throw Invalid(field: "\(path).\(field.name)", problem: "must not be negative") }
            guard n <= Double(maxCount) else { throw Invalid(field: "\(path).\(field.name)", problem: "must be at most \(maxCount)") }
            return Int(n)
        }
        guard let type = try string(.type) else { throw Invalid(field: "\(path).type", problem: "is required") }
        guard !type.isEmpty else { throw Invalid(field: "\(path).type", problem: "must not be empty") }
        return Operation(type: type, model: try string(.model), provider: try string(.provider), tokens: try count(.tokens),
                         records: try count(.records), input: try string(.input),
                         dataClassification: try string(.dataClassification), destination: try string(.destination))
    }

    static func isTopLevelField(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        // Bytes in place: `elementsEqual` over a UTF8View walked two iterators.
        func equals(_ name: StaticString) -> Bool {
            key.count == name.utf8CodeUnitCount && memcmp(key.baseAddress!, name.utf8Start, key.count) == 0
        }
        return equals("operations") || equals("context")
    }

    /// A client's key in an error message: at most 64 printable characters.
    static func shownKey(_ document: JSONDocument, _ key: Int) -> String { document.string(key).shownInMessage(limit: 64) }

    static func withinBounds(_ document: JSONDocument, _ node: Int, depth: Int) -> Bool {
        guard depth <= maxDepth else { return false }
        switch document.kind(node) {
        case .string: return document.utf8Count(node) <= maxStringBytes
        case .array: return document.elements(node).allSatisfy { withinBounds(document, $0, depth: depth + 1) }
        case .object:
            return document.keys(node).allSatisfy {
                document.utf8Count($0) <= maxKeyBytes && withinBounds(document, $0 + 1, depth: depth + 1)
            }
        default: return true
        }
    }

    static func checkStrings(_ document: JSONDocument, _ node: Int, path: String, depth: Int) throws(Invalid) {
        guard depth <= maxDepth else { throw Invalid(field: path, problem: "nests deeper than \(maxDepth) levels") }
        switch document.kind(node) {
        case .string:
            guard document.utf8Count(node) <= maxStringBytes else { throw Invalid(field: path, problem: "is longer than \(maxStringBytes) bytes") }
        case .array:
            for (i, element) in document.elements(node).enumerated() {
                try checkStrings(document, element, path: "\(path)[\(i)]", depth: depth + 1)
            }
        case .object:
            for key in document.keys(node) {
                guard document.utf8Count(key) <= maxKeyBytes else {
                    throw Invalid(field: path, problem: "has a key longer than \(maxKeyBytes) bytes")
                }
                try checkStrings(document, key + 1, path: "\(path).\(String(document.string(key).prefix(64)))", depth: depth + 1)
            }
        default: break
        }
    }
}

/// A check's `context` object, read in place from the parsed body: the PII
/// scan walks its strings and the audit record takes two identifiers from it,
/// so no tree is built for it.
public struct CheckContext: Sendable {
    let document: JSONDocument?
    let node: Int

    public static let empty = CheckContext(document: nil, node: 0)

    init(document: JSONDocument?, node: Int) {
        self.document = document
        self.node = node
    }

    /// A context built from a value (tests, tools): serialised and read back like a body.
    public init(_ object: JSONObject) {
        if object.isEmpty {
            self = .empty
        } else {
            let document = try! JSONDocument.parse(JSONSerializer.bytes(.object(object)), maxDepth: .max) // our own output
            self.init(document: document, node: document.root)
        }
    }

    public var isEmpty: Bool { document.map { $0.count(node) == 0 } ?? true }

    /// The string value of the top-level member `name` (nil when absent or not a string).
    public func string(_ name: StaticString) -> String? {
        guard let document, let value = document.member(node, name), document.kind(value) == .string else { return nil }
        return document.string(value)
    }

    /// The context as a tree (diagnostics and tests; the hot path reads in place).
    public var object: JSONObject {
        guard let document, case .object(let object) = document.value(node) else { return JSONObject() }
        return object
    }
}
