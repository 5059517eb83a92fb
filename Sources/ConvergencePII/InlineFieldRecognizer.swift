/// `key=value` pairs inside text — query strings, form bodies, log and config lines
/// (`GET /signup?first_name=Maria&last_name=Garcia`, `patient_name="ada lovelace"`,
/// `phone=5551234567`): the key says what the value holds, as a JSON key does
/// (PIIFieldHint), and the value is judged with that hint. A value whose shape does
/// not fit the key's kind is nothing (`name=report.pdf`). One pass over the '=' signs;
/// each value is at most `maxValue` bytes: linear time. JSON and Python dict fragments inside text (`"name": "Ada"`)
/// are read the same way (`scanQuoted`).
enum InlineFieldRecognizer {
    typealias Bytes = ASCII.Bytes

    static let maxKey = 32, maxValue = 64

    static func scan(_ b: Bytes, into sink: inout PIISink) {
        var i = 1
        while true {
            i = ASCII.next(0x3D, in: b, from: i)
            guard i < b.count else { return }
            let keyStart = keyStart(b, before: i)
            if keyStart < i, let (from, to) = value(b, after: i) {
                let hint = PIIFieldHint(key: ASCII.slice(b, keyStart, i))
                if hint != .none { judge(b, from, to, hint: hint, into: &sink) }
                i = max(to, i + 1)
                continue
            }
            i += 1
        }
    }

    /// `"key": "value"` and `'key': 'value'` inside text — a JSON or Python dict fragment in a log line or a message
    /// (`"first_name": "Chiamaka"`, `'address': '12 Main St'`): judged as the pairs with '=' are.
    static func scanQuoted(_ b: Bytes, into sink: inout PIISink) {
        var i = 2
        while true {
            i = ASCII.next(0x3A, in: b, from: i)
            guard i < b.count else { return }
            let quote = b[i - 1]
            guard quote == 0x22 || quote == 0x27 else { i += 1; continue }
            // The key: letters, digits, '_', '-' and '.' back to its opening quote.
            var k = i - 1
            while k > 0, i - 1 - k < maxKey, ASCII.isAlnum(b[k - 1]) || b[k - 1] == 0x5F || b[k - 1] == 0x2D || b[k - 1] == 0x2E { k -= 1 }
            guard k > 0, k < i - 1, b[k - 1] == quote else { i += 1; continue }
            var keyStart = k // `user.name`: the last segment
            for p in k..<(i - 1) where b[p] == 0x2E { keyStart = p + 1 }
            // The value: a quoted string of at most `maxValue` bytes after the colon and spaces.
            var v = i + 1
            while v < b.count, v - i <= 4, b[v] == 0x20 { v += 1 }
            guard v < b.count, b[v] == quote else { i += 1; continue }
            let from = v + 1
            var e = from
            while e < b.count, e - from <= maxValue, b[e] != quote, b[e] != 0x0A { e += 1 }
            guard e < b.count, b[e] == quote, e > from, e - from <= maxValue else { i += 1; continue }
            let hint = PIIFieldHint(key: ASCII.slice(b, keyStart, i - 1))
            if hint != .none { judge(b, from, e, hint: hint, into: &sink) }
            i = e + 1
        }
    }

    /// The key's last segment before the '=' at `eq`: letters, digits, '_' and '-' (`user.name` counts as `name`).
    @inline(__always) static func keyStart(_ b: Bytes, before eq: Int) -> Int {
        var k = eq
        while k > 0, eq - k < maxKey, ASCII.isAlnum(b[k - 1]) || b[k - 1] == 0x5F || b[k - 1] == 0x2D { k -= 1 }
        // A key longer than the limit, or glued to a word byte the loop stopped at, is no key.
        if k > 0, eq - k == maxKey || b[k - 1] >= 0x80 { return eq }
        return k
    }

    /// The value after the '=' at `eq`: inside quotes (spaces allowed), or up to '&', ';', ',', a space or the end.
    @inline(__always) static func value(_ b: Bytes, after eq: Int) -> (Int, Int)? {
        var k = eq + 1
        guard k < b.count else { return nil }
        let quote = b[k] == 0x22 || b[k] == 0x27 ? b[k] : 0
        if quote != 0 { k += 1 }
        let from = k
        while k < b.count, k - from <= maxValue {
            let c = b[k]
            if quote != 0 ? c == quote : c == 0x26 || c == 0x3B || c == 0x2C || c == 0x20 || c == 0x22 || c == 0x27 { break }
            if c == 0x0A || c == 0x0D || c == 0x09 { break }
            k += 1
        }
        guard k > from, k - from <= maxValue else { return nil }
        return (from, k)
    }

    /// The value `b[from..<to]` under a key with `hint`, reported at its place in `b`.
    static func judge(_ b: Bytes, _ from: Int, _ to: Int, hint: PIIFieldHint, into sink: inout PIISink) {
        guard sink.wants(kind(of: hint)) else { return }
        if hint == .personName {
            // "Maria+Garcia": a form encodes its spaces as '+'; judged with spaces, reported where it stands.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxValue) { copy in
                for k in from..<to { copy[k - from] = b[k] == 0x2B ? 0x20 : b[k] }
                let value = ASCII.Bytes(UnsafeMutableBufferPointer(rebasing: copy[..<(to - from)]))
                if let (s, e) = PersonNameRecognizer.fieldName(value), isNameInCode(value, s, e) {
                    sink.report(.personName, from + s, from + e)
                }
            }
            return
        }
        var found = PIISink(recordsSpans: true)
        let slice = ASCII.slice(b, from, to)
        switch hint {
        case .postalAddress: PostalAddressRecognizer.scan(slice, hint: hint, nonASCII: true, into: &found)
        case .dateOfBirth: DateOfBirthRecognizer.scan(slice, hint: hint, into: &found)
        case .phone: PhoneRecognizer.scan(slice, hint: hint, into: &found)
        case .nationalID: NationalIDRecognizer.scan(slice, hint: hint, into: &found)
        case .none, .personName: return
        }
        for span in found.spans { sink.report(span.kind, from + span.start, from + span.end) }
    }

    /// Code and logs name things with such keys too (`I(name='LONG')`, `name="mark"`): one word alone counts only
    /// written as a name is — capitalised, not in capitals — and when it is no ordinary word ("Okafor", not "Mark").
    static func isNameInCode(_ v: Bytes, _ s: Int, _ e: Int) -> Bool {
        var k = s
        while k < e, v[k] != 0x20 { k += 1 }
        guard k == e else { return true } // two words or more: `fieldName` has judged them
        guard ASCII.isUpper(v[s]), e - s > 1, !ASCII.isUpper(v[s + 1]) else { return false }
        return NameGazetteer.flags(v, s, e) & NameGazetteer.Flag.word == 0
    }

    static func kind(of hint: PIIFieldHint) -> PIIKind {
        switch hint {
        case .personName: .personName
        case .postalAddress: .postalAddress
        case .dateOfBirth: .dateOfBirth
        case .phone: .phone
        case .nationalID, .none: .nationalID
        }
    }
}
