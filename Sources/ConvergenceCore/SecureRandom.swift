import COpenSSL
import Glibc

/// Cryptographically secure random values from OpenSSL's CSPRNG.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        // RAND_bytes only fails when the CSPRNG cannot be seeded: continuing would hand out
        // predictable identifiers, so stopping is the only safe answer.
        precondition(ok == 1, "OpenSSL RAND_bytes failed")
        return buffer
    }

    public static func uint64() -> UInt64 {
        bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Lowercase hex of `byteCount` random bytes.
    public static func hex(byteCount: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(byteCount * 2)
        for b in bytes(byteCount) {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// CSPRNG bytes drawn in blocks: one `RAND_bytes` call per 4 KiB instead of one
/// per identifier (the call costs more than the bytes on a hot path). A value
/// owned by one thread; processes are exec'd, never forked with a filled pool,
/// so no two processes hand out the same bytes.
public struct RandomPool {
    private var buffer: [UInt8]
    private var used: Int

    public init(blockBytes: Int = 4096) {
        buffer = [UInt8](repeating: 0, count: blockBytes)
        used = blockBytes
    }

    /// Fills `out` with fresh random bytes.
    public mutating func fill(_ out: UnsafeMutableRawBufferPointer) {
        var written = 0
        while written < out.count {
            if used == buffer.count {
                let ok = buffer.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32($0.count)) }
                precondition(ok == 1, "OpenSSL RAND_bytes failed")
                used = 0
            }
            let n = min(out.count - written, buffer.count - used)
            buffer.withUnsafeBytes { (out.baseAddress! + written).copyMemory(from: $0.baseAddress! + used, byteCount: n) }
            // Bytes handed out are not kept around.
            buffer.withUnsafeMutableBytes { _ = memset($0.baseAddress! + used, 0, n) }
            used += n
            written += n
        }
    }
}
