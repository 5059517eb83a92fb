/// Sensitive-data detection: byte-level recognisers with validation (checksums,
/// issuer ranges, number plans, context cues), one file each, measured against
/// the labelled corpus in Tests/ConvergencePIITests. Pure: bytes in, kinds and
/// spans out; no allocation per scanned byte, linear time in the text's length.
public enum PIIDetector {
    /// The kinds found in `text`, sorted by raw value, each once.
    public static func kinds(in text: String, hint: PIIFieldHint = .none) -> [PIIKind] { kindSet(in: text, hint: hint).kinds }

    public static func kindSet(in text: String, hint: PIIFieldHint = .none) -> PIIKindSet {
        var sink = PIISink(recordsSpans: false)
        withBytes(text) { scan($0, hint: hint, into: &sink) }
        return sink.kinds
    }

    /// The kinds found in raw UTF-8 bytes. Allocates nothing on the common path.
    public static func kindSet(in bytes: UnsafeBufferPointer<UInt8>, hint: PIIFieldHint = .none) -> PIIKindSet {
        var sink = PIISink(recordsSpans: false)
        scan(bytes, hint: hint, into: &sink)
        return sink.kinds
    }

    /// Every finding with its byte span, in the order the recognisers report them.
    public static func spans(in text: String, hint: PIIFieldHint = .none) -> [PIISpan] {
        withBytes(text) { spans(in: $0, hint: hint) }
    }

    /// Every finding once, in text order: a span inside a longer one of the same kind
    /// (the digit-run windows try a number's groups one by one) is not reported again.
    public static func spans(in bytes: UnsafeBufferPointer<UInt8>, hint: PIIFieldHint = .none) -> [PIISpan] {
        var sink = PIISink(recordsSpans: true)
        scan(bytes, hint: hint, into: &sink)
        return outermost(sink.spans)
    }

    /// Sorted by start, longest first, so a span is inside an earlier one of its kind exactly
    /// when it ends no later than the furthest end of that kind so far: one pass, linear.
    public static func outermost(_ spans: [PIISpan]) -> [PIISpan] {
        let ordered = spans.sorted { ($0.start, -$0.end, $0.kind) < ($1.start, -$1.end, $1.kind) }
        var furthest = [Int](repeating: -1, count: PIIKind.allCases.count)
        var kept: [PIISpan] = []
        for span in ordered {
            let k = PIIKind.allCases.firstIndex(of: span.kind)!
            guard span.end > furthest[k] else { continue }
            furthest[k] = span.end
            kept.append(span)
        }
        return kept
    }

    /// Runs every recogniser that the byte profile says could match; a timestamp or a UUID as the whole value, with no
    /// field hint, holds nothing and is not read further.
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>, hint: PIIFieldHint, into sink: inout PIISink) {
        if hint == .none, bytes.count >= 10, ASCII.isHex(bytes[0]), MachineValue.isOpaque(bytes) { return }
        scanText(bytes, hint: hint, into: &sink)
    }

    /// The recognisers the byte profile admits, for any text (the tests check the shortcut above against it).
    static func scanText(_ bytes: UnsafeBufferPointer<UInt8>, hint: PIIFieldHint, into sink: inout PIISink) {
        let profile = ByteProfile(bytes)
        guard profile.has(ByteProfile.anyEvidence) || hint != .none else { return }
        if profile.has(ByteProfile.at) { EmailRecognizer.scan(bytes, into: &sink) }
        if profile.has(ByteProfile.digit) {
            // Each gate is the fewest digits the recogniser can find anything with (short
            // identifiers such as `user_123` skip them all); a field hint lowers it.
            let digits = profile.digits
            // An IBAN starts with a country code (either case); first, so that its digit groups
            // are not taken for a card or a phone (the sink drops those inside it).
            if digits >= 8, profile.has(ByteProfile.upper | ByteProfile.lower) { IBANRecognizer.scan(bytes, into: &sink) }
            if digits >= 4 { DigitRunRecognizer.scan(bytes, into: &sink) }        // 1.1.1.1
            if digits >= 7 || hint == .phone { PhoneRecognizer.scan(bytes, hint: hint, into: &sink) }
            if digits >= 4 || hint == .nationalID { NationalIDRecognizer.scan(bytes, hint: hint, into: &sink) } // PAN: 4
            if digits >= 2 || hint == .dateOfBirth { DateOfBirthRecognizer.scan(bytes, hint: hint, into: &sink) }
            // Street addresses hang on a house number, postcode or box number, and a word beside it.
            if profile.has(ByteProfile.space) || hint == .postalAddress {
                PostalAddressRecognizer.scan(bytes, hint: hint, nonASCII: profile.has(ByteProfile.nonASCII), into: &sink)
            }
        }
        // Streets in Cyrillic, Greek, Chinese, Japanese, Korean, Arabic, Hebrew and Devanagari (Persian and
        // Arabic text may number them with their own digits, so this does not wait for ASCII ones).
        // Latin text with accents (lead bytes C3–C5) has none of those scripts: one pass tells.
        let firstLead = profile.has(ByteProfile.nonASCII) ? ScriptNameRecognizer.nextLead(bytes, from: 0) : bytes.count
        let otherScripts = firstLead < bytes.count
        if otherScripts, sink.wants(.postalAddress) { ScriptAddressRecognizer.scan(bytes, into: &sink) }
        if profile.has(ByteProfile.colon) { IPv6Recognizer.scan(bytes, into: &sink) }
        // "first_name=Maria&last_name=Garcia", "phone=5551234567": a key's hint for the value after its '='.
        if profile.has(ByteProfile.equals) { InlineFieldRecognizer.scan(bytes, into: &sink) }
        // `"first_name": "Chiamaka"`: a JSON fragment inside a text (a log line, a pasted payload).
        if profile.has(ByteProfile.colon), profile.has(ByteProfile.quote | ByteProfile.apostrophe) {
            InlineFieldRecognizer.scanQuoted(bytes, into: &sink)
        }
        // `INSERT INTO t (first, last, dob) VALUES ('Hamid', 'Karimi', …)`: each value read as its column says.
        if profile.has(ByteProfile.bracket), profile.has(ByteProfile.apostrophe) { SQLInsertRecognizer.scan(bytes, into: &sink) }
        // `first_name,last_name,dob` and rows under it: each field read as its column says.
        if profile.has(ByteProfile.newline) { CSVRowRecognizer.scan(bytes, into: &sink) }
        SecretRecognizer.scan(bytes, profile: profile, into: &sink)
        // " at ", "(at)", "[@]" or a full-width ＠: a space, a bracket, an '@' or a non-ASCII byte.
        if profile.has(ByteProfile.space | ByteProfile.bracket | ByteProfile.at | ByteProfile.nonASCII) {
            ObfuscatedEmailRecognizer.scan(bytes, profile: profile, into: &sink)
        }
        if profile.has(ByteProfile.upper) || profile.has(ByteProfile.nonASCII) || hint == .personName {
            PersonNameRecognizer.scan(bytes, hint: hint, into: &sink)
        }
        // Names in Cyrillic, Greek, Chinese, Japanese, Korean, Arabic, Hebrew and Devanagari.
        if otherScripts, sink.wants(.personName) { ScriptNameRecognizer.scan(bytes, from: firstLead, hint: hint, into: &sink) }
        // Chat is written in lower case, names too ("hi, i'm priya sharma"): a space and a name's cue; where the text
        // capitalises more than two letters, only a full name that is no ordinary word ("ask maria garcia from HR").
        if profile.has(ByteProfile.space), profile.has(ByteProfile.lower), sink.wants(.personName) {
            LowercaseNameRecognizer.scan(bytes, strict: profile.uppers > 2, into: &sink)
        }
    }

    static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body) // non-contiguous (bridged) strings only
    }
}
