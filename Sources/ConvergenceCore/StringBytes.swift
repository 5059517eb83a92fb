extension String {
    /// The string's UTF-8 bytes, read in place when the string is native (no copy,
    /// no retain); other strings are copied first. `withUTF8` needs a mutable copy,
    /// which on hot paths costs a retain and a release per call.
    @inlinable
    public func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return try copy.withUTF8(body)
    }
}

extension String {
    /// A client's name (a parameter, a key) as an error message may echo it: at most
    /// `limit` characters, printable ASCII only (others become "?"), "…" when cut —
    /// a 20 kB name or a control character never comes back.
    public func shownInMessage(limit: Int = 40) -> String {
        let shown = unicodeScalars.prefix(limit).map { $0.value >= 32 && $0.value < 127 ? String($0) : "?" }.joined()
        return unicodeScalars.count > limit ? shown + "…" : shown
    }
}

/// `value` in decimal, left-padded with zeros to `width` digits (never cut).
public func zeroPadded<T: BinaryInteger>(_ value: T, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
