import Glibc

/// Who this process is among several hosts sharing one database: lease owners
/// (pipeline runs) and heartbeat rows (cluster rate limits) are named by it.
public enum HostIdentity {
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `host:pid`, unique while the process lives.
    public static func processName() -> String { "\(hostName()):\(getpid())" }
}
