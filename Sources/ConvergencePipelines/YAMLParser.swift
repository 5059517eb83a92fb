import CYAML

/// YAML text → `YAMLNode` through libyaml's document loader. Templates are
/// operator-written files, but they are still bounded: aliases are expanded
/// by libyaml into shared nodes, so depth and node count are capped to keep a
/// "billion laughs" file from exhausting memory.
public enum YAMLParser {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    static let maxDepth = 64
    static let maxNodes = 100_000

    /// Parses the first document of `text`; an empty stream is an error (a template needs content).
    public static func parse(_ text: String) throws(Failure) -> YAMLNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw Failure(line: 1, message: "libyaml could not start (out of memory)") }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        var document = yaml_document_t()
        let loaded = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return yaml_parser_load(&parser, &document)
        }
        guard loaded == 1 else { throw failure(from: parser) }
        defer { yaml_document_delete(&document) }
        guard let root = yaml_document_get_root_node(&document) else {
            throw Failure(line: 1, message: "the file is empty")
        }
        var budget = maxNodes
        return try convert(root, in: &document, depth: 0, budget: &budget)
    }

    private static func failure(from parser: yaml_parser_t) -> Failure {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            message = "\(problem) (\(context) at line \(parser.context_mark.line + 1))"
        }
        // libyaml's marks are 0-based; editors count from 1.
        return Failure(line: Int(parser.problem_mark.line) + 1, message: message)
    }

    private static func convert(_ node: UnsafeMutablePointer<yaml_node_t>, in document: inout yaml_document_t,
                                depth: Int, budget: inout Int) throws(Failure) -> YAMLNode {
        let line = Int(node.pointee.start_mark.line) + 1
        budget -= 1
        guard depth < maxDepth, budget >= 0 else {
            throw Failure(line: line, message: "the document is nested too deeply or has too many nodes (aliases?)")
        }
        switch node.pointee.type {
        case YAML_SCALAR_NODE:
            let scalar = node.pointee.data.scalar
            let buffer = UnsafeBufferPointer(start: scalar.value, count: scalar.length)
            let text = String(decoding: buffer, as: UTF8.self)
            return .scalar(text, isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE, line: line)
        case YAML_SEQUENCE_NODE:
            var items: [YAMLNode] = []
            var cursor = node.pointee.data.sequence.items.start
            let top = node.pointee.data.sequence.items.top
            while let current = cursor, current != top {
                guard let child = yaml_document_get_node(&document, current.pointee) else { break }
                items.append(try convert(child, in: &document, depth: depth + 1, budget: &budget))
                cursor = current + 1
            }
            return .sequence(items, line: line)
        case YAML_MAPPING_NODE:
            var pairs: [(key: String, value: YAMLNode)] = []
            var cursor = node.pointee.data.mapping.pairs.start
            let top = node.pointee.data.mapping.pairs.top
            while let current = cursor, current != top {
                guard let keyNode = yaml_document_get_node(&document, current.pointee.key),
                      let valueNode = yaml_document_get_node(&document, current.pointee.value) else { break }
                let key = try convert(keyNode, in: &document, depth: depth + 1, budget: &budget)
                guard case .scalar(let name, _, let keyLine) = key else {
                    throw Failure(line: key.line, message: "mapping keys must be plain text, found \(key.kindName)")
                }
                if pairs.contains(where: { $0.key == name }) {
                    throw Failure(line: keyLine, message: "duplicate key \"\(name)\"")
                }
                pairs.append((name, try convert(valueNode, in: &document, depth: depth + 1, budget: &budget)))
                cursor = current + 1
            }
            return .mapping(pairs, line: line)
        default:
            return .scalar("", isPlain: true, line: line)
        }
    }
}
