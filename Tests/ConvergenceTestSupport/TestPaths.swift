import Foundation

/// Where the repository and the built binary are, for tests that run the real thing.
public enum TestPaths {
    /// The repository root (two levels above this file's folder).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$CONVERGENCE_BIN`, else the debug build.
    public static var binary: String {
        if let bin = ProcessInfo.processInfo.environment["CONVERGENCE_BIN"], !bin.isEmpty { return bin }
        return repositoryRoot.appendingPathComponent(".build/debug/convergence").path
    }

    public static var isRoot: Bool { getuid() == 0 }

    /// The unprivileged account test servers run their children as, the production
    /// way (`user`), created once when missing; nil when the tests do not run as root.
    public static let serviceUser: String? = {
        guard getuid() == 0 else { return nil }
        if getpwnam("convergence") == nil {
            _ = try? Shell.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                                "--shell", "/usr/sbin/nologin", "convergence"], check: false)
        }
        return getpwnam("convergence") == nil ? nil : "convergence"
    }()

    /// The group nginx's workers run as when the harness runs as root (render-nginx.sh's `user www-data`).
    public static let nginxGroup = "www-data"

    /// A fresh directory under /tmp that the postgres and nginx users can traverse.
    public static func makeTemporaryDirectory(_ label: String) throws -> URL {
        var template = Array("/tmp/convergence-test-\(label)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp failed: \(errno)") }
        let path = String(cString: made)
        chmod(path, 0o755)
        return URL(fileURLWithPath: path)
    }

    /// A TCP port that was free a moment ago on 127.0.0.1.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes.
public func waitUntil(timeout: TimeInterval, interval: TimeInterval = 0.05, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return try condition()
}
