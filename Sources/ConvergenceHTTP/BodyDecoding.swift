import ConvergenceJSON
import Foundation

extension Request {
    /// Decodes a JSON body into `T`, answering the client's mistakes with the
    /// right 4xx: 415 when the body is not declared as JSON, 400 when it is
    /// missing or malformed (the message names the offending field).
    public func decodeJSON<T: Decodable>(_ type: T.Type) throws(APIError) -> T {
        guard let contentType, Request.isJSON(contentType) else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "Send the body as JSON with Content-Type: application/json.")
        }
        guard !body.isEmpty else { throw .badRequest("missing_body", "The request needs a JSON body.") }
        // Foundation's decoder keeps the last of repeated keys silently: our parser checks first.
        do { _ = try JSONDocument.parse(body, rejectDuplicateKeys: true) } catch {
            throw .badRequest("invalid_json", "The body is not valid JSON: \(error.description).")
        }
        do {
            return try JSONCoding.decoder().decode(T.self, from: Data(body))
        } catch let error as DecodingError {
            throw .badRequest("invalid_json", Request.describe(error))
        } catch let error as APIError {
            throw error // a body type's own validation, naming its field
        } catch {
            throw .badRequest("invalid_json", "The body is not valid JSON.")
        }
    }

    /// `application/json` or `application/…+json`, any case, parameters ignored.
    /// Byte-level on purpose: it runs on every JSON request.
    static func isJSON(_ contentType: String) -> Bool {
        contentType.withUTF8Bytes(isJSON(bytes:))
    }

    static func isJSON(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let mediaType = UnsafeBufferPointer(rebasing: bytes[start..<end])
        func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
        func hasPrefix(_ text: StaticString, at offset: Int) -> Bool {
            let count = text.utf8CodeUnitCount
            guard offset + count <= mediaType.count else { return false }
            for i in 0..<count where lower(mediaType[offset + i]) != text.utf8Start[i] { return false }
            return true
        }
        let prefix = "application/".utf8.count
        guard mediaType.count > prefix, hasPrefix("application/", at: 0) else { return false }
        return (mediaType.count == prefix + 4 && hasPrefix("json", at: prefix))
            || (mediaType.count > prefix + 5 && hasPrefix("+json", at: mediaType.count - 5))
    }

    /// A human sentence for a decoding failure that names the field but never echoes values.
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : text
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "The body is not valid JSON."
        case .dataCorrupted(let context):
            return "Field \(path(context.codingPath)) has an invalid value."
        case .keyNotFound(let key, let context):
            return "Field \(path(context.codingPath + [key])) is required."
        case .typeMismatch(let type, let context):
            let name = context.codingPath.isEmpty ? "The body" : "Field \(path(context.codingPath))"
            return "\(name) must be \(describe(type))."
        case .valueNotFound(let type, let context):
            return "Field \(path(context.codingPath)) must be \(describe(type)), not null."
        @unknown default:
            return "The body does not match the expected shape."
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

extension Request {
    /// Parses an open-shaped JSON body with `JSONParser` (415/400 like `decodeJSON`).
    public func parseJSONBody(maxDepth: Int = JSONParser.defaultMaxDepth) throws(APIError) -> JSONValue {
        let document = try parseJSONDocument(maxDepth: maxDepth)
        return document.value(document.root)
    }

    /// The body as a `JSONDocument` (no tree built), with the same 415/400 answers.
    public func parseJSONDocument(maxDepth: Int = JSONParser.defaultMaxDepth) throws(APIError) -> JSONDocument {
        guard headers.withValue("content-type", { $0.map(Request.isJSON(bytes:)) ?? false }) else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "Send the body as JSON with Content-Type: application/json.")
        }
        guard !body.isEmpty else { throw .badRequest("missing_body", "The request needs a JSON body.") }
        do {
            return try JSONDocument.parse(body, maxDepth: maxDepth, rejectDuplicateKeys: true)
        } catch {
            throw .badRequest("invalid_json", "The body is not valid JSON: \(error.description).")
        }
    }
}

/// Shared JSON settings: ISO-8601 dates, sorted keys for stable output.
public enum JSONCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
