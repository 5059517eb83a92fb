/// A model name, or a glob over model names: `*` stands for any run of bytes
/// (`gpt-4*`, `*-preview`, `*`); nothing else is special, so a plain name is
/// matched exactly, as `allowed_models` always matched it.
///
/// Matching is linear in the model's length per literal piece: the first piece is
/// a prefix, the last a suffix, the ones between are found leftmost in order (with
/// `*` as the only wildcard, leftmost is never wrong).
///
/// A class: the engine walks lists of patterns on every check, and a struct holding an
/// array and a string cost two retains per element visited.
public final class ModelPattern: @unchecked Sendable, Equatable {
    // @unchecked: `bytes` and `ends` are written once in `init`, only read afterwards, and freed in
    // `deinit` when no reference is left; raw buffers so that matching retains nothing.
    public static func == (a: ModelPattern, b: ModelPattern) -> Bool { a.text == b.text }

    public let text: String
    /// The literal pieces between the stars, one after the other; piece k ends at `ends[k]`.
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let ends: UnsafeMutableBufferPointer<Int>
    private let starStart: Bool
    private let starEnd: Bool

    public init(_ text: String) {
        self.text = text
        let raw = Array(text.utf8)
        let pieces = raw.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: true)
        bytes = .allocate(capacity: max(1, raw.count))
        ends = .allocate(capacity: max(1, pieces.count))
        var at = 0
        for (k, piece) in pieces.enumerated() {
            for byte in piece { bytes[at] = byte; at += 1 }
            ends[k] = at
        }
        pieceCount = pieces.count
        starStart = raw.first == UInt8(ascii: "*")
        starEnd = raw.last == UInt8(ascii: "*")
        isExactName = !starStart && !starEnd && pieces.count <= 1 && !text.isEmpty
        specificity = isExactName ? Int.max : at
    }

    deinit {
        bytes.deallocate()
        ends.deallocate()
    }

    private let pieceCount: Int

    /// No `*`: one name.
    public var isExact: Bool { isExactName }
    private let isExactName: Bool

    /// How much of a name the pattern fixes: among the patterns that match a model, the
    /// one fixing most decides (`gpt-4-turbo*` over `gpt-4*` over `*`), an exact name first.
    public let specificity: Int

    private func piece(_ k: Int) -> UnsafeBufferPointer<UInt8> {
        let start = k == 0 ? 0 : ends[k - 1]
        return UnsafeBufferPointer(rebasing: UnsafeBufferPointer(bytes)[start..<ends[k]])
    }

    /// `caseInsensitive` folds ASCII letters: a deny or a limit must not be dodged by
    /// writing `GPT-4`, while an allow list stays exact (an unexpected spelling is refused).
    public func matches(_ model: String, caseInsensitive: Bool) -> Bool {
        // In place (no copy of the string, which retained a long name on every match).
        if let result = model.utf8.withContiguousStorageIfAvailable({ matches(bytes: $0, caseInsensitive) }) { return result }
        var model = model
        return model.withUTF8 { matches(bytes: $0, caseInsensitive) }
    }

    /// Whether any pattern of `patterns` matches `model`. Walks the array's storage in place:
    /// `contains(where:)` retained and released each pattern it visited.
    static func any(_ patterns: [ModelPattern], match model: String, caseInsensitive: Bool) -> Bool {
        patterns.withUnsafeBufferPointer { list in
            for k in list.indices where list[k].matches(model, caseInsensitive: caseInsensitive) { return true }
            return false
        }
    }

    private func matches(bytes name: UnsafeBufferPointer<UInt8>, _ ci: Bool) -> Bool {
        if pieceCount == 0 { return starStart || name.isEmpty } // "*" (or "**") matches everything
        if isExactName { return name.count == ends[0] && Self.equal(name, at: 0, piece(0), ci) }
        var at = 0
        for index in 0..<pieceCount {
            let piece = piece(index)
            let first = index == 0, last = index == pieceCount - 1
            if first && !starStart {
                guard Self.equal(name, at: 0, piece, ci) else { return false }
                at = piece.count
                if last && !starEnd { return at == name.count }
                continue
            }
            if last && !starEnd {
                let start = name.count - piece.count
                return start >= at && Self.equal(name, at: start, piece, ci)
            }
            guard let found = Self.find(piece, in: name, from: at, ci) else { return false }
            at = found + piece.count
        }
        return true
    }

    @inline(__always)
    private static func fold(_ c: UInt8, _ caseInsensitive: Bool) -> UInt8 {
        caseInsensitive && c >= 0x41 && c <= 0x5A ? c + 0x20 : c
    }

    private static func equal(_ name: UnsafeBufferPointer<UInt8>, at start: Int, _ piece: UnsafeBufferPointer<UInt8>, _ ci: Bool) -> Bool {
        guard start >= 0, start + piece.count <= name.count else { return false }
        for k in 0..<piece.count where fold(name[start + k], ci) != fold(piece[k], ci) { return false }
        return true
    }

    private static func find(_ piece: UnsafeBufferPointer<UInt8>, in name: UnsafeBufferPointer<UInt8>, from: Int, _ ci: Bool) -> Int? {
        var start = from
        while start + piece.count <= name.count {
            if equal(name, at: start, piece, ci) { return start }
            start += 1
        }
        return nil
    }
}

/// A per-model limit of a policy's `models` rule.
public struct ModelLimit: Sendable, Equatable {
    public let pattern: ModelPattern
    public let maxTokens: Int?

    public init(pattern: ModelPattern, maxTokens: Int?) {
        self.pattern = pattern
        self.maxTokens = maxTokens
    }

    /// The entry that decides for `model`: the most specific matching pattern (ties: the
    /// alphabetically first, so the answer never depends on the order the JSON was written in).
    public static func deciding(_ limits: [ModelLimit], for model: String) -> ModelLimit? {
        var best: ModelLimit?
        for limit in limits where limit.pattern.matches(model, caseInsensitive: true) {
            guard let current = best else { best = limit; continue }
            let (a, b) = (limit.pattern.specificity, current.pattern.specificity)
            if a > b || (a == b && limit.pattern.text < current.pattern.text) { best = limit }
        }
        return best
    }
}
