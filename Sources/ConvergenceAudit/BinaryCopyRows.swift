import Glibc

/// Spooled COPY text rows re-encoded in PostgreSQL's binary COPY format, just
/// before the flusher sends them.
///
/// PostgreSQL's text input functions are general-purpose: `timestamptz_in` parses
/// any date style and looks up a zone, `uuid_in` and `int4in` scan characters, and
/// every field is split and de-escaped by the server. In binary form a uuid is 16
/// bytes, a timestamp one integer, a text or json value its bytes: the server only
/// copies them (json is still validated). Our rows have one fixed shape, written by
/// `CopyRow`, so turning them into binary here costs a fraction of what it saves the
/// server (docs/performance.md, "Audit trail": PostgreSQL's CPU per row). The spool
/// keeps the text format: `rejected.copy` and the one-by-one path stay `\copy`-able.
///
/// Anything not in exactly the form our writer produces (an escape it never writes,
/// a timestamp in another style, a malformed uuid) makes `init` fail: the batch
/// then goes as text, and PostgreSQL names the bad row as before.
package struct BinaryCopyRows {
    /// The whole COPY stream: signature, header, tuples, trailer.
    package private(set) var bytes: [UInt8] = []
    package private(set) var count = 0

    /// A column's binary representation (the column types of `convergence.audit_log`).
    enum ColumnType { case text, uuid, timestamptz, int16, int32, boolean }

    static let columnTypes: [ColumnType] = AuditRecord.columns.map { name in
        switch name {
        case "id", "customer_id": .uuid
        case "created_at": .timestamptz
        case "risk_score": .int16
        case "latency_us": .int32
        case "would_block": .boolean
        default: .text // text and json columns: json's binary form is its text
        }
    }

    /// "PGCOPY\n\377\r\n\0", then flags and header-extension length (both 0).
    static let header: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]

    /// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00:00 UTC).
    static let postgresEpochMicros: Int64 = 946_684_800_000_000

    /// `rows`: COPY text rows, each ending in a newline, with `AuditRecord.columns`'s fields.
    package init?(text rows: [UInt8]) {
        // A field grows by at most 7 bytes (a 4-byte length, and an integer's fixed width, in
        // place of a tab and one digit; de-escaping, uuids and timestamps only shrink), a row
        // by 1 (its field count instead of a newline): room for every row, counted first.
        let columns = BinaryCopyRows.columnTypes.count
        let lines = rows.withUnsafeBufferPointer { BinaryCopyRows.countNewlines($0) }
        let growth = 8 * columns + 2
        let capacity = BinaryCopyRows.header.count + rows.count + lines * growth + 2
        var rowCount = 0
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var w = Writer(base: buffer.baseAddress!)
            BinaryCopyRows.header.withUnsafeBufferPointer { w.copy($0.baseAddress!, $0.count) }
            rows.withUnsafeBufferPointer { all in
                guard let base = all.baseAddress else { return }
                var start = 0
                while start < all.count {
                    guard let newline = memchr(base + start, 10, all.count - start) else { ok = false; return }
                    let end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                    guard w.offset + (end - start) + growth <= capacity, // never past the room counted
                          BinaryCopyRows.appendTuple(base + start, end - start, to: &w) else { ok = false; return }
                    rowCount += 1
                    start = end + 1
                }
            }
            if ok { w.put16(0xFFFF) } // trailer: a field count of -1
            initialized = w.offset
        }
        guard ok else { return nil }
        bytes = out
        count = rowCount
    }

    static func countNewlines(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var n = 0, at = 0
        while at < bytes.count, let hit = memchr(base + at, 10, bytes.count - at) {
            n += 1
            at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return n
    }

    /// Writes into the output's uninitialised capacity (`init` checks the room first).
    struct Writer {
        let base: UnsafeMutablePointer<UInt8>
        var offset = 0

        mutating func byte(_ b: UInt8) {
            base[offset] = b
            offset += 1
        }

        mutating func put16(_ v: UInt16) {
            UnsafeMutableRawPointer(base + offset).storeBytes(of: v.bigEndian, as: UInt16.self)
            offset += 2
        }

        mutating func put32(_ v: UInt32) {
            UnsafeMutableRawPointer(base + offset).storeBytes(of: v.bigEndian, as: UInt32.self)
            offset += 4
        }

        mutating func put64(_ v: UInt64) {
            UnsafeMutableRawPointer(base + offset).storeBytes(of: v.bigEndian, as: UInt64.self)
            offset += 8
        }

        mutating func copy(_ from: UnsafePointer<UInt8>, _ n: Int) {
            (base + offset).update(from: from, count: n)
            offset += n
        }
    }

    /// One row (`count` bytes at `row`, newline excluded) as a tuple.
    static func appendTuple(_ row: UnsafePointer<UInt8>, _ count: Int, to w: inout Writer) -> Bool {
        let types = columnTypes, fields = UnsafeBufferPointer(start: row, count: count)
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: types.count + 1) { starts in
            guard CopyTextRow.fieldStarts(fields, columns: types.count, into: starts) else { return false }
            w.put16(UInt16(types.count))
            for k in 0..<types.count {
                let value = UnsafeBufferPointer(rebasing: fields[starts[k]..<(starts[k + 1] - 1)])
                guard appendField(value, as: types[k], to: &w) else { return false }
            }
            return true
        }
    }

    static func appendField(_ value: UnsafeBufferPointer<UInt8>, as type: ColumnType, to w: inout Writer) -> Bool {
        if CopyTextRow.isNull(value) {
            w.put32(UInt32(bitPattern: -1))
            return true
        }
        switch type {
        case .text:
            return appendText(value, to: &w)
        case .uuid:
            guard value.count == 36 else { return false }
            w.put32(16)
            var i = 0
            while i < 36 {
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    guard value[i] == UInt8(ascii: "-") else { return false }
                    i += 1
                    continue
                }
                guard let high = hexValue(value[i]), let low = hexValue(value[i + 1]) else { return false }
                w.byte(high << 4 | low)
                i += 2
            }
            return true
        case .timestamptz:
            guard let micros = parseTimestamp(value) else { return false }
            w.put32(8)
            w.put64(UInt64(bitPattern: micros - postgresEpochMicros))
            return true
        case .int16:
            guard let v = CopyTextRow.plainInteger(value), let narrow = Int16(exactly: v) else { return false }
            w.put32(2)
            w.put16(UInt16(bitPattern: narrow))
            return true
        case .int32:
            guard let v = CopyTextRow.plainInteger(value), let narrow = Int32(exactly: v) else { return false }
            w.put32(4)
            w.put32(UInt32(bitPattern: narrow))
            return true
        case .boolean:
            guard value.count == 1, value[0] == UInt8(ascii: "t") || value[0] == UInt8(ascii: "f") else { return false }
            w.put32(1)
            w.byte(value[0] == UInt8(ascii: "t") ? 1 : 0)
            return true
        }
    }

    /// A text field's bytes with `CopyRow`'s four escapes undone; any other escape fails.
    static func appendText(_ value: UnsafeBufferPointer<UInt8>, to w: inout Writer) -> Bool {
        guard let base = value.baseAddress, value.count > 0 else {
            w.put32(0)
            return true
        }
        guard memchr(base, 92, value.count) != nil else { // the usual case: copied whole
            w.put32(UInt32(value.count))
            w.copy(base, value.count)
            return true
        }
        let lengthAt = w.offset
        w.put32(0)
        var i = 0
        while i < value.count {
            let c = value[i]
            if c != 92 {
                w.byte(c)
                i += 1
                continue
            }
            guard i + 1 < value.count else { return false }
            switch value[i + 1] {
            case 92: w.byte(92)
            case 110: w.byte(10)
            case 114: w.byte(13)
            case 116: w.byte(9)
            default: return false
            }
            i += 2
        }
        UnsafeMutableRawPointer(w.base + lengthAt).storeBytes(of: UInt32(w.offset - lengthAt - 4).bigEndian, as: UInt32.self)
        return true
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00` (`AuditRecord.writeTimestamp`) as Unix microseconds.
    static func parseTimestamp(_ t: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard t.count == 29, t[4] == 45, t[7] == 45, t[10] == 32, t[13] == 58, t[16] == 58, t[19] == 46,
              t[26] == 43, t[27] == 48, t[28] == 48 else { return nil }
        func number(_ from: Int, _ to: Int) -> Int? {
            var v = 0
            for i in from..<to {
                let d = Int(t[i]) - 48
                guard d >= 0, d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let year = number(0, 4), let month = number(5, 7), let day = number(8, 10), let hour = number(11, 13),
              let minute = number(14, 16), let second = number(17, 19), let fraction = number(20, 26),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return (Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1_000_000 + Int64(fraction)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}
