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
        var params = Params()
        params.headers.reserveCapacity(256)
        if var cursor = fcgi.envp {
            while let entry = cursor.pointee {
                params.take(entry)
                cursor += 1
            }
        }
        let path = params.uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(params.uri[..<$0]) } ?? params.uri
        var request = Request(method: params.method, path: path.isEmpty ? "/" : path, query: params.query, headers: params.headers,
                              remoteAddress: params.remote, requestID: params.requestID ?? RequestIDs.generate())
        request.isTLS = params.tls
        let contentLength = params.contentLength
        if contentLength > maxBodyBytes { return .tooLarge(request) }
        if contentLength > 0 {
            request.body = [UInt8](unsafeUninitializedCapacity: contentLength) { buffer, count in
                let got = buffer.withMemoryRebound(to: CChar.self) { FCGX_GetStr($0.baseAddress, Int32(contentLength), fcgi.in) }
                count = Int(max(0, got))
            }
        }
        // Read up to the stream's end record too. Without it a large body's last
        // (empty) FCGI_STDIN record may still be on its way when we answer and close
        // without lingering: nginx's write then fails and the client gets a 502.
        // Small requests arrive whole, so this costs no read(2).
        var extra = 0
        while FCGX_GetChar(fcgi.in) != -1, extra < 65_536 { extra += 1 }
        return .request(request)
    }

    /// Most of a refused body this reads and drops: past it the connection is closed
    /// instead (nginx's own `client_max_body_size`, 1 MiB in the shipped snippet, keeps
    /// real bodies far below).
    static let discardLimit = 64 << 20

    /// Reads the rest of a refused request's body (to the end of its stdin stream);
    /// false when it is longer than `discardLimit` or the stream failed.
    static func discardBody(_ fcgi: inout FCGX_Request) -> Bool {
        var scratch = [CChar](repeating: 0, count: 65_536)
        var total = 0
        while total <= discardLimit {
            let got = scratch.withUnsafeMutableBufferPointer { FCGX_GetStr($0.baseAddress, Int32($0.count), fcgi.in) }
            if got <= 0 { return FCGX_GetError(fcgi.in) == 0 }
            total += Int(got)
        }
        return false
    }

    /// The params of one request, as libfcgi hands them over (`NAME=value` C strings).
    struct Params {
        var method = "GET"
        var uri = "/"
        var query = ""
        var remote = ""
        var requestID: String?
        var contentLength = 0
        var tls = false
        var headers = HTTPHeaders()

        /// Values become Strings only for the params we use: nginx sends a dozen we ignore,
        /// and those are passed over on their first letter, before measuring them.
        mutating func take(_ entry: UnsafeMutablePointer<CChar>) {
            let first = UInt8(bitPattern: entry.pointee)
            guard first == UInt8(ascii: "H") || first == UInt8(ascii: "R") || first == UInt8(ascii: "Q") || first == UInt8(ascii: "C"),
                  let eq = strchr(entry, Int32(UInt8(ascii: "="))) else { return }
            let nameLength = eq - entry
            let valueLength = strlen(eq + 1)
            entry.withMemoryRebound(to: UInt8.self, capacity: nameLength + 1 + valueLength) { start in
                let name = UnsafeBufferPointer(start: start, count: nameLength)
                let value = UnsafeBufferPointer(start: start + nameLength + 1, count: valueLength)
                func string() -> String { String(decoding: value, as: UTF8.self) }
                func nameIs(_ literal: StaticString) -> Bool {
                    literal.utf8CodeUnitCount == name.count && memcmp(name.baseAddress!, literal.utf8Start, name.count) == 0
                }
                if name.count > 5, memcmp(name.baseAddress!, "HTTP_", 5) == 0 {
                    let entry = UnsafeBufferPointer(start: start + 5, count: nameLength - 5 + 1 + valueLength)
                    headers.appendCGI(entry: entry, nameLength: nameLength - 5)
                    return
                }
                switch name.count {
                case 11 where nameIs("REQUEST_URI"): uri = string()
                case 14 where nameIs("REQUEST_METHOD"): method = string()
                case 12 where nameIs("QUERY_STRING"): query = string()
                case 12 where nameIs("CONTENT_TYPE"):
                    if !value.isEmpty {
                        headers.appendCGI(entry: UnsafeBufferPointer(start: start, count: nameLength + 1 + valueLength), nameLength: nameLength)
                    }
                case 14 where nameIs("CONTENT_LENGTH"):
                    if !value.isEmpty {
                        contentLength = Int(string()) ?? 0
                        headers.appendCGI(entry: UnsafeBufferPointer(start: start, count: nameLength + 1 + valueLength), nameLength: nameLength)
                    }
                case 11 where nameIs("REMOTE_ADDR"): remote = string()
                case 10 where nameIs("REQUEST_ID"): requestID = RequestIDs.accept(value)
                // nginx's `$https` ("on" over TLS; the param is left out otherwise).
                case 5 where nameIs("HTTPS"): tls = value.count == 2 && value[0] | 0x20 == UInt8(ascii: "o") && value[1] | 0x20 == UInt8(ascii: "n")
                default: break
                }
            }
        }
    }
}
