import CFastCGI
import ConvergenceHTTP

/// Serialises a `Response` as CGI-style headers plus body onto libfcgi's stdout
/// stream in one buffer (one FastCGI record for small responses).
enum FastCGIResponseWriter {
    static func write(_ response: Response, includeBody: Bool, to fcgi: inout FCGX_Request) {
        var head = "Status: \(response.status.code) \(response.status.reason)\r\n"
        for (name, value) in response.headers where !value.contains("\r") && !value.contains("\n") {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(response.body.count)\r\n\r\n"
        var bytes = Array(head.utf8)
        if includeBody { bytes.append(contentsOf: response.body) }
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = FCGX_PutStr($0.baseAddress, Int32($0.count), fcgi.out) }
        }
    }
}
