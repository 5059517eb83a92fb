import Foundation

/// Another host of a multi-host deployment on one machine: its own `convergence serve`
/// (own shared-memory region, socket and spool) behind its own nginx, on the database
/// of an existing stack.
public final class SecondHost {
    public let directory: URL
    public let server: ConvergenceProcess
    public let nginx: NginxServer

    public init(label: String = "host-b", databaseURL: String, overrides: [String: String] = [:], workers: Int = 2) throws {
        directory = try TestPaths.makeTemporaryDirectory(label)
        server = try ConvergenceProcess.launch(directory: directory, databaseURL: databaseURL, overrides: overrides, workers: workers)
        do { nginx = try NginxServer(directory: directory, socketPath: server.socketPath) } catch {
            server.stop()
            throw error
        }
    }

    public var client: HTTPClient { nginx.client }

    public func stop() {
        nginx.stop()
        server.stop()
        if ProcessInfo.processInfo.environment["CONVERGENCE_TEST_KEEP"] == nil { try? FileManager.default.removeItem(at: directory) }
    }
}
