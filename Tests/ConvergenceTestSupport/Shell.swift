import Foundation

/// Runs commands for the harness (initdb, pg_ctl, nginx, psql) and captures output.
public enum Shell {
    public struct Result {
        public let status: Int32
        public let output: String
    }

    /// Runs `arguments` (looked up in PATH), as `user` when we are root, and waits for it.
    @discardableResult
    public static func run(_ arguments: [String], asUser user: String? = nil, environment: [String: String] = [:],
                           check: Bool = true, stdoutOnly: Bool = false) throws -> Result {
        var argv = arguments
        if let user, TestPaths.isRoot { argv = ["runuser", "-u", user, "--"] + argv }
        var env = ProcessInfo.processInfo.environment
        // psql and the convergence CLI authenticate to the test clusters like an operator would.
        if env["PGPASSFILE"] == nil { env["PGPASSFILE"] = TestDatabaseSecret.pgpassFile }
        env.merge(environment) { _, new in new }
        let outputPath = try temporaryPath()
        defer { unlink(outputPath) }
        let child = try ChildProcess(executable: argv[0], arguments: Array(argv.dropFirst()), environment: env,
                                     outputPath: outputPath, errorPath: stdoutOnly ? "/dev/null" : nil)
        let status = child.wait()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        if check, status != 0 {
            throw HarnessError("\(argv.joined(separator: " ")) failed (\(status)):\n\(text)")
        }
        return Result(status: status, output: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func temporaryPath() throws -> String {
        var template = Array("/tmp/convergence-test-out-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw HarnessError("mkstemp failed") }
        close(fd)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
