extension String {
    /// Equal ignoring the case of ASCII letters, compared byte by byte (class and provider names are
    /// compared on every check; `lowercased()` would allocate two strings per comparison).
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        for (a, b) in zip(utf8, other.utf8) where a != b {
            let la = a >= 65 && a <= 90 ? a + 32 : a
            let lb = b >= 65 && b <= 90 ? b + 32 : b
            if la != lb { return false }
        }
        return true
    }
}
