import CFastCGI
import ConvergenceHTTP

/// Serialises a `Response` as CGI-style headers plus body onto libfcgi's stdout
/// stream in one buffer (one FastCGI record for small responses).
enum FastCGIResponseWriter {
    static func write(_ response: Response, includeBody: Bool, to fcgi: inout FCGX_Request) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + (includeBody ? response.body.count : 0))
        func append(_ text: String) { bytes.append(contentsOf: text.utf8) }
        append("Status: ")
        appendDecimal(response.status.code, to: &bytes)
        bytes.append(0x20)
        append(response.status.reason)
        for field in response.headers where !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
            bytes.append(contentsOf: [0x0D, 0x0A])
            append(field.name)
            bytes.append(contentsOf: [0x3A, 0x20])
            append(field.value)
        }
        append("\r\nContent-Length: ")
        appendDecimal(response.body.count, to: &bytes)
        bytes.append(contentsOf: [0x0D, 0x0A, 0x0D, 0x0A])
        if includeBody { bytes.append(contentsOf: response.body) }
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = FCGX_PutStr($0.baseAddress, Int32($0.count), fcgi.out) }
        }
    }

    /// Decimal digits without the intermediate String that `String(n)` allocates.
    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        guard value > 0 else { bytes.append(UInt8(ascii: "0")); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(raw[i]) }
        }
    }
}
