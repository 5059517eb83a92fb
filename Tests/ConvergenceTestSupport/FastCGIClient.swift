import Foundation

/// Speaks FastCGI directly to a Convergence listener (what nginx does), for
/// tests of the TCP listener and of protocol garbage that nginx would never send.
public struct FastCGIClient: Sendable {
    public enum Address: Sendable {
        case unix(String)
        case tcp(port: Int)
    }

    public let address: Address
    /// REMOTE_ADDR sent with each request (as nginx would pass the client's address).
    public var remoteAddress = "127.0.0.1"

    public init(_ address: Address) { self.address = address }

    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: String
    }

    /// Connects and returns the socket fd.
    public func connectSocket() throws -> Int32 {
        switch address {
        case .unix(let path):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                let bytes = Array(path.utf8.prefix(raw.count - 1))
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            guard rc == 0 else { close(fd); throw HarnessError("connect \(path): errno \(errno)") }
            return fd
        case .tcp(let port):
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = UInt16(port).bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard rc == 0 else { close(fd); throw HarnessError("connect 127.0.0.1:\(port): errno \(errno)") }
            return fd
        }
    }

    /// One request over a fresh connection (FCGI_RESPONDER, no keep-conn).
    /// `extraParams`: more FastCGI params, as nginx may send them (e.g. `HTTPS=on`).
    public func request(method: String, uri: String, headers: [String: String] = [:], body: Data = Data(),
                        extraParams: [(String, String)] = []) throws -> Response {
        let fd = try connectSocket()
        defer { close(fd) }
        return try request(on: fd, method: method, uri: uri, headers: headers, body: body, extraParams: extraParams)
    }

    /// One request over a connection opened earlier. `keepConnection`: sets FCGI_KEEP_CONN,
    /// as nginx does with `fastcgi_keep_conn on` (the application must leave it open).
    public func request(on fd: Int32, method: String, uri: String, headers: [String: String] = [:], body: Data = Data(),
                        extraParams: [(String, String)] = [], keepConnection: Bool = false) throws -> Response {
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var params: [(String, String)] = [
            ("REQUEST_METHOD", method), ("REQUEST_URI", uri),
            ("QUERY_STRING", uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""),
            ("CONTENT_LENGTH", String(body.count)), ("REMOTE_ADDR", remoteAddress),
        ] + extraParams
        for (name, value) in headers {
            if name.lowercased() == "content-type" { params.append(("CONTENT_TYPE", value)); continue }
            params.append(("HTTP_" + name.uppercased().replacingOccurrences(of: "-", with: "_"), value))
        }
        var out = Data()
        // BEGIN_REQUEST: role responder, flags (1: FCGI_KEEP_CONN).
        out.append(FastCGIClient.record(type: 1, content: Data([0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0])))
        var encoded = Data()
        for (name, value) in params { encoded.append(FastCGIClient.nameValue(name, value)) }
        out.append(FastCGIClient.record(type: 4, content: encoded))
        out.append(FastCGIClient.record(type: 4, content: Data()))
        var offset = 0
        while offset < body.count {
            let chunk = body[body.startIndex + offset..<body.startIndex + min(body.count, offset + 65535)]
            out.append(FastCGIClient.record(type: 5, content: Data(chunk)))
            offset += chunk.count
        }
        out.append(FastCGIClient.record(type: 5, content: Data()))
        try FastCGIClient.sendAll(fd, out)

        var stdout = Data()
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        loop: while true {
            while received.count >= 8 {
                let bytes = [UInt8](received.prefix(8))
                let length = Int(bytes[4]) << 8 | Int(bytes[5])
                let total = 8 + length + Int(bytes[6])
                guard received.count >= total else { break }
                let content = received.subdata(in: received.startIndex + 8..<received.startIndex + 8 + length)
                received = Data(received.dropFirst(total))
                if bytes[1] == 6 { stdout.append(content) }
                if bytes[1] == 3 { break loop } // END_REQUEST
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { throw HarnessError("connection closed before END_REQUEST (errno \(errno))") }
            received.append(contentsOf: buffer[0..<n])
        }
        return try FastCGIClient.parseCGI(stdout)
    }

    static func record(type: UInt8, content: Data) -> Data {
        var data = Data([1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xFF), 0, 0])
        data.append(content)
        return data
    }

    static func nameValue(_ name: String, _ value: String) -> Data {
        var data = Data()
        for length in [name.utf8.count, value.utf8.count] {
            if length < 128 { data.append(UInt8(length)) } else {
                data.append(contentsOf: [UInt8(length >> 24) | 0x80, UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
            }
        }
        data.append(Data(name.utf8))
        data.append(Data(value.utf8))
        return data
    }

    public static func sendAll(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw HarnessError("send: errno \(errno)") }
                offset += n
            }
        }
    }

    static func parseCGI(_ data: Data) throws -> Response {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { throw HarnessError("no CGI header end") }
        var headers: [String: String] = [:]
        for line in String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let status = Int(headers["status"]?.prefix(3) ?? "200") ?? 0
        return Response(status: status, headers: headers, body: String(decoding: data[end.upperBound...], as: UTF8.self))
    }
}
