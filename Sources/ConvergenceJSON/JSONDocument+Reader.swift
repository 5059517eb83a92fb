import ConvergenceCore

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
                index = JSONString.plainRun(bytes, from: index, highBits: &highBits)
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
                    throw fail("control character in string") // JSONString.plainRun stops only at these three
                }
            }
            throw fail("unterminated string")
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
