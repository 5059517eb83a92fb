/// An HTTP request as the FastCGI layer hands it over: everything already read,
/// so handlers never touch the transport.
public struct Request: Sendable {
    public var method: String
    /// The path without the query string, percent-decoding left to handlers.
    public var path: String
    public var query: String
    /// Header names lowercased with `-` (from FastCGI's `HTTP_X_FOO`).
    public var headers: HTTPHeaders
    public var remoteAddress: String
    public var requestID: String
    public var body: [UInt8]
    public var pathParameters: [String: String] = [:]
    /// The request reached nginx over TLS (FastCGI param `HTTPS=on`): cookies get `Secure`.
    public var isTLS = false

    public init(
        method: String, path: String, query: String = "", headers: HTTPHeaders = [:],
        remoteAddress: String = "", requestID: String, body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.requestID = requestID
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    public var contentType: String? { headers["content-type"] }

    /// Query parameters (last one wins), percent- and plus-decoded.
    public var queryParameters: [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(parts[0])
            let value = parts.count > 1 ? PercentDecoding.decode(parts[1]) : ""
            if let name { result[name] = value ?? "" }
        }
        return result
    }
}

public enum PercentDecoding {
    /// Decodes `%XX` and (in query strings) `+`; nil when the result is not valid
    /// UTF-8 or an escape is malformed. In paths `+` is a literal plus (RFC 3986).
    public static func decode(_ text: Substring, plusAsSpace: Bool = true) -> String? {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusAsSpace: bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let hi = iterator.next().flatMap(hexValue), let lo = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(hi << 4 | lo)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
