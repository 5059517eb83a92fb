import ConvergenceCore
import Glibc

/// A parsed JSON document kept as a flat list of nodes over its source bytes.
///
/// Parsing validates everything (syntax, UTF-8, depth, number range) but
/// builds no Strings, arrays or dictionaries: one node per value, in document
/// order, each knowing where its subtree ends. Hot paths read the fields they
/// need straight from the bytes; `value(_:)` materialises a `JSONValue` for
/// code that wants the tree. `JSONParser.parse` is this plus `value(root)`, so
/// there is one implementation of the grammar.
public struct JSONDocument: Sendable {
    public enum Kind: UInt8, Sendable {
        case null, bool, number, string, array, object
    }

    struct Node: Sendable {
        var kind: Kind
        /// Strings: contains a backslash escape (its bytes are not its value).
        var escaped = false
        /// Strings: after the opening quote; numbers: first byte; containers: the bracket.
        var start: UInt32
        /// Strings: the closing quote; numbers: after the last digit; containers: the closing bracket.
        var end: UInt32 = 0
        /// The node after this value's subtree. While a container is open it holds the parent's index.
        var next: Int32 = 0
        /// Numbers: the Double's bits; bools: 0/1; containers: elements (arrays) or members (objects).
        var payload: UInt64 = 0
    }

    public let bytes: [UInt8]
    let nodes: NodeStorage

    /// The top-level value.
    public var root: Int { 0 }

    /// `rejectDuplicateKeys`: an object naming one key twice is a failure. Request bodies
    /// set it: parsers disagree on which copy wins, so a front end and this server could
    /// judge different requests (RFC 8259 leaves it open; RFC 7493 I-JSON forbids it).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth,
                             rejectDuplicateKeys: Bool = false) throws(JSONParser.Failure) -> JSONDocument {
        let nodes = NodeStorage(capacity: bytes.count / 8 + 8)
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParser.Failure) in
            var reader = Reader(bytes: buffer, maxDepth: maxDepth, nodes: nodes)
            try reader.document()
        }
        let document = JSONDocument(bytes: bytes, nodes: nodes)
        if rejectDuplicateKeys { try document.refuseDuplicateKeys() }
        return document
    }

    /// Every object in document order; small objects compare keys pairwise (no
    /// allocation), larger ones through a set, so the pass stays linear.
    func refuseDuplicateKeys() throws(JSONParser.Failure) {
        for index in 0..<nodes.count where nodes[index].kind == .object && nodes[index].payload > 1 {
            let members = keys(index)
            if members.count <= 16 {
                for (i, key) in members.enumerated() {
                    for other in members.prefix(i) where sameKey(key, other) { throw duplicate(key) }
                }
            } else {
                var seen = Set<[UInt8]>(minimumCapacity: members.count)
                for key in members where !seen.insert(withUTF8(key) { Array($0) }).inserted { throw duplicate(key) }
            }
        }
    }

    private func sameKey(_ a: Int, _ b: Int) -> Bool {
        withUTF8(a) { first in keyEquals(b, first) }
    }

    private func duplicate(_ key: Int) -> JSONParser.Failure {
        // The name goes into an error message: bounded, printable.
        JSONParser.Failure(offset: Int(nodes[key].start) - 1, reason: "duplicate key \"\(string(key).shownInMessage())\" in an object")
    }

    // MARK: - Reading

    public func kind(_ node: Int) -> Kind { nodes[node].kind }
    public func bool(_ node: Int) -> Bool { nodes[node].payload != 0 }
    public func number(_ node: Int) -> Double { Double(bitPattern: nodes[node].payload) }
    /// Elements of an array, members of an object.
    public func count(_ node: Int) -> Int { Int(nodes[node].payload) }
    /// The node that follows `node`'s subtree (its next sibling when it has one).
    public func after(_ node: Int) -> Int { Int(nodes[node].next) }

    /// The elements of the array at `node`.
    public func elements(_ node: Int) -> Children { Children(nodes: nodes, first: node + 1, count: count(node), step: 1) }

    /// The members of the object at `node`, as key nodes (the value is `key + 1`).
    public func keys(_ node: Int) -> Children { Children(nodes: nodes, first: node + 1, count: count(node), step: 2) }

    /// Siblings walked through their `next` links: no array is built (and only the
    /// node storage is held, not the whole document).
    public struct Children: Sequence, Sendable {
        let nodes: NodeStorage
        let first: Int
        let count: Int
        /// 1 for array elements; 2 for object members (a key, then its value's subtree).
        let step: Int

        public func makeIterator() -> Iterator { Iterator(nodes: nodes, step: step, node: first, left: count) }

        public struct Iterator: IteratorProtocol {
            let nodes: NodeStorage
            let step: Int
            var node: Int
            var left: Int

            public mutating func next() -> Int? {
                guard left > 0 else { return nil }
                left -= 1
                let current = node
                node = Int(nodes[step == 2 ? current + 1 : current].next)
                return current
            }
        }
    }

    /// The value of the last member named `name` (repeated keys: the last wins, as in `JSONObject`).
    public func member(_ object: Int, _ name: StaticString) -> Int? {
        let wanted = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        var found: Int?
        var key = object + 1
        for _ in 0..<count(object) { // walked by hand: no iterator holding a copy of the document
            if keyEquals(key, wanted) { found = key + 1 }
            key = after(key + 1)
        }
        return found
    }

    /// Whether the string at `node` equals `wanted` (compared on the decoded value).
    public func keyEquals(_ node: Int, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = nodes[node]
        guard !n.escaped else { return withUTF8(node) { $0.elementsEqual(wanted) } }
        guard Int(n.end - n.start) == wanted.count else { return false }
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + Int(n.start), wanted.baseAddress!, wanted.count) == 0 }
    }

    /// The decoded bytes of the string at `node` (its source bytes when it has no escapes).
    public func withUTF8<R>(_ node: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let n = nodes[node]
        if n.escaped {
            let decoded = unescape(n)
            return try decoded.withUnsafeBufferPointer(body)
        }
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[Int(n.start)..<Int(n.end)])) }
    }

    /// UTF-8 length of the string at `node`'s value.
    public func utf8Count(_ node: Int) -> Int {
        let n = nodes[node]
        return n.escaped ? unescape(n).count : Int(n.end - n.start)
    }

    public func string(_ node: Int) -> String {
        withUTF8(node) { String(decoding: $0, as: UTF8.self) } // validated while parsing
    }

    /// The subtree at `node` as a `JSONValue` tree.
    public func value(_ node: Int) -> JSONValue {
        switch nodes[node].kind {
        case .null: return .null
        case .bool: return .bool(bool(node))
        case .number: return .number(number(node))
        case .string: return .string(string(node))
        case .array:
            var elements: [JSONValue] = []
            elements.reserveCapacity(count(node))
            for element in self.elements(node) { elements.append(value(element)) }
            return .array(elements)
        case .object:
            var object = JSONObject(reserving: count(node))
            for key in keys(node) { object.appendUnchecked(string(key), value(key + 1)) }
            return .object(object)
        }
    }

    private func unescape(_ n: Node) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Int(n.end - n.start))
        bytes.withUnsafeBufferPointer { source in
            var i = Int(n.start)
            let end = Int(n.end)
            while i < end {
                let byte = source[i]
                guard byte == UInt8(ascii: "\\") else { out.append(byte); i += 1; continue }
                let escape = source[i + 1]
                i += 2
                switch escape {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = Reader.hexValue(source, i)
                    i += 4
                    if (0xD800...0xDBFF).contains(scalar) { // validated: a low surrogate follows
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (Reader.hexValue(source, i + 2) - 0xDC00)
                        i += 6
                    }
                    out.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
                default: out.append(escape) // \" \\ \/
                }
            }
        }
        return out
    }
}
