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
