extension String {
    /// Equal ignoring the case of ASCII letters, compared in place byte by byte (class, provider and
    /// classification names are compared on every check; `lowercased()` made two strings each time).
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        var a = self, b = other
        return a.withUTF8 { x in b.withUTF8 { y in ASCIICaseless.equal(x, y) } }
    }

    /// The same against a literal (the engine's lists of internal providers).
    func equalsIgnoringASCIICase(_ other: StaticString) -> Bool {
        var a = self
        return a.withUTF8 { x in ASCIICaseless.equal(x, UnsafeBufferPointer(start: other.utf8Start, count: other.utf8CodeUnitCount)) }
    }
}

enum ASCIICaseless {
    static func equal(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        guard x.count == y.count else { return false }
        for i in 0..<x.count where x[i] != y[i] {
            let a = x[i] >= 65 && x[i] <= 90 ? x[i] + 32 : x[i]
            let b = y[i] >= 65 && y[i] <= 90 ? y[i] + 32 : y[i]
            if a != b { return false }
        }
        return true
    }
}
