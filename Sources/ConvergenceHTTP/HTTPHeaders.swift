import Glibc

/// A request's headers kept as one byte buffer (names lowercased, `-` for `_`),
/// in arrival order: a handler reads two or three of them, so none becomes a
/// String or a dictionary entry until it is asked for. Lookups scan; requests
/// carry a dozen headers at most that matter, and the FastCGI layer forwards
/// only those nginx passes.
public struct HTTPHeaders: Sendable, ExpressibleByDictionaryLiteral {
    /// Entries back to back: name length (1 byte), value length (4 bytes LE), name, value.
    private var storage: [UInt8] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { self[name] = value }
    }

    /// Room for `bytes` of entries without growing.
    public mutating func reserveCapacity(_ bytes: Int) { storage.reserveCapacity(bytes) }

    /// Appends a header given in CGI form (`X_API_KEY`, without `HTTP_`): lowercased, `_` → `-`.
    /// Names over 255 bytes are dropped (no header we read is that long).
    public mutating func appendCGI(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        guard name.count <= 255 else { return }
        appendLength(name.count, value.count)
        let start = storage.count
        storage.append(contentsOf: name)
        storage.withUnsafeMutableBufferPointer { bytes in
            for i in start..<bytes.count {
                let byte = bytes[i]
                if byte == UInt8(ascii: "_") { bytes[i] = UInt8(ascii: "-") } else if byte >= 65 && byte <= 90 { bytes[i] = byte + 32 }
            }
        }
        storage.append(contentsOf: value)
    }

    private mutating func appendLength(_ name: Int, _ value: Int) {
        let length = UInt32(truncatingIfNeeded: value).littleEndian
        storage.append(UInt8(name))
        withUnsafeBytes(of: length) { storage.append(contentsOf: $0) }
    }

    /// The value of `name` (lowercase, with `-`); the last one when repeated. Setting appends
    /// (nil removes every entry of that name).
    public subscript(name: String) -> String? {
        get {
            var name = name
            return name.withUTF8 { wanted in
                storage.withUnsafeBufferPointer { bytes -> String? in
                    var found: Range<Int>?
                    var i = 0
                    while i < bytes.count {
                        let (nameStart, valueStart, end) = HTTPHeaders.entry(bytes, at: i)
                        if valueStart - nameStart == wanted.count,
                           wanted.isEmpty || memcmp(bytes.baseAddress! + nameStart, wanted.baseAddress!, wanted.count) == 0 {
                            found = valueStart..<end
                        }
                        i = end
                    }
                    return found.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
                }
            }
        }
        set {
            var name = name
            name.withUTF8 { wanted in
                var kept: [UInt8] = []
                forEach { entryName, value in
                    guard !entryName.elementsEqual(wanted) else { return }
                    kept.append(UInt8(entryName.count))
                    for shift in stride(from: 0, to: 32, by: 8) { kept.append(UInt8(truncatingIfNeeded: value.count >> shift)) }
                    kept.append(contentsOf: entryName)
                    storage.withUnsafeBufferPointer { kept.append(contentsOf: $0[value]) }
                }
                storage = kept
            }
            guard var newValue, name.utf8.count <= 255 else { return }
            name.withUTF8 { n in
                newValue.withUTF8 { v in
                    appendLength(n.count, v.count)
                    storage.append(contentsOf: n)
                    storage.append(contentsOf: v)
                }
            }
        }
    }

    /// Calls `body` with each entry's name bytes and the range of its value in `storage`.
    private func forEach(_ body: (UnsafeBufferPointer<UInt8>, Range<Int>) -> Void) {
        storage.withUnsafeBufferPointer { bytes in
            var i = 0
            while i < bytes.count {
                let (nameStart, valueStart, end) = HTTPHeaders.entry(bytes, at: i)
                body(UnsafeBufferPointer(rebasing: bytes[nameStart..<valueStart]), valueStart..<end)
                i = end
            }
        }
    }

    /// Where the entry at `i` keeps its name and value, and where the next one starts.
    private static func entry(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (name: Int, value: Int, end: Int) {
        let nameLength = Int(bytes[i])
        let valueLength = Int(bytes[i + 1]) | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) << 16 | Int(bytes[i + 4]) << 24
        return (i + 5, i + 5 + nameLength, i + 5 + nameLength + valueLength)
    }
}
