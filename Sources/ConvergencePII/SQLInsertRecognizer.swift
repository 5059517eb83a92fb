/// Rows pasted as SQL: `INSERT INTO patients (first, last, birth_date) VALUES ('Hamid', 'Karimi', '1967-12-03')`. Each
/// quoted value is judged with the hint of its column's name (PIIFieldHint), as a JSON value is with its key's; a value
/// whose shape does not fit is nothing. Without a column list nothing is known. One pass from each `VALUES`, every tuple
/// after it read once: linear time.
enum SQLInsertRecognizer {
    typealias Bytes = ASCII.Bytes

    static let maxColumns = 32

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        var i = 0
        while i + 6 <= b.count {
            i = ASCII.next(0x28, in: b, from: i) // each '(' might open the tuples after a VALUES
            guard i < b.count else { return }
            guard let keywordStart = valuesBefore(b, i) else { i += 1; continue }
            i = withUnsafeTemporaryAllocation(of: PIIFieldHint.self, capacity: maxColumns) { hints in
                let columns = columnHints(b, before: keywordStart, into: hints)
                guard hints[..<columns].contains(where: { $0 != .none }) else { return i + 1 }
                return tuples(b, from: i, hints: hints, columns: columns, into: &sink)
            }
        }
    }

    /// Where "VALUES" starts, when it stands (any case) right before the '(' at `open`, spaces between.
    static func valuesBefore(_ b: Bytes, _ open: Int) -> Int? {
        var k = open
        while k > 0, b[k - 1] == 0x20 || b[k - 1] == 0x0A { k -= 1 }
        guard k >= 6, ASCII.equals(b, k - 6, k, "values"), k == 6 || !ASCII.isAlnum(b[k - 7]) else { return nil }
        return k - 6
    }

    /// The column names in the parentheses before `keyword`, as hints; how many columns.
    static func columnHints(_ b: Bytes, before keyword: Int, into hints: UnsafeMutableBufferPointer<PIIFieldHint>) -> Int {
        var k = keyword
        while k > 0, b[k - 1] == 0x20 || b[k - 1] == 0x0A { k -= 1 }
        guard k > 0, b[k - 1] == 0x29 else { return 0 }
        let close = k - 1
        var open = close
        while open > 0, close - open < 512, b[open - 1] != 0x28 {
            if b[open - 1] == 0x29 || b[open - 1] == 0x27 { return 0 } // nested or quoted: not a column list
            open -= 1
        }
        guard open > 0, b[open - 1] == 0x28 else { return 0 }
        var count = 0, s = open
        for e in open...close where e == close || b[e] == 0x2C {
            guard count < maxColumns else { return 0 }
            var from = s, to = e
            while from < to, b[from] == 0x20 || b[from] == 0x60 || b[from] == 0x22 || b[from] == 0x5B { from += 1 } // ` " [
            while to > from, b[to - 1] == 0x20 || b[to - 1] == 0x60 || b[to - 1] == 0x22 || b[to - 1] == 0x5D { to -= 1 }
            hints.initializeElement(at: count, to: to > from ? PIIFieldHint(key: ASCII.slice(b, from, to)) : .none)
            count += 1
            s = e + 1
        }
        return count
    }

    /// Reads the tuples from the '(' at `open` on, judging each quoted value by its column; returns where reading stopped.
    static func tuples(_ b: Bytes, from open: Int, hints: UnsafeMutableBufferPointer<PIIFieldHint>, columns: Int,
                       into sink: inout PIISink) -> Int {
        var k = open
        while k < b.count, b[k] == 0x28 {
            k += 1
            var column = 0
            while k < b.count, b[k] != 0x29 {
                while k < b.count, b[k] == 0x20 { k += 1 }
                guard k < b.count else { return k }
                if b[k] == 0x27 { // 'value', with '' for a quote inside
                    let from = k + 1
                    k = from
                    while k < b.count, !(b[k] == 0x27 && !(k + 1 < b.count && b[k + 1] == 0x27)) { k += b[k] == 0x27 ? 2 : 1 }
                    guard k < b.count else { return k }
                    if column < columns, hints[column] != .none, k > from {
                        InlineFieldRecognizer.judge(b, from, k, hint: hints[column], into: &sink)
                    }
                    k += 1
                } else {
                    while k < b.count, b[k] != 0x2C, b[k] != 0x29 { k += 1 } // a number, NULL, a function call's name
                }
                while k < b.count, b[k] == 0x20 { k += 1 }
                if k < b.count, b[k] == 0x2C { k += 1; column += 1 }
            }
            k += 1 // past ')'
            while k < b.count, b[k] == 0x20 || b[k] == 0x0A || b[k] == 0x2C { k += 1 } // ", (" the next row
        }
        return k
    }
}
