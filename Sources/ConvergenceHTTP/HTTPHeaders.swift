import ConvergenceCore

/// A request's headers kept as one byte buffer, in arrival order and in the
/// form FastCGI delivers them (`X_API_KEY=value`): a handler reads two or three
/// of them, so none becomes a String, a dictionary entry or even a lowercased
/// name until it is asked for. Lookups take the HTTP form (`x-api-key`) and
/// scan; a request carries a handful of headers.
public struct HTTPHeaders: Sendable, ExpressibleByDictionaryLiteral {
    /// Entries back to back: name length (1 byte), value length (4 bytes LE), name, `=`, value.
    private var storage: [UInt8] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { self[name] = value }
    }

    /// Room for `bytes` of entries without growing.
    public mutating func reserveCapacity(_ bytes: Int) { storage.reserveCapacity(bytes) }

    /// Appends one FastCGI header param without its `HTTP_` prefix: `entry` is
    /// `X_API_KEY=value`, the name its first `nameLength` bytes. Names over 255
    /// bytes are dropped (no header we read is that long).
    public mutating func appendCGI(entry: UnsafeBufferPointer<UInt8>, nameLength: Int) {
        guard nameLength <= 255, nameLength < entry.count else { return }
        let valueLength = UInt32(truncatingIfNeeded: entry.count - nameLength - 1)
        storage.append(UInt8(nameLength))
        storage.append(UInt8(truncatingIfNeeded: valueLength))
        storage.append(UInt8(truncatingIfNeeded: valueLength >> 8))
        storage.append(UInt8(truncatingIfNeeded: valueLength >> 16))
        storage.append(UInt8(truncatingIfNeeded: valueLength >> 24))
        storage.append(contentsOf: entry)
    }

    /// Calls `body` with the bytes of `name`'s value (the last when repeated), nil when absent:
    /// for checks that need no String. `name` is lowercase with `-`.
    public func withValue<R>(_ name: StaticString, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        withValue(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), body)
    }

    /// The value of `name` (lowercase, with `-`); the last one when repeated. Setting appends
    /// (nil removes every entry of that name).
    public subscript(name: String) -> String? {
        get {
            name.withUTF8Bytes { wanted in
                withValue(wanted) { $0.map { String(decoding: $0, as: UTF8.self) } }
            }
        }
        set {
            var kept = HTTPHeaders()
            name.withUTF8Bytes { wanted in
                storage.withUnsafeBufferPointer { bytes in
                    HTTPHeaders.forEach(in: bytes) { entryName, entry in
                        if !HTTPHeaders.cgiName(entryName, equals: wanted) { kept.appendCGI(entry: entry, nameLength: entryName.count) }
                    }
                }
            }
            storage = kept.storage
            guard let newValue else { return }
            var entry = Array(name.utf8).map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : ($0 >= 97 && $0 <= 122 ? $0 - 32 : $0) }
            let nameLength = entry.count
            entry.append(UInt8(ascii: "="))
            entry.append(contentsOf: newValue.utf8)
            entry.withUnsafeBufferPointer { appendCGI(entry: $0, nameLength: nameLength) }
        }
    }

    private func withValue<R>(_ wanted: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        storage.withUnsafeBufferPointer { bytes in
            var found: UnsafeBufferPointer<UInt8>?
            HTTPHeaders.forEach(in: bytes) { name, entry in
                if HTTPHeaders.cgiName(name, equals: wanted) { found = UnsafeBufferPointer(rebasing: entry[(name.count + 1)...]) }
            }
            return body(found)
        }
    }

    /// `X_API_KEY` against `x-api-key`.
    private static func cgiName(_ cgi: UnsafeBufferPointer<UInt8>, equals wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        guard cgi.count == wanted.count else { return false }
        for i in 0..<cgi.count {
            var w = wanted[i]
            if w == UInt8(ascii: "-") { w = UInt8(ascii: "_") } else if w >= 97 && w <= 122 { w -= 32 }
            if cgi[i] != w { return false }
        }
        return true
    }

    /// Calls `body` with each entry's name and its whole `name=value` bytes.
    private static func forEach(in bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        var i = 0
        while i < bytes.count {
            let nameLength = Int(bytes[i])
            let valueLength = Int(bytes[i + 1]) | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) << 16 | Int(bytes[i + 4]) << 24
            let start = i + 5
            let end = start + nameLength + 1 + valueLength
            body(UnsafeBufferPointer(rebasing: bytes[start..<(start + nameLength)]), UnsafeBufferPointer(rebasing: bytes[start..<end]))
            i = end
        }
    }
}
