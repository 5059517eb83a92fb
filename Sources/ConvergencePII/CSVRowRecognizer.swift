/// Rows pasted as CSV under their header line: `first_name,last_name,dob` then `Oluwaseun,Adebayo,1988-05-14`. Each field
/// of a row is judged with the hint of its column's name (PIIFieldHint), as a JSON value is with its key's. A header is
/// a line of 2–32 names (letters, digits, `_`, `-`, `.`, spaces; quotes allowed) split by `,`, `;`, a tab or `|`, one of
/// them a known key; the rows under it have as many fields (quoted fields may hold the delimiter). Every line is read
/// once: linear time.
enum CSVRowRecognizer {
    typealias Bytes = ASCII.Bytes

    static let maxColumns = 32

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        withUnsafeTemporaryAllocation(of: PIIFieldHint.self, capacity: maxColumns) { hints in
            var lineStart = 0, columns = 0, delimiter: UInt8 = 0
            while lineStart < b.count {
                let lineEnd = ASCII.next(0x0A, in: b, from: lineStart)
                var end = lineEnd
                if end > lineStart, b[end - 1] == 0x0D { end -= 1 }
                if columns > 0, rowFields(b, lineStart, end, delimiter: delimiter, columns: columns, hints: hints, into: &sink) {
                    // a row of the table
                } else if let (d, n) = header(b, lineStart, end, into: hints) {
                    (delimiter, columns) = (d, n)
                } else {
                    columns = 0
                }
                lineStart = lineEnd + 1
            }
        }
    }

    /// The line `b[from..<to]` as a header: its delimiter and how many columns, their hints written to `hints`.
    static func header(_ b: Bytes, _ from: Int, _ to: Int, into hints: UnsafeMutableBufferPointer<PIIFieldHint>) -> (UInt8, Int)? {
        guard to - from >= 3, to - from <= 1024 else { return nil }
        var counts = (0, 0, 0, 0) // , ; \t |
        for k in from..<to {
            switch b[k] {
            case 0x2C: counts.0 += 1
            case 0x3B: counts.1 += 1
            case 0x09: counts.2 += 1
            case 0x7C: counts.3 += 1
            case 0x20, 0x22, 0x27, 0x2D, 0x2E, 0x5F: break
            default: guard ASCII.isAlnum(b[k]) else { return nil } // a header holds names only
            }
        }
        let best = max(counts.0, counts.1, counts.2, counts.3)
        guard best >= 1, best < maxColumns else { return nil }
        let delimiter: UInt8 = best == counts.0 ? 0x2C : best == counts.1 ? 0x3B : best == counts.2 ? 0x09 : 0x7C
        var n = 0, known = false, s = from
        for e in from...to where e == to || b[e] == delimiter {
            var f = s, t = e
            while f < t, b[f] == 0x20 || b[f] == 0x22 || b[f] == 0x27 { f += 1 }
            while t > f, b[t - 1] == 0x20 || b[t - 1] == 0x22 || b[t - 1] == 0x27 { t -= 1 }
            guard t > f, t - f <= 32 else { return nil }
            let hint = PIIFieldHint(key: ASCII.slice(b, f, t))
            hints.initializeElement(at: n, to: hint)
            known = known || hint != .none
            n += 1
            s = e + 1
        }
        return known ? (delimiter, n) : nil
    }

    /// The line as a row of `columns` fields (false when it has another number): fields under a known column judged.
    static func rowFields(_ b: Bytes, _ from: Int, _ to: Int, delimiter: UInt8, columns: Int,
                          hints: UnsafeMutableBufferPointer<PIIFieldHint>, into sink: inout PIISink) -> Bool {
        guard to > from else { return false }
        // Count first: a line that is no row of this table leaves nothing reported.
        var n = 1, quoted = false
        for k in from..<to {
            if b[k] == 0x22 { quoted.toggle() } else if b[k] == delimiter, !quoted { n += 1 }
        }
        guard n == columns else { return false }
        var column = 0, s = from
        quoted = false
        for e in from...to {
            if e < to, b[e] == 0x22 { quoted.toggle(); continue }
            guard e == to || b[e] == delimiter && !quoted else { continue }
            if hints[column] != .none {
                var f = s, t = e
                while f < t, b[f] == 0x20 || b[f] == 0x22 { f += 1 }
                while t > f, b[t - 1] == 0x20 || b[t - 1] == 0x22 { t -= 1 }
                if t > f, t - f <= InlineFieldRecognizer.maxValue { InlineFieldRecognizer.judge(b, f, t, hint: hints[column], into: &sink) }
            }
            column += 1
            s = e + 1
        }
        return true
    }
}
