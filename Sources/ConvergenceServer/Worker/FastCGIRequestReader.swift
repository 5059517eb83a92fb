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
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
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
        let name = UnsafeRawBufferPointer(start: entry, count: nameLength)
        let value = String(cString: eq + 1)
        func nameIs(_ literal: StaticString) -> Bool {
            literal.utf8CodeUnitCount == nameLength && memcmp(entry, literal.utf8Start, nameLength) == 0
        }
        if nameLength > 5, name.starts(with: "HTTP_".utf8) {
            headers[headerName(name.dropFirst(5))] = value
        } else if nameIs("REQUEST_METHOD") {
            method = value
        } else if nameIs("REQUEST_URI") {
            uri = value
        } else if nameIs("QUERY_STRING") {
            query = value
        } else if nameIs("CONTENT_TYPE") {
            if !value.isEmpty { headers["content-type"] = value }
        } else if nameIs("CONTENT_LENGTH") {
            contentLength = Int(value) ?? 0
            if !value.isEmpty { headers["content-length"] = value }
        } else if nameIs("REMOTE_ADDR") {
            remote = value
        } else if nameIs("REQUEST_ID") {
            requestID = RequestIDs.accept(value)
        }
    }

    /// `X_API_KEY` → `x-api-key`.
    private static func headerName(_ raw: UnsafeRawBufferPointer.SubSequence) -> String {
        String(decoding: raw.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "_"): UInt8(ascii: "-")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
            default: byte
            }
        }, as: UTF8.self)
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
