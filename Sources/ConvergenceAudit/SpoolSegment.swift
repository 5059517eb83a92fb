import CConvergenceSys
import ConvergenceCore
import Glibc
import Synchronization

/// How a segment file gets its size before any record is written into it.
///
/// `allocated` is the default, by measurement (`convergence-bench
/// audit-append-latency`, 16 threads × 1,000 appends/s, 1 MiB segments, a
/// WAL-like fdatasync loop beside it; docs/bench-log/2026-11-25-audit-trail.md): with any of the three
/// the request thread almost never waits in the kernel any more (0–5 blocking
/// appends in 320,000, against 26–70 with `write(2)`), so the journal no longer
/// reaches it and the choice is about everything else. `written` doubles the
/// bytes written and measured no better (its msyncs took longer, competing with
/// the zero fill); `sparse` turns a full disk into SIGBUS in a request thread.
public enum SpoolSegmentSizing: String, Sendable {
    /// `ftruncate`: a sparse file. Blocks are reserved only when a page is first
    /// written through the mapping, so a full disk is a SIGBUS in the request
    /// thread instead of a refused record. Measurements only.
    case sparse
    /// `posix_fallocate`: blocks reserved up front, as unwritten extents (they
    /// read as zeros with no disk read). A full disk fails the background
    /// preparation, not an append. Each sync converts the written extents (a
    /// journal commit), in the background thread. The default.
    case allocated
    /// Reserved, zeros written, then `fdatasync`: fully written blocks, so a later
    /// sync is a pure data write. Writes every segment twice. Measurements only.
    case written
}

/// One memory-mapped, pre-sized segment of the audit spool, as its writer holds it.
///
///     byte 0   magic "CVSG"
///          4   format version, u32 little-endian (1)
///          8   committed length, u64 little-endian: the file's valid bytes, header included
///         16   capacity, u64 little-endian: the file's size when it was made
///     24…63    zeros
///     64…      frames (`SpoolFrame`) up to the committed length; zeros after it
///
/// Publish protocol: the writer copies a whole frame in at the committed length,
/// then stores the new length with release ordering; a reader loads the length
/// with acquire ordering and reads only below it. So a reader never sees a frame
/// that is not completely in memory, and a frame half-copied when its worker was
/// killed is simply not there (nothing was published). The page cache holds the
/// published bytes whatever happens to the process; only a power loss can lose
/// pages not yet synced, which the frames' CRC detects.
///
/// `@unchecked Sendable`: the stored properties are constants. The mapped bytes
/// are written only by the thread holding the owning lane's lock while this is
/// the lane's current segment (frames beyond the committed length, then the
/// length word through a release store); other threads only read below a
/// committed length they loaded (or were handed under that lock), sync pages,
/// or fault pages in (`prefault`, which leaves their contents alone). The
/// mapping is unmapped (`close`) only by the spool's background work, under its
/// own lock, after the segment has left its lane.
final class SpoolSegment: @unchecked Sendable {
    static let magic: [UInt8] = Array("CVSG".utf8)
    static let formatVersion: UInt32 = 1
    /// Where frames start (one cache line; the committed word is 8-byte aligned in it).
    static let headerBytes = 64
    static let committedOffset = 8
    static let capacityOffset = 16
    static let pageBytes = Int(sysconf(Int32(_SC_PAGESIZE)))

    let name: String
    let fd: Int32
    let base: UnsafeMutableRawPointer
    /// The file's size: frames end at most here.
    let capacity: Int
    /// Where `prefault` has faulted pages in up to (the background thread alone moves it).
    private let prefaultedEnd = Atomic<Int>(0)

    private init(name: String, fd: Int32, base: UnsafeMutableRawPointer, capacity: Int) {
        self.name = name
        self.fd = fd
        self.base = base
        self.capacity = capacity
    }

    /// Creates `name` in `directory` at `capacity` bytes (rounded up to pages), locked,
    /// mapped and empty. Made under a temporary name and renamed into view only once
    /// locked and carrying its header, so the flusher never sees an unlocked live
    /// segment nor one without its header. `durable`: the file (size, blocks, header)
    /// is synced before the rename and the directory after it, so a name that survives
    /// a power loss always has its header; otherwise the caller must sync both later.
    static func create(directory: String, name: String, capacity requested: Int, sizing: SpoolSegmentSizing,
                       durable: Bool) throws(FileError) -> SpoolSegment {
        let capacity = (max(requested, headerBytes + SpoolFrame.frameBytes(payloadBytes: 0)) + pageBytes - 1) / pageBytes * pageBytes
        let temporary = "\(directory)/.\(name).tmp"
        let fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw FileError(errno: errno) }
        func fail(_ code: Int32) -> FileError {
            Glibc.close(fd)
            unlink(temporary)
            return FileError(errno: code)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw fail(errno) }
        let sized = size(fd, capacity, sizing)
        guard sized == 0 else { throw fail(sized) }
        var header = [UInt8](repeating: 0, count: headerBytes)
        header.replaceSubrange(0..<4, with: magic)
        for i in 0..<4 { header[4 + i] = UInt8(truncatingIfNeeded: formatVersion >> (8 * UInt32(i))) }
        for i in 0..<8 {
            header[committedOffset + i] = UInt8(truncatingIfNeeded: UInt64(headerBytes) >> (8 * UInt64(i)))
            header[capacityOffset + i] = UInt8(truncatingIfNeeded: UInt64(capacity) >> (8 * UInt64(i)))
        }
        guard header.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == headerBytes else { throw fail(errno) }
        if durable, fdatasync(fd) != 0 { throw fail(errno) }
        guard let mapped = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw fail(errno)
        }
        guard rename(temporary, "\(directory)/\(name)") == 0 else {
            let code = errno
            munmap(mapped, capacity)
            throw fail(code)
        }
        if durable { syncDirectory(directory) }
        return SpoolSegment(name: name, fd: fd, base: mapped, capacity: capacity)
    }

    /// 0, or the errno of the failure.
    private static func size(_ fd: Int32, _ capacity: Int, _ sizing: SpoolSegmentSizing) -> Int32 {
        switch sizing {
        case .sparse:
            return ftruncate(fd, off_t(capacity)) == 0 ? 0 : errno
        case .allocated:
            return posix_fallocate(fd, 0, off_t(capacity)) // returns the error number itself
        case .written:
            // Reserve first, so a short disk fails here and not halfway through the zeros.
            let reserved = posix_fallocate(fd, 0, off_t(capacity))
            guard reserved == 0 else { return reserved }
            let chunk = 256 << 10
            let zeros = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: pageBytes)
            defer { zeros.deallocate() }
            zeros.initializeMemory(as: UInt8.self, repeating: 0, count: chunk)
            var offset = 0
            while offset < capacity {
                let n = pwrite(fd, zeros, min(chunk, capacity - offset), off_t(offset))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return n == 0 ? EIO : errno }
                offset += n
            }
            return 0
        }
    }

    static func syncDirectory(_ directory: String) {
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); Glibc.close(dir) }
    }

    /// Copies a frame in at `committed` and publishes it: the new committed length,
    /// or nil when the frame does not fit (the caller rotates). Lane lock held.
    @inline(__always)
    func append(payload: UnsafeRawBufferPointer, createdAtMicros: Int64, at committed: Int) -> Int? {
        let end = committed + SpoolFrame.frameBytes(payloadBytes: payload.count)
        guard end <= capacity else { return nil }
        _ = SpoolFrame.encode(into: base + committed, createdAtMicros: createdAtMicros, payload: payload)
        publish(end)
        return end
    }

    /// Release store of the committed length: everything written below it before this is
    /// visible to whoever loads the length with acquire ordering (another process included).
    @inline(__always)
    func publish(_ length: Int) {
        cv_store_release_u64(base + SpoolSegment.committedOffset, UInt64(length))
    }

    /// The published length (acquire: every frame below it is completely visible).
    var committedLength: Int { Int(cv_load_acquire_u64(base + SpoolSegment.committedOffset)) }

    /// Makes the header and every frame below `end` durable: msync (MS_SYNC) of that
    /// range, the mapped equivalent of fdatasync limited to the pages that matter.
    @discardableResult
    func sync(upTo end: Int) -> Bool {
        msync(base, min(end, capacity), MS_SYNC) == 0
    }

    /// Faults in, writable, the pages from `committed` to `window` bytes past it that
    /// are not yet (madvise MADV_POPULATE_WRITE), so that a request thread copying its
    /// frame in does not take the page fault itself: one fault per 4 KiB page (about
    /// eleven check records), each an exception, a page-cache page and a block
    /// mapping, was ~4 % of a worker's CPU under load (docs/performance.md). The
    /// background thread does it ahead, many pages per call. Refused (a kernel before
    /// 5.14): the request threads take the faults, as before.
    func prefault(ahead committed: Int, window: Int) {
        let page = SpoolSegment.pageBytes
        let start = max(prefaultedEnd.load(ordering: .relaxed), committed / page * page)
        let end = min(capacity, (committed + window + page - 1) / page * page)
        guard end > start else { return }
        let populated = madvise(base + start, end - start, MADV_POPULATE_WRITE) == 0
        prefaultedEnd.store(populated ? end : capacity, ordering: .relaxed)
    }

    /// Unmaps and closes: the flock goes with the descriptor, so the flusher takes the segment as final.
    func close() {
        munmap(base, capacity)
        Glibc.close(fd)
    }
}
