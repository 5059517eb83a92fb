import Foundation

/// nginx running the shipped dev configuration (rendered by scripts/lib/render-nginx.sh
/// exactly as `scripts/dev up` does), pointed at a test socket and free ports.
public final class NginxServer {
    public let prefix: String
    public let configPath: String
    public let httpPort: Int
    public let httpsPort: Int

    public init(directory: URL, socketPath: String, extraArguments: [String] = []) throws {
        prefix = directory.appendingPathComponent("nginx").path
        httpPort = TestPaths.freePort()
        httpsPort = TestPaths.freePort()
        let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/lib/render-nginx.sh").path
        let rendered = try Shell.run(["bash", script, "--prefix", prefix, "--socket", socketPath,
                                      "--http-port", String(httpPort), "--https-port", String(httpsPort)] + extraArguments)
        configPath = rendered.output.split(separator: "\n").last.map(String.init) ?? "\(prefix)/conf/nginx.conf"
        try Shell.run(["nginx", "-p", prefix, "-c", configPath, "-e", "\(prefix)/logs/error.log"])
    }

    public var client: HTTPClient { HTTPClient(port: httpPort) }

    public var accessLog: String {
        (try? String(contentsOfFile: "\(prefix)/logs/access.log", encoding: .utf8)) ?? ""
    }

    public var errorLog: String {
        (try? String(contentsOfFile: "\(prefix)/logs/error.log", encoding: .utf8)) ?? ""
    }

    public func stop() {
        _ = try? Shell.run(["nginx", "-p", prefix, "-c", configPath, "-e", "\(prefix)/logs/error.log", "-s", "quit"], check: false)
        _ = waitUntil(timeout: 5) { !FileManager.default.fileExists(atPath: "\(prefix)/logs/nginx.pid") }
    }
}
