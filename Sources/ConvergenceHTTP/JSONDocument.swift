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
        let name = string(key).unicodeScalars.prefix(40).map { $0.value >= 32 && $0.value < 127 ? String($0) : "?" }.joined()
        return JSONParser.Failure(offset: Int(nodes[key].start) - 1, reason: "duplicate key \"\(name)\" in an object")
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

extension JSONDocument {
    /// The grammar, iteratively: open containers are chained through their
    /// nodes' `next` field, so hostile nesting costs no stack.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        let nodes: NodeStorage
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, nodes: NodeStorage) {
            self.bytes = bytes
            self.maxDepth = maxDepth
            self.nodes = nodes
        }

        func fail(_ reason: String) -> JSONParser.Failure { JSONParser.Failure(offset: index, reason: reason) }

        @inline(__always)
        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func document() throws(JSONParser.Failure) {
            var parent = -1
            var depth = 0
            skipWhitespace()
            valueLoop: while true {
                // A value starts here.
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end of input") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                    depth += 1
                    guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
                    let isObject = byte == UInt8(ascii: "{")
                    nodes.append(Node(kind: isObject ? .object : .array, start: UInt32(index), next: Int32(parent)))
                    parent = nodes.count - 1
                    index += 1
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        close(&parent, &depth) // empty: a value of its parent
                    } else {
                        if isObject { try key() }
                        continue valueLoop
                    }
                } else {
                    try scalar(byte)
                }
                // A value ended: count it in its container, then a separator or the container's end.
                while parent >= 0 {
                    let isObject = nodes[parent].kind == .object
                    nodes[parent].payload += 1
                    skipWhitespace()
                    guard index < bytes.count else { throw fail("unexpected end of input") }
                    let separator = bytes[index]
                    if separator == UInt8(ascii: ",") {
                        index += 1
                        if isObject {
                            skipWhitespace()
                            try key()
                        }
                        continue valueLoop
                    }
                    guard separator == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                        throw fail(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
                    }
                    close(&parent, &depth)
                }
                break
            }
            skipWhitespace()
            guard index == bytes.count else { throw fail("unexpected data after the JSON value") }
        }

        /// Closes the open container at the closing bracket under `index`.
        @inline(__always)
        private mutating func close(_ parent: inout Int, _ depth: inout Int) {
            let closed = parent
            nodes[closed].end = UInt32(index)
            index += 1
            parent = Int(nodes[closed].next)
            nodes[closed].next = Int32(nodes.count)
            depth -= 1
        }

        /// A member's key and its colon; the value follows.
        @inline(__always)
        mutating func key() throws(JSONParser.Failure) {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            var node = try string()
            node.next = Int32(nodes.count + 1)
            nodes.append(node)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
        }

        @inline(__always)
        mutating func scalar(_ byte: UInt8) throws(JSONParser.Failure) {
            var node: Node
            switch byte {
            case UInt8(ascii: "\""): node = try string()
            case UInt8(ascii: "t"): node = Node(kind: .bool, start: UInt32(index), payload: 1); try literal("true")
            case UInt8(ascii: "f"): node = Node(kind: .bool, start: UInt32(index)); try literal("false")
            case UInt8(ascii: "n"): node = Node(kind: .null, start: UInt32(index)); try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): node = try number()
            default: throw fail("unexpected character")
            }
            node.next = Int32(nodes.count + 1)
            nodes.append(node)
        }

        mutating func literal(_ word: StaticString) throws(JSONParser.Failure) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("unexpected end of input") }
            for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw fail("invalid literal") }
            index += count
        }

        mutating func number() throws(JSONParser.Failure) -> Node {
            let start = index
            var plainInteger = true
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                plainInteger = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                plainInteger = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
            let value: Double
            let negative = bytes[start] == UInt8(ascii: "-")
            if plainInteger, text.count - (negative ? 1 : 0) <= 15 {
                // Exact in a Double: no conversion through text.
                var magnitude: Int64 = 0
                for digit in text where digit != UInt8(ascii: "-") { magnitude = magnitude * 10 + Int64(digit - 0x30) }
                value = negative ? (magnitude == 0 ? -0.0 : -Double(magnitude)) : Double(magnitude)
            } else {
                guard let parsed = Double(String(decoding: text, as: UTF8.self)), parsed.isFinite else {
                    throw JSONParser.Failure(offset: start, reason: "number out of range")
                }
                value = parsed
            }
            return Node(kind: .number, start: UInt32(start), end: UInt32(index), payload: value.bitPattern)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        /// A string token: validated (escapes, control characters, UTF-8), not decoded.
        @inline(__always)
        mutating func string() throws(JSONParser.Failure) -> Node {
            index += 1 // opening quote
            let start = index
            var escaped = false
            var highBits: UInt8 = 0
            while index < bytes.count {
                index = Reader.plainRun(bytes, from: index, highBits: &highBits)
                guard index < bytes.count else { break }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    // Escapes are ASCII, so validating the source bytes validates the decoded value.
                    if highBits >= 0x80, !UTF8Validation.isValid(UnsafeBufferPointer(rebasing: bytes[start..<index])) {
                        throw JSONParser.Failure(offset: start, reason: "string is not valid UTF-8")
                    }
                    index += 1
                    return Node(kind: .string, escaped: escaped, start: UInt32(start), end: UInt32(index - 1))
                case UInt8(ascii: "\\"):
                    escaped = true
                    index += 1
                    guard index < bytes.count else { throw fail("unexpected end of input") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        break
                    case UInt8(ascii: "u"): try unicodeEscape()
                    default: throw fail("invalid escape")
                    }
                default:
                    throw fail("control character in string") // plainRun stops only at these three
                }
            }
            throw fail("unterminated string")
        }

        /// The end of the run of string bytes from `from` that need no attention (not a
        /// quote, backslash or control character), eight at a time where possible:
        /// prompts are the bulk of a check body. ORs every byte into `highBits`.
        static func plainRun(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, highBits: inout UInt8) -> Int {
            var i = from
            let base = UnsafeRawPointer(bytes.baseAddress!)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            var high: UInt64 = 0
            while i + 8 <= bytes.count {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                // A zero byte in `quote`/`backslash`, or a byte under 0x20 in `word` (bytes >= 0x80 excluded by ~word).
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
                if special & highs != 0 {
                    // The lowest flagged byte is a real match (borrows only carry upwards).
                    let plain = (special & highs).trailingZeroBitCount >> 3
                    if plain > 0 { high |= word & ((1 << UInt64(plain * 8)) &- 1) }
                    if high & highs != 0 { highBits |= 0x80 }
                    return i + plain
                }
                high |= word
                i += 8
            }
            if high & highs != 0 { highBits |= 0x80 }
            while i < bytes.count {
                let byte = bytes[i]
                if byte == 0x22 || byte == 0x5C || byte < 0x20 { return i }
                highBits |= byte
                i += 1
            }
            return i
        }

        mutating func hex4() throws(JSONParser.Failure) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("invalid \\u escape") }
            for _ in 0..<4 {
                guard Reader.hexDigit(bytes[index]) != nil else { throw fail("invalid \\u escape") }
                index += 1
            }
            return Reader.hexValue(bytes, index - 4)
        }

        mutating func unicodeEscape() throws(JSONParser.Failure) {
            let scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw fail("unpaired surrogate in \\u escape")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in \\u escape") }
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail("unpaired surrogate in \\u escape")
            }
        }

        static func hexDigit(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x30...0x39: UInt32(c - 0x30)
            case 0x41...0x46: UInt32(c - 0x41 + 10)
            case 0x61...0x66: UInt32(c - 0x61 + 10)
            default: nil
            }
        }

        /// Four hex digits already validated.
        static func hexValue(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
            var value: UInt32 = 0
            for i in at..<(at + 4) { value = value << 4 | hexDigit(bytes[i])! }
            return value
        }
    }
}

/// UTF-8 well-formedness (Unicode 15, table 3-7): no overlongs, surrogates or values past U+10FFFF.
enum UTF8Validation {
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            func continuation(_ k: Int) -> Bool { i + k < n && b[i + k] & 0xC0 == 0x80 }
            switch c {
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard continuation(1), continuation(2) else { return false }
                let second = b[i + 1]
                if c == 0xE0, second < 0xA0 { return false } // overlong
                if c == 0xED, second > 0x9F { return false } // surrogates
                i += 3
            case 0xF0...0xF4:
                guard continuation(1), continuation(2), continuation(3) else { return false }
                let second = b[i + 1]
                if c == 0xF0, second < 0x90 { return false } // overlong
                if c == 0xF4, second > 0x8F { return false } // past U+10FFFF
                i += 4
            default:
                return false
            }
        }
        return true
    }
}

/// The nodes of one document, appended while parsing and read-only afterwards.
/// Behind a pointer rather than in an Array: appending and updating a parent's
/// count are then plain stores, without an Array's uniqueness and bounds checks
/// on every node (and its state too sits behind a pointer: a class's stored
/// `var`s get a dynamic exclusivity check on every access). @unchecked
/// Sendable: written only by the parser that created it, before the
/// `JSONDocument` holding it exists; never written after.
final class NodeStorage: @unchecked Sendable {
    private struct State {
        var count: Int
        var capacity: Int
        var base: UnsafeMutablePointer<JSONDocument.Node>
    }

    private let state: UnsafeMutablePointer<State>

    init(capacity: Int) {
        let capacity = max(8, capacity)
        state = .allocate(capacity: 1)
        state.initialize(to: State(count: 0, capacity: capacity, base: .allocate(capacity: capacity)))
    }

    deinit {
        state.pointee.base.deinitialize(count: state.pointee.count)
        state.pointee.base.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    var count: Int { state.pointee.count }

    subscript(index: Int) -> JSONDocument.Node {
        get {
            precondition(index >= 0 && index < state.pointee.count, "node index out of range")
            return state.pointee.base[index]
        }
        set {
            precondition(index >= 0 && index < state.pointee.count, "node index out of range")
            state.pointee.base[index] = newValue
        }
    }

    func append(_ node: JSONDocument.Node) {
        let count = state.pointee.count
        if count == state.pointee.capacity {
            let capacity = state.pointee.capacity * 2
            let grown = UnsafeMutablePointer<JSONDocument.Node>.allocate(capacity: capacity)
            grown.moveInitialize(from: state.pointee.base, count: count)
            state.pointee.base.deallocate()
            state.pointee.base = grown
            state.pointee.capacity = capacity
        }
        (state.pointee.base + count).initialize(to: node)
        state.pointee.count = count + 1
    }
}
