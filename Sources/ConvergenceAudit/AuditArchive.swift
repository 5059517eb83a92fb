import ConvergenceStore
import Glibc

/// `audit_archive_dir`: retention writes each audit partition to a compressed file before
/// it drops it. The file is the table as CSV with a header line, so it restores with
/// `\copy convergence.audit_log FROM PROGRAM 'gzip -dc FILE' (FORMAT csv, HEADER)` (its
/// day's partition made first) and reads with any CSV tool. Compressed by `gzip` (a
/// required package of every Debian system; the product links no zlib), fed through a
/// pipe as the COPY streams, so no uncompressed copy touches the disk. Written under a
/// temporary name, fsynced, then renamed: a file under the final name is complete.
public struct AuditArchive: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public struct Written: Sendable, Equatable {
        public let path: String
        public let bytes: Int64
        public let rows: Int
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The archive of `table` (a detached partition's name: [a-z_0-9] only).
    public func path(of table: String) -> String { directory + "/" + table + ".csv.gz" }

    public func write(table: String, connection: PostgresConnection) throws -> Written {
        // A temporary name of this run's own: another host's or a CLI run's archive of the same table never shares it.
        let final = path(of: table), partial = directory + "/." + table + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).partial"
        if mkdir(directory, 0o750) != 0 && errno != EEXIST {
            throw Failure(description: "cannot create the archive directory \(directory): \(String(cString: strerror(errno)))")
        }
        let out = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard out >= 0 else { throw Failure(description: "cannot create \(partial): \(String(cString: strerror(errno)))") }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            close(out); unlink(partial)
            throw Failure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        // Close-on-exec: gzip must not inherit the pipe's write end (it would never see the end of its input).
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        let gzip: pid_t
        do { gzip = try Self.spawnGzip(stdin: pipeFDs[0], stdout: out) } catch {
            close(out); close(pipeFDs[0]); close(pipeFDs[1]); unlink(partial)
            throw error
        }
        close(out)
        close(pipeFDs[0])
        let rows: Int
        do {
            rows = try connection.copyOut("COPY convergence.\"\(table)\" TO STDOUT (FORMAT csv, HEADER)") { chunk in
                try Self.writeAll(pipeFDs[1], chunk)
            }
            close(pipeFDs[1])
        } catch {
            close(pipeFDs[1])
            _ = Self.wait(gzip)
            unlink(partial)
            throw error
        }
        guard Self.wait(gzip) else {
            unlink(partial)
            throw Failure(description: "gzip failed writing \(partial)")
        }
        // Durable before the partition goes: the file's data, its name, then the directory entry.
        let synced = open(partial, O_RDONLY | O_CLOEXEC)
        defer { if synced >= 0 { close(synced) } }
        guard synced >= 0, fsync(synced) == 0, rename(partial, final) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partial)
            throw Failure(description: "cannot keep \(final): \(reason)")
        }
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { _ = fsync(dir); close(dir) }
        var info = stat()
        let bytes = stat(final, &info) == 0 ? Int64(info.st_size) : 0
        return Written(path: final, bytes: bytes, rows: rows)
    }

    private static func spawnGzip(stdin: Int32, stdout: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies; every other descriptor of ours closes at exec.
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        let words: [String] = ["gzip", "-c", "-6"]
        var argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
        argv.append(nil)
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, "gzip", &actions, nil, argv, environ)
        guard status == 0 else { throw Failure(description: "cannot run gzip: \(String(cString: strerror(status)))") }
        return pid
    }

    private static func writeAll(_ fd: Int32, _ chunk: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < chunk.count {
            let n = Glibc.write(fd, chunk.baseAddress! + offset, chunk.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "writing to gzip: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Whether the child exited with status 0.
    private static func wait(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return false }
        }
        return status & 0x7f == 0 && (status >> 8) & 0xff == 0
    }
}
