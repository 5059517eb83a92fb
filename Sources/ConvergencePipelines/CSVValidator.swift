import Foundation

/// Checks a CSV file against a load step's declared columns before anything
/// reaches PostgreSQL, so a bad row is reported as "line N, column X: …" in
/// the file's own line numbers and the load is refused as a whole.
///
/// RFC 4180 as PostgreSQL's `COPY … (FORMAT csv)` reads it: comma separated,
/// `"` quoting with `""` escapes, quoted fields may span lines, CRLF or LF.
/// An unquoted empty field is NULL; a quoted one is an empty string.
public enum CSVValidator {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    public struct Summary: Equatable {
        /// Data rows (header excluded).
        public let rows: Int
    }

    struct Field {
        var bytes: ArraySlice<UInt8>
        var quoted: Bool
    }

    public static func validate(_ data: [UInt8], columns: [CSVColumn], header: Bool) throws(Failure) -> Summary {
        var rows = 0
        var index = 0
        var line = 1
        var first = true
        while index < data.count {
            let recordLine = line
            let fields = try record(data, from: &index, line: &line)
            // A blank line is not skipped by COPY (it is a row of missing fields, or the
            // header COPY would skip): refuse it here, with its line number.
            if fields.count == 1, fields[0].bytes.isEmpty, !fields[0].quoted {
                throw Failure(line: recordLine, message: "is blank (remove empty lines from the file)")
            }
            if first, header {
                first = false
                let names = fields.map { String(decoding: $0.bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces) }
                let expected = columns.map(\.name)
                guard names == expected else {
                    throw Failure(line: recordLine,
                                  message: "the header is \(names.joined(separator: ",")), expected \(expected.joined(separator: ","))")
                }
                continue
            }
            first = false
            guard fields.count == columns.count else {
                throw Failure(line: recordLine, message: "expected \(columns.count) fields, found \(fields.count)")
            }
            for (field, column) in zip(fields, columns) {
                if let problem = check(field, column) {
                    throw Failure(line: recordLine, message: "column \(column.name): \(problem)")
                }
            }
            rows += 1
        }
        return Summary(rows: rows)
    }

    /// Reads one record starting at `index`, advancing past its line end.
    static func record(_ data: [UInt8], from index: inout Int, line: inout Int) throws(Failure) -> [Field] {
        var fields: [Field] = []
        let startLine = line
        while true {
            var quoted = false
            var slice: ArraySlice<UInt8>
            if index < data.count, data[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                var value: [UInt8] = []
                while true {
                    guard index < data.count else {
                        throw Failure(line: startLine, message: "a quoted field is never closed")
                    }
                    let b = data[index]
                    if b == UInt8(ascii: "\"") {
                        if index + 1 < data.count, data[index + 1] == UInt8(ascii: "\"") { value.append(b); index += 2; continue }
                        index += 1
                        break
                    }
                    if b == UInt8(ascii: "\n") { line += 1 }
                    value.append(b)
                    index += 1
                }
                slice = value[...]
                if index < data.count, data[index] != UInt8(ascii: ","), data[index] != UInt8(ascii: "\n"), data[index] != UInt8(ascii: "\r") {
                    throw Failure(line: line, message: "unexpected text after a closing quote")
                }
            } else {
                let start = index
                while index < data.count, data[index] != UInt8(ascii: ","), data[index] != UInt8(ascii: "\n") {
                    if data[index] == UInt8(ascii: "\"") { throw Failure(line: line, message: "a quote inside an unquoted field") }
                    index += 1
                }
                var end = index
                if end > start, data[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                slice = data[start..<end]
            }
            fields.append(Field(bytes: slice, quoted: quoted))
            if index < data.count, data[index] == UInt8(ascii: ",") { index += 1; continue }
            if index < data.count, data[index] == UInt8(ascii: "\r") { index += 1 }
            if index < data.count, data[index] == UInt8(ascii: "\n") { index += 1; line += 1 }
            return fields
        }
    }

    /// Nil when the field is acceptable for the column, else what is wrong.
    static func check(_ field: Field, _ column: CSVColumn) -> String? {
        if field.bytes.isEmpty, !field.quoted {
            return column.nullable ? nil : "empty value in a column that may not be empty"
        }
        let text = String(decoding: field.bytes, as: UTF8.self)
        if field.bytes.contains(0) { return "contains a NUL byte" }
        let ok: Bool
        switch column.type {
        case .text: ok = true
        case .integer: ok = Int64(text) != nil
        case .numeric, .double: ok = isDecimal(field.bytes)
        case .boolean: ok = ["true", "false", "t", "f", "1", "0", "yes", "no"].contains(text.lowercased())
        case .date: ok = isDate(Array(field.bytes))
        case .timestamp: ok = isTimestamp(Array(field.bytes))
        }
        if ok { return nil }
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "\"\(shown)\" is not a valid \(column.type.rawValue)"
    }

    static func isDecimal(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
        var digits = 0
        while i < bytes.endIndex, (48...57).contains(bytes[i]) { i += 1; digits += 1 }
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < bytes.endIndex, (48...57).contains(bytes[i]) { i += 1; digits += 1 }
        }
        guard digits > 0 else { return false }
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.endIndex, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
            var exponent = 0
            while i < bytes.endIndex, (48...57).contains(bytes[i]) { i += 1; exponent += 1 }
            guard exponent > 0 else { return false }
        }
        return i == bytes.endIndex
    }

    /// `YYYY-MM-DD` with a real month and day.
    static func isDate(_ b: [UInt8]) -> Bool {
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let year = number(b[0..<4]), let month = number(b[5..<7]), let day = number(b[8..<10]) else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return year >= 1 && (1...12).contains(month) && (1...days[month - 1]).contains(day) && b.count == 10
    }

    /// `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` then optionally `Z`, `±HH[:MM]` or ` UTC` (what billing exports write).
    static func isTimestamp(_ b: [UInt8]) -> Bool {
        guard b.count >= 16, isDate(Array(b[0..<10])), b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"),
              let hour = number(b[11..<13]), b[13] == UInt8(ascii: ":"), let minute = number(b[14..<16]),
              hour <= 23, minute <= 59 else { return false }
        var i = 16
        if i < b.count, b[i] == UInt8(ascii: ":") {
            guard i + 3 <= b.count, let second = number(b[(i + 1)..<(i + 3)]), second <= 60 else { return false }
            i += 3
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                while i < b.count, (48...57).contains(b[i]) { i += 1 }
                guard i > start else { return false }
            }
        }
        let zone = b[i...]
        if zone.isEmpty || zone.elementsEqual("Z".utf8) || zone.elementsEqual(" UTC".utf8) || zone.elementsEqual("UTC".utf8) { return true }
        var z = Array(zone)
        if z.first == UInt8(ascii: " ") { z.removeFirst() }
        guard let sign = z.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), z.count >= 3,
              let offset = number(z[1..<3]), offset <= 14 else { return false }
        if z.count == 3 { return true }
        if z.count == 6, z[3] == UInt8(ascii: ":"), number(z[4..<6]) != nil { return true }
        return z.count == 5 && number(z[3..<5]) != nil
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for d in digits {
            guard (48...57).contains(d) else { return nil }
            value = value * 10 + Int(d - 48)
        }
        return digits.isEmpty ? nil : value
    }
}
