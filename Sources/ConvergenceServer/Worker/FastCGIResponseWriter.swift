import CFastCGI
import ConvergenceCore
import ConvergenceHTTP


/// Serialises a `Response` as CGI-style headers plus body onto libfcgi's stdout
/// stream in one buffer (one FastCGI record for small responses). The buffer
/// is the thread's own, reused from request to request.
enum FastCGIResponseWriter {
    static func write(_ response: Response, includeBody: Bool, to fcgi: inout FCGX_Request, buffer bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.reserveCapacity(160 + (includeBody ? response.body.count : 0))
        append("Status: ", to: &bytes)
        DecimalText.append(response.status.code, to: &bytes)
        bytes.append(0x20)
        append(response.status.reason, to: &bytes)
        for i in response.headers.indices { // by index: no copy of each field
            response.headers[i].value.withUTF8Bytes { value in
                // A value with a line break would smuggle headers: dropped.
                guard !value.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { return }
                bytes.append(0x0D); bytes.append(0x0A)
                response.headers[i].name.withUTF8Bytes { bytes.append(contentsOf: $0) }
                bytes.append(0x3A); bytes.append(0x20)
                bytes.append(contentsOf: value)
            }
        }
        append("\r\nContent-Length: ", to: &bytes)
        DecimalText.append(response.body.count, to: &bytes)
        bytes.append(0x0D); bytes.append(0x0A); bytes.append(0x0D); bytes.append(0x0A)
        if includeBody { bytes.append(contentsOf: response.body) }
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = FCGX_PutStr($0.baseAddress, Int32($0.count), fcgi.out) }
        }
        if bytes.capacity > 1 << 20 { bytes = [] } // a large answer (audit pages) does not pin its memory
    }

    /// The string's UTF-8 in one copy (appending a `String.UTF8View` goes byte by byte).
    private static func append(_ text: String, to bytes: inout [UInt8]) {
        text.withUTF8Bytes { bytes.append(contentsOf: $0) }
    }
}
