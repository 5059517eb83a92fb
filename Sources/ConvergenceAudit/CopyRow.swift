import ConvergenceCore
import ConvergenceJSON
import Glibc

/// PostgreSQL COPY text format, written field by field into a byte buffer:
/// tab-separated, `\N` for NULL, backslash escapes for the bytes COPY treats
/// specially. Values are copied whole when they need no escape (most do not).
package struct CopyRow {
    /// The row so far (the caller's buffer: a worker thread reuses one for every check).
    package let out: ByteBuffer
    private var fields = 0

    package init(into buffer: ByteBuffer) {
        out = buffer
        out.removeAll()
    }

    /// Before every field but the first.
    private mutating func separate() {
        if fields > 0 { out.append(9) }
        fields += 1
    }

    package mutating func null() {
        separate()
        out.append(92); out.append(78) // \N
    }

    package mutating func text(_ value: String?) {
        guard let value else { null(); return }
        separate()
        value.withUTF8Bytes { CopyRow.escape($0, into: out) }
    }

    /// Bytes known to need no escaping (ids, fixed words, digits).
    package mutating func plain(_ bytes: UnsafeBufferPointer<UInt8>) {
        separate()
        out.append(contentsOf: bytes)
    }

    package mutating func plain(_ word: StaticString) {
        plain(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    package mutating func integer(_ value: Int?) {
        guard let value else { null(); return }
        separate()
        var sink = out
        sink.appendDecimal(value)
    }

    package mutating func timestamp(micros: Int64) {
        separate()
        var sink = out
        AuditRecord.writeTimestamp(micros: micros, to: &sink)
    }

    /// A JSON value written by `body` with JSON's own escaping; COPY then only
    /// needs its backslashes doubled (JSON never holds a raw tab, newline or NUL).
    package mutating func json(_ body: (inout ByteBuffer) -> Void) {
        separate()
        let start = out.count
        var sink = out
        body(&sink)
        let hasBackslash = out.withUnsafeBufferPointer(from: start) { memchr($0.baseAddress!, 92, $0.count) != nil }
        guard hasBackslash else { return }
        let written = out.withUnsafeBufferPointer(from: start) { Array($0) }
        out.truncate(to: start)
        for byte in written {
            out.append(byte)
            if byte == 92 { out.append(92) }
        }
    }

    /// Ends the row.
    package func finish() { out.append(10) }

    static func escape(_ bytes: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        var runStart = 0
        for i in 0..<bytes.count {
            let byte = bytes[i]
            guard byte == 92 || byte == 10 || byte == 13 || byte == 9 || byte == 0 else { continue }
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            runStart = i + 1
            switch byte {
            case 92: out.append(92); out.append(92)
            case 10: out.append(92); out.append(110)
            case 13: out.append(92); out.append(114)
            case 9: out.append(92); out.append(116)
            default: break // PostgreSQL text cannot hold NUL; identifiers are cut, not refused
            }
        }
        if bytes.count > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
    }
}
