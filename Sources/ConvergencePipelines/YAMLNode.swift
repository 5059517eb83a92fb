/// A YAML document as a tree, each node knowing the (1-based) line it starts
/// on so template errors can point at it. Scalars stay text: the template
/// decoder decides what type a key wants, and `isPlain` tells it whether the
/// author quoted the value (`"5"` is a string, `5` may be a number).
public indirect enum YAMLNode: Sendable, Equatable {
    case scalar(String, isPlain: Bool, line: Int)
    case sequence([YAMLNode], line: Int)
    case mapping([(key: String, value: YAMLNode)], line: Int)

    public var line: Int {
        switch self {
        case .scalar(_, _, let line), .sequence(_, let line), .mapping(_, let line): line
        }
    }

    /// What the node is, for error messages ("expected a mapping, found a sequence").
    public var kindName: String {
        switch self {
        case .scalar: "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// A plain scalar YAML 1.1 reads as null (`~`, `null`, empty).
    public var isNull: Bool {
        if case .scalar(let text, true, _) = self { return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" }
        return false
    }

    public static func == (a: YAMLNode, b: YAMLNode) -> Bool {
        switch (a, b) {
        case let (.scalar(x, p, l), .scalar(y, q, m)): return x == y && p == q && l == m
        case let (.sequence(x, l), .sequence(y, m)): return x == y && l == m
        case let (.mapping(x, l), .mapping(y, m)):
            return l == m && x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}
