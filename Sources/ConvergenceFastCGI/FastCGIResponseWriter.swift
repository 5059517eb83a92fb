import CFastCGI
import ConvergenceCore
import ConvergenceHTTP

/// Serialises a `Response` as CGI-style headers plus body onto libfcgi's stdout
/// stream in one buffer (one FastCGI record for small responses). The buffer
/// is the thread's own, reused from request to request.
enum FastCGIResponseWriter {
    static func write(_ response: Response, includeBody: Bool, to fcgi: inout FCGX_Request, buffer: ByteBuffer) {
        buffer.removeAll()
        var out = buffer
        out.append("Status: ")
        out.appendDecimal(response.status.code)
        out.append(0x20)
        out.append(utf8: response.status.reason)
        for i in response.headers.indices { // by index: no copy of each field
            response.headers[i].value.withUTF8Bytes { value in
                // A value with a line break would smuggle headers: dropped.
                guard !value.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { return }
                out.append(0x0D); out.append(0x0A)
                out.append(utf8: response.headers[i].name)
                out.append(0x3A); out.append(0x20)
                out.append(contentsOf: value)
            }
        }
        if !response.headerLines.isEmpty {
            out.append(0x0D); out.append(0x0A)
            // Its CRLF comes below.
            response.headerLines.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0.dropLast(2))) }
        }
        out.append("\r\nContent-Length: ")
        out.appendDecimal(response.body.count)
        out.append("\r\n\r\n")
        if includeBody { response.body.withUnsafeBufferPointer { out.append(contentsOf: $0) } }
        buffer.withUnsafeBytes { bytes in
            _ = FCGX_PutStr(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), fcgi.out)
        }
    }
}
