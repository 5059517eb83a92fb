import ConvergenceCore

/// A strict RFC 8259 JSON parser into `JSONValue`, bounded in depth (the
/// grammar lives in `JSONDocument`; hot paths read that without building a tree).
///
/// Foundation's JSONDecoder is convenient for typed bodies, but for open-shaped
/// bodies it costs several failed decoding attempts per value; this parser
/// reads each byte once and reports errors with their byte offset.
public struct JSONParser {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    public static let defaultMaxDepth = 64

    /// Parses one JSON document (surrounding whitespace allowed, nothing else).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(Failure) -> JSONValue {
        let document = try JSONDocument.parse(bytes, maxDepth: maxDepth)
        return document.value(document.root)
    }
}

/// Compact JSON output for `JSONValue` (object keys sorted, so output is stable).
public enum JSONSerializer {
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out)
        return out
    }

    public static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            if n.rounded() == n, abs(n) < 1e15 {
                out.append(contentsOf: String(Int64(n)).utf8)
            } else {
                out.append(contentsOf: "\(n)".utf8)
            }
        case .string(let s): writeString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(members[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func writeString(_ s: String, to out: inout [UInt8]) { out.appendJSONString(s) }

    @inline(__always) static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
}

extension ByteSink {
    /// `s` as a JSON string literal.
    public mutating func appendJSONString(_ s: String) {
        s.withUTF8Bytes { appendJSONString(bytes: $0) }
    }

    /// Quoted and escaped; runs of bytes that need no escape are found eight at a
    /// time and copied whole (this writes every string of every hot-path response
    /// and audit record).
    public mutating func appendJSONString(bytes: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        var runStart = 0
        var ignored: UInt8 = 0
        while runStart < bytes.count {
            let special = JSONDocument.Reader.plainRun(bytes, from: runStart, highBits: &ignored)
            if special > runStart { append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<special])) }
            guard special < bytes.count else { break }
            let byte = bytes[special]
            append(0x5C)
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(byte)
            case 0x0A: append(UInt8(ascii: "n"))
            case 0x0D: append(UInt8(ascii: "r"))
            case 0x09: append(UInt8(ascii: "t"))
            default:
                append(UInt8(ascii: "u")); append(0x30); append(0x30)
                append(JSONSerializer.hexDigit(byte >> 4)); append(JSONSerializer.hexDigit(byte & 0xF))
            }
            runStart = special + 1
        }
        append(UInt8(ascii: "\""))
    }
}
