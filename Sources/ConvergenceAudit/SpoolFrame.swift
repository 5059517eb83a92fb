import ConvergenceCore

/// The on-disk framing of spooled records:
///
///     magic "CVA1" | length u32 LE | crc32 u32 LE | created_at µs i64 LE | payload (length bytes)
///
/// The CRC covers the timestamp and the payload. The magic lets a reader
/// resynchronise after a damaged region instead of losing the rest of the file.
public enum SpoolFrame {
    public static let magic: [UInt8] = Array("CVA1".utf8)
    public static let headerBytes = 12
    public static let bodyPrefixBytes = 8
    /// Far above any real record (≤ 100 operations); a larger length means damage.
    public static let maxPayloadBytes = 1 << 20

    /// Bytes a frame of `payloadBytes` takes on disk.
    @inline(__always)
    public static func frameBytes(payloadBytes: Int) -> Int { headerBytes + bodyPrefixBytes + payloadBytes }

    /// Encodes one frame at `destination`, which must have room for `frameBytes(payloadBytes:)`:
    /// straight into a spool segment's mapping, no intermediate array. Returns the frame's size.
    @inline(__always)
    public static func encode(into destination: UnsafeMutableRawPointer, createdAtMicros: Int64, payload: UnsafeRawBufferPointer) -> Int {
        let total = frameBytes(payloadBytes: payload.count)
        // storeBytes has no alignment requirement (SE-0349): frames start wherever the last one ended.
        destination.storeBytes(of: magicWord.littleEndian, as: UInt32.self)
        destination.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 4, as: UInt32.self)
        destination.storeBytes(of: UInt64(bitPattern: createdAtMicros).littleEndian, toByteOffset: headerBytes, as: UInt64.self)
        if let source = payload.baseAddress, payload.count > 0 {
            (destination + headerBytes + bodyPrefixBytes).copyMemory(from: source, byteCount: payload.count)
        }
        let crc = CRC32.checksum(UnsafeRawBufferPointer(start: destination + headerBytes, count: total - headerBytes))
        destination.storeBytes(of: crc.littleEndian, toByteOffset: 8, as: UInt32.self)
        return total
    }

    /// `magic` as the little-endian word `encode(into:)` stores ("CVA1"; a literal, so no lazy global on the hot path).
    static let magicWord: UInt32 = 0x3141_5643

    public static func encode(createdAtMicros: Int64, payload: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: frameBytes(payloadBytes: payload.count)) { out, count in
            count = payload.withUnsafeBytes { encode(into: UnsafeMutableRawPointer(out.baseAddress!), createdAtMicros: createdAtMicros, payload: $0) }
        }
    }

    public struct Frame: Equatable, Sendable {
        public let createdAtMicros: Int64
        /// Where the payload lies in the scanned buffer.
        public let payload: Range<Int>
    }

    /// What `scan` found in a buffer read from a segment.
    public struct Scan: Equatable, Sendable {
        public var frames: [Frame] = []
        /// Bytes of the buffer accounted for (frames and skipped damage); the rest is an
        /// incomplete frame still being written.
        public var consumed = 0
        /// Damaged regions skipped.
        public var corruptRegions = 0
        public var corruptBytes = 0
    }

    /// Decodes up to `maxFrames` complete frames from `bytes`. `final` means no more
    /// bytes will ever be appended (the writer is gone): a trailing partial frame is
    /// then damage, not a write in progress.
    public static func scan(_ bytes: UnsafeRawBufferPointer, maxFrames: Int = .max, final: Bool) -> Scan {
        var result = Scan()
        var offset = 0
        var damageStart: Int?
        func endDamage(at end: Int) {
            guard let start = damageStart, end > start else { damageStart = nil; return }
            result.corruptRegions += 1
            result.corruptBytes += end - start
            damageStart = nil
        }
        while offset < bytes.count, result.frames.count < maxFrames {
            switch decode(bytes, at: offset) {
            case .frame(let frame, let next):
                endDamage(at: offset)
                result.frames.append(frame)
                offset = next
                result.consumed = offset
            case .incomplete:
                endDamage(at: offset)
                result.consumed = offset
                guard final else { return result } // a frame still being written: wait for the rest
                // The writer is gone: a torn last frame, or a damaged length in the middle.
                // Resynchronise on the next frame start (none: it was the torn tail).
                damageStart = offset
                offset = nextMagic(bytes, after: offset) ?? bytes.count
            case .damaged:
                // Skip to the next frame start; everything before it is lost.
                if damageStart == nil { damageStart = offset }
                offset = nextMagic(bytes, after: offset) ?? bytes.count
            }
        }
        if offset >= bytes.count {
            endDamage(at: bytes.count)
            result.consumed = bytes.count
        }
        return result
    }

    enum Decoded {
        case frame(Frame, next: Int)
        case incomplete
        case damaged
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Decoded {
        let available = bytes.count - offset
        let magicBytes = min(available, magic.count)
        for i in 0..<magicBytes where bytes[offset + i] != magic[i] { return .damaged }
        guard available >= headerBytes + bodyPrefixBytes else { return .incomplete }
        let length = Int(readLE32(bytes, offset + 4))
        guard length <= maxPayloadBytes else { return .damaged }
        let total = headerBytes + bodyPrefixBytes + length
        guard available >= total else { return .incomplete }
        let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + headerBytes)..<(offset + total)])
        guard CRC32.checksum(body) == readLE32(bytes, offset + 8) else { return .damaged }
        var micros: UInt64 = 0
        for i in 0..<8 { micros |= UInt64(bytes[offset + headerBytes + i]) << (8 * UInt64(i)) }
        let payloadStart = offset + headerBytes + bodyPrefixBytes
        return .frame(Frame(createdAtMicros: Int64(bitPattern: micros), payload: payloadStart..<(offset + total)), next: offset + total)
    }

    static func nextMagic(_ bytes: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var i = offset + 1
        while i + magic.count <= bytes.count {
            if bytes[i] == magic[0], bytes[i + 1] == magic[1], bytes[i + 2] == magic[2], bytes[i + 3] == magic[3] { return i }
            i += 1
        }
        return nil
    }

    static func readLE32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
