import CFastCGI
import ConvergenceCore
import ConvergenceHTTP
import Glibc

/// Turns libfcgi's parameter array and stdin stream into a `Request`.
enum FastCGIRequestReader {
    enum Outcome {
        case request(Request)
        /// The body is over the limit: answer 413 without reading it.
        case tooLarge(Request)
    }

    static func read(_ fcgi: inout FCGX_Request, maxBodyBytes: Int) -> Outcome {
        var method = "GET"
        var uri = "/"
        var query = ""
        var remote = ""
        var requestID: String?
        var contentLength = 0
        var headers: [String: String] = [:]
        if var cursor = fcgi.envp {
            while let entry = cursor.pointee {
                parse(entry, into: &headers, method: &method, uri: &uri, query: &query,
                      remote: &remote, requestID: &requestID, contentLength: &contentLength)
                cursor += 1
            }
        }
        let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(uri[..<$0]) } ?? uri
        var request = Request(method: method, path: path.isEmpty ? "/" : path, query: query, headers: headers,
                              remoteAddress: remote, requestID: requestID ?? RequestIDs.generate())
        if contentLength > maxBodyBytes { return .tooLarge(request) }
        if contentLength > 0 {
            var body = [UInt8](repeating: 0, count: contentLength)
            let got = body.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { FCGX_GetStr($0.baseAddress, Int32(contentLength), fcgi.in) }
            }
            body.removeLast(contentLength - Int(max(0, got)))
            request.body = body
        }
        return .request(request)
    }

    // swiftlint:disable:next function_parameter_count
    private static func parse(
        _ entry: UnsafeMutablePointer<CChar>, into headers: inout [String: String], method: inout String, uri: inout String,
        query: inout String, remote: inout String, requestID: inout String?, contentLength: inout Int
    ) {
        guard let eq = strchr(entry, Int32(UInt8(ascii: "="))) else { return }
        let nameLength = eq - entry
        // Values become Strings only for the params we use: nginx sends a dozen we ignore.
        func value() -> String { String(cString: eq + 1) }
        func nameIs(_ literal: StaticString) -> Bool {
            literal.utf8CodeUnitCount == nameLength && memcmp(entry, literal.utf8Start, nameLength) == 0
        }
        if nameLength > 5, memcmp(entry, "HTTP_", 5) == 0 {
            headers[headerName(UnsafeRawBufferPointer(start: entry + 5, count: nameLength - 5))] = value()
            return
        }
        switch nameLength {
        case 11 where nameIs("REQUEST_URI"): uri = value()
        case 14 where nameIs("REQUEST_METHOD"): method = value()
        case 12 where nameIs("QUERY_STRING"): query = value()
        case 12 where nameIs("CONTENT_TYPE"):
            if eq[1] != 0 { headers["content-type"] = value() }
        case 14 where nameIs("CONTENT_LENGTH"):
            if eq[1] != 0 {
                let text = value()
                contentLength = Int(text) ?? 0
                headers["content-length"] = text
            }
        case 11 where nameIs("REMOTE_ADDR"): remote = value()
        case 10 where nameIs("REQUEST_ID"): requestID = RequestIDs.accept(value())
        default: break
        }
    }

    /// `X_API_KEY` → `x-api-key`.
    private static func headerName(_ raw: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: raw.count) { buffer in
            for (i, byte) in raw.enumerated() {
                buffer[i] = switch byte {
                case UInt8(ascii: "_"): UInt8(ascii: "-")
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
                default: byte
                }
            }
            return raw.count
        }
    }
}

/// Request identifiers: nginx's `req_$request_id`, or our own when absent.
public enum RequestIDs {
    public static func generate() -> String { "req_" + SecureRandom.hex(byteCount: 16) }

    /// Accepts an upstream id only if it is short and plain, so it is safe in logs and headers.
    public static func accept(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count),
              value.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || ($0 >= 48 && $0 <= 57)
                  || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) })
        else { return nil }
        return value.hasPrefix("req_") ? value : "req_" + value
    }
}
