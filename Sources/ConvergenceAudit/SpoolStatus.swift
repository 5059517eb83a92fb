import ConvergenceCore
import Foundation
import Glibc

/// The flusher's published state, `flusher-status.json` in the spool directory.
/// It is also the flusher's checkpoint: `offsets` holds, per segment, the bytes
/// already committed to PostgreSQL. Written by rename, so readers see a whole file.
/// Losing it (power cut before the rename reached disk) only replays records,
/// which the unique record id turns into no-ops.
public struct SpoolStatus: Codable, Sendable, Equatable {
    public var pid: Int32 = 0
    public var heartbeatMicros: Int64 = 0
    public var offsets: [String: Int] = [:]
    public var backlogBytes = 0
    public var oldestUnflushedMicros: Int64?
    public var postgresOK = false
    public var lastError: String?
    public var flushedTotal = 0
    public var replayedTotal = 0
    public var corruptRegionsTotal = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case pid, offsets
        case heartbeatMicros = "heartbeat_us"
        case backlogBytes = "backlog_bytes"
        case oldestUnflushedMicros = "oldest_unflushed_us"
        case postgresOK = "postgres_ok"
        case lastError = "last_error"
        case flushedTotal = "flushed_total"
        case replayedTotal = "replayed_total"
        case corruptRegionsTotal = "corrupt_regions_total"
    }

    public static let fileName = "flusher-status.json"

    public static func read(directory: String) -> SpoolStatus? {
        guard let text = try? readFile(directory + "/" + fileName) else { return nil }
        return try? JSONDecoder().decode(SpoolStatus.self, from: Data(text.utf8))
    }

    /// Atomically replaces the file (write to a temporary name, rename over).
    public func write(directory: String) throws(FileError) {
        let bytes = (try? JSONEncoder().encode(self)).map { [UInt8]($0) } ?? []
        let temporary = directory + "/." + SpoolStatus.fileName + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw FileError(errno: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { let e = errno; close(fd); throw FileError(errno: e) }
            written += n
        }
        close(fd)
        guard rename(temporary, directory + "/" + SpoolStatus.fileName) == 0 else { throw FileError(errno: errno) }
    }

    /// Whether the flusher that wrote this is still running and recently made progress.
    public func flusherAlive(nowMicros: Int64) -> Bool {
        pid > 0 && kill(pid, 0) == 0 && nowMicros - heartbeatMicros < 10_000_000
    }
}

/// The spool directory's segment files, as any process sees them.
public enum SpoolDirectory {
    public static let segmentSuffix = ".spool"

    /// Segment names (not paths), oldest first: names start with the creation time.
    public static func segments(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasPrefix("seg-"), name.hasSuffix(segmentSuffix) { names.append(name) }
        }
        return names.sorted()
    }

    public static func size(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// The end of the segment's committed records: the committed length of a mapped
    /// (pre-sized) segment, the size of a plain one. nil when unreadable.
    public static func committedLength(_ path: String) -> Int? {
        SpoolSegmentReader.extent(path: path)?.end
    }

    /// Unflushed bytes: committed bytes of every segment minus what the flusher
    /// checkpointed (never file sizes: mapped segments are pre-sized).
    public static func backlogBytes(_ directory: String, status: SpoolStatus?) -> Int {
        var total = 0
        for name in segments(directory) {
            guard let extent = SpoolSegmentReader.extent(path: directory + "/" + name) else { continue }
            total += max(0, extent.end - max(extent.dataStart, status?.offsets[name] ?? 0))
        }
        return total
    }

    /// Creates the directory (and parents) when missing.
    public static func ensure(_ directory: String) throws(FileError) {
        var path = ""
        for part in directory.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o750) != 0, errno != EEXIST { throw FileError(errno: errno) }
        }
    }
}
