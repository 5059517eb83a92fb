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

/// Reading the rows `CopyRow` writes: the flusher's binary re-encoding
/// (`BinaryCopyRows`) and its usage tally (`UsageTally`) both split them here.
enum CopyTextRow {
    /// Sets `starts[k]` to where field `k` of `row` (newline excluded) begins, for the
    /// `columns` fields, and `starts[columns]` to `row.count + 1` (so field `k` is
    /// `starts[k] ..< starts[k + 1] - 1`); false unless the row has exactly `columns` fields.
    static func fieldStarts(_ row: UnsafeBufferPointer<UInt8>, columns: Int, into starts: UnsafeMutableBufferPointer<Int>) -> Bool {
        guard let base = row.baseAddress, starts.count > columns else { return false }
        starts[0] = 0
        var at = 0
        for k in 1..<columns {
            guard let tab = memchr(base + at, 9, row.count - at) else { return false }
            at = base.distance(to: tab.assumingMemoryBound(to: UInt8.self)) + 1
            starts[k] = at
        }
        guard memchr(base + at, 9, row.count - at) == nil else { return false }
        starts[columns] = row.count + 1
        return true
    }

    /// Whether a field is `\N` (NULL).
    static func isNull(_ field: UnsafeBufferPointer<UInt8>) -> Bool { field.count == 2 && field[0] == 92 && field[1] == 78 }

    /// A field that is a plain, optionally negative decimal of at most 18 digits; nil otherwise.
    static func plainInteger(_ field: UnsafeBufferPointer<UInt8>) -> Int? {
        let negative = field.first == 45
        let digits = negative ? 1 : 0
        guard field.count > digits, field.count - digits <= 18 else { return nil }
        var value = 0
        for byte in field[digits...] {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return negative ? -value : value
    }
}
