import Foundation

/// A small blocking HTTP/1.1 client over a plain TCP socket: exactly what a
/// load or signal test needs, with hard timeouts and no hidden retries.
public struct HTTPClient: Sendable {
    public let port: Int
    public let timeout: TimeInterval
    /// The local address to send from (e.g. "127.0.0.2", which nginx sees as a
    /// non-loopback client for its loopback-only rules); nil: the kernel's choice.
    public let sourceAddress: String?

    public init(port: Int, timeout: TimeInterval = 10, sourceAddress: String? = nil) {
        self.port = port
        self.timeout = timeout
        self.sourceAddress = sourceAddress
    }

    public struct Response: Sendable {
        public let status: Int
        /// Header names lowercased; repeated headers joined by ", ".
        public let headers: [String: String]
        public let headerCounts: [String: Int]
        public let body: Data

        public var text: String { String(decoding: body, as: UTF8.self) }

        public func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw HarnessError("body is not a JSON object: \(text)")
            }
            return object
        }
    }

    public func get(_ path: String, headers: [String: String] = [:]) throws -> Response {
        try send("GET", path, headers: headers)
    }

    public func post(_ path: String, json: String, headers: [String: String] = [:]) throws -> Response {
        var all = headers
        if all["Content-Type"] == nil { all["Content-Type"] = "application/json" }
        return try send("POST", path, headers: all, body: Data(json.utf8))
    }

    /// A connected TCP socket to 127.0.0.1:port (from `sourceAddress` if set), with
    /// the client's timeouts; the caller closes it.
    public func connectSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if let sourceAddress {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(sourceAddress)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                let error = errno
                close(fd)
                throw HarnessError("bind to \(sourceAddress): errno \(error)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw HarnessError("connect to port \(port): errno \(error)")
        }
        return fd
    }

    public func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var request = Data(head.utf8)
        if let body { request.append(body) }
        return try raw(request)
    }

    /// Sends `request` exactly as given (nothing added) and reads the answer until
    /// the server closes: for requests no well-behaved client would send.
    public func raw(_ request: Data) throws -> Response {
        let fd = try connectSocket()
        defer { close(fd) }
        try request.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 {
                    // The server may answer (413) before reading the whole body: read what it said.
                    if errno == EPIPE || errno == ECONNRESET { return }
                    throw HarnessError("send: errno \(errno)")
                }
                offset += n
            }
        }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received.append(contentsOf: buffer[0..<n]) } else if n == 0 { break } else {
                if errno == EINTR { continue }
                if errno == ECONNRESET, !received.isEmpty { break }
                throw HarnessError("recv from port \(port): errno \(errno) (timeout or reset)")
            }
        }
        return try HTTPClient.parse(received, headRequest: request.starts(with: Data("HEAD ".utf8)))
    }

    static func parse(_ data: Data, headRequest: Bool = false) throws -> Response {
        guard let separator = data.range(of: Data("\r\n\r\n".utf8)) else { throw HarnessError("incomplete HTTP response (\(data.count) bytes)") }
        let head = String(decoding: data[data.startIndex..<separator.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw HarnessError("bad status line: \(head)") }
        var headers: [String: String] = [:]
        var counts: [String: Int] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
            counts[name, default: 0] += 1
        }
        var body = Data(data[separator.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        // A reset can cut an answer short: never pass a partial body off as the whole one.
        if !headRequest, status != 204, status != 304, let declared = headers["content-length"].flatMap(Int.init), body.count < declared {
            throw HarnessError("response cut short: \(body.count) of \(declared) body bytes (status \(status))")
        }
        return Response(status: status, headers: headers, headerCounts: counts, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var index = data.startIndex
        while let lineEnd = data[index...].range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            out.append(data[start..<min(data.endIndex, start + size)])
            index = min(data.endIndex, start + size + 2)
        }
        return out
    }
}
