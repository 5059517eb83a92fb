import CConvergenceSys
import ConvergenceCore
import Glibc

/// A segment file as a reader (the flusher, the backlog estimate) sees it. Two formats
/// can sit in a spool:
/// * mapped (`SpoolSegment`): a header, then frames up to the committed length in
///   it; the file is pre-sized, so its size says nothing about its contents;
/// * plain: frames from byte 0 up to the file size, as written by `write(2)` before
///   the mapped format. Still drained after an upgrade.
/// Told apart by the header's magic: a plain file starts with a frame ("CVA1"), is
/// empty, or is damaged. A mapped file is visible only once its header is written.
final class SpoolSegmentReader {
    enum Format: Equatable {
        case plain
        case mapped
        /// A mapped segment of a format version this build does not know: left alone.
        case unsupported(version: UInt32)
    }

    let fd: Int32
    let format: Format
    /// Mapped segments: the whole file, read-only (frames are read in place).
    private let mapping: UnsafeRawPointer?
    private let mappedSize: Int

    /// False for a format this build cannot read: such a segment is never read nor deleted.
    var isSupported: Bool {
        if case .unsupported = format { return false }
        return true
    }

    /// Where frames start.
    var dataStart: Int { format == .plain ? 0 : SpoolSegment.headerBytes }

    /// Takes ownership of `fd` (closed by `close`).
    init(fd: Int32) {
        self.fd = fd
        var info = stat()
        let size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        let format = SpoolSegmentReader.detect(fd: fd, size: size)
        var mapping: UnsafeRawPointer?
        if format == .mapped, let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED {
            mapping = UnsafeRawPointer(mapped)
        }
        self.format = format == .mapped && mapping == nil ? .unsupported(version: 0) : format
        self.mapping = mapping
        mappedSize = mapping == nil ? 0 : size
    }

    static func detect(fd: Int32, size: Int) -> Format {
        guard size >= SpoolSegment.headerBytes else { return .plain }
        var head = [UInt8](repeating: 0, count: 8)
        guard head.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 8, 0) }) == 8,
              Array(head[0..<4]) == SpoolSegment.magic else { return .plain }
        let version = UInt32(head[4]) | UInt32(head[5]) << 8 | UInt32(head[6]) << 16 | UInt32(head[7]) << 24
        return version == SpoolSegment.formatVersion ? .mapped : .unsupported(version: version)
    }

    /// The end of the readable bytes: the committed length of a mapped segment (acquire
    /// load, so every frame below it is completely visible), the size of a plain one.
    /// A committed length outside the file (a damaged header) is clamped to it.
    func readableEnd() -> Int? {
        switch format {
        case .plain:
            var info = stat()
            return fstat(fd, &info) == 0 ? Int(info.st_size) : nil
        case .mapped:
            guard let mapping else { return nil }
            let committed = Int(clamping: cv_load_acquire_u64(mapping + SpoolSegment.committedOffset))
            return min(max(committed, SpoolSegment.headerBytes), mappedSize)
        case .unsupported:
            return nil
        }
    }

    /// The bytes `range` of a mapped segment, in place (valid until `close`); nil for a plain one (use `pread`).
    func mappedBytes(_ range: Range<Int>) -> UnsafeRawBufferPointer? {
        guard let mapping, range.lowerBound >= 0, range.upperBound <= mappedSize else { return nil }
        return UnsafeRawBufferPointer(start: mapping + range.lowerBound, count: range.count)
    }

    /// Reads the complete frames of `[offset, end)` (at most `maxBytes` of it, at most
    /// `maxFrames` frames), appending their payloads to `rows`. `writerGone`: the
    /// segment is final. Returns the scan (its `consumed` counts from `offset`) and
    /// whether it covered everything up to `end`; nil when the bytes cannot be read.
    func readFrames(from offset: Int, to end: Int, maxFrames: Int, writerGone: Bool, maxBytes: Int,
                    into rows: inout [UInt8]) -> (scan: SpoolFrame.Scan, reachesEnd: Bool)? {
        let length = min(end - offset, maxBytes)
        guard length > 0 else { return nil }
        let reachesEnd = offset + length == end
        if let bytes = mappedBytes(offset..<(offset + length)) {
            // Read in place. Below the committed length every frame is complete (published
            // only once copied), so its end is never a frame in progress, whether or not the
            // writer is alive; the zeros past it are not read at all.
            let scan = SpoolFrame.scan(bytes, maxFrames: maxFrames, final: reachesEnd)
            for frame in scan.frames { AuditRecord.appendRow(UnsafeRawBufferPointer(rebasing: bytes[frame.payload]), to: &rows) }
            return (scan, reachesEnd)
        }
        guard format == .plain else { return nil }
        // Plain: the file's end may be a frame still being written, unless the writer is gone.
        var chunk = [UInt8](repeating: 0, count: length)
        let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(offset)) }
        guard read == length else { return nil }
        let scan = chunk.withUnsafeBytes { SpoolFrame.scan($0, maxFrames: maxFrames, final: writerGone && reachesEnd) }
        chunk.withUnsafeBytes { bytes in
            for frame in scan.frames { AuditRecord.appendRow(UnsafeRawBufferPointer(rebasing: bytes[frame.payload]), to: &rows) }
        }
        return (scan, reachesEnd)
    }

    func close() {
        if let mapping { munmap(UnsafeMutableRawPointer(mutating: mapping), mappedSize) }
        Glibc.close(fd)
    }

    /// `(dataStart, readableEnd)` of the segment at `path`, without keeping it open
    /// (the backlog estimate: a few reads per segment, no mapping).
    static func extent(path: String) -> (dataStart: Int, end: Int)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = Int(info.st_size)
        switch detect(fd: fd, size: size) {
        case .plain:
            return (0, size)
        case .mapped:
            var word: UInt64 = 0
            guard pread(fd, &word, 8, off_t(SpoolSegment.committedOffset)) == 8 else { return nil }
            return (SpoolSegment.headerBytes, min(max(Int(clamping: UInt64(littleEndian: word)), SpoolSegment.headerBytes), size))
        case .unsupported:
            return nil
        }
    }
}
