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
public final class ModelPattern: Sendable, Equatable {
    public static func == (a: ModelPattern, b: ModelPattern) -> Bool { a.text == b.text }

    public let text: String
    private let pieces: [[UInt8]]
    private let starStart: Bool
    private let starEnd: Bool

    public init(_ text: String) {
        self.text = text
        let bytes = Array(text.utf8)
        pieces = bytes.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: true).map(Array.init)
        starStart = bytes.first == UInt8(ascii: "*")
        starEnd = bytes.last == UInt8(ascii: "*")
        isExactName = !starStart && !starEnd && pieces.count <= 1 && !text.isEmpty
    }

    /// No `*`: one name.
    public var isExact: Bool { isExactName }
    private let isExactName: Bool

    /// How much of a name the pattern fixes: among the patterns that match a model, the
    /// one fixing most decides (`gpt-4-turbo*` over `gpt-4*` over `*`), an exact name first.
    public var specificity: Int { isExact ? Int.max : pieces.reduce(0) { $0 + $1.count } }

    /// `caseInsensitive` folds ASCII letters: a deny or a limit must not be dodged by
    /// writing `GPT-4`, while an allow list stays exact (an unexpected spelling is refused).
    public func matches(_ model: String, caseInsensitive: Bool) -> Bool {
        var model = model
        if !caseInsensitive, isExactName {
            // Most allow lists are plain names. Compared as bytes in place: `utf8.elementsEqual` walked two
            // iterators and was a third of an engine profile.
            let exact = pieces[0]
            return model.withUTF8 { name in
                guard name.count == exact.count else { return false }
                for k in 0..<exact.count where name[k] != exact[k] { return false }
                return true
            }
        }
        return model.withUTF8 { name in
            if pieces.isEmpty { return starStart || name.isEmpty } // "*" (or "**") matches everything
            var at = 0
            for (index, piece) in pieces.enumerated() {
                let first = index == 0, last = index == pieces.count - 1
                if first && !starStart {
                    guard Self.equal(name, at: 0, piece, caseInsensitive) else { return false }
                    at = piece.count
                    if last && !starEnd { return at == name.count }
                    continue
                }
                if last && !starEnd {
                    let start = name.count - piece.count
                    return start >= at && Self.equal(name, at: start, piece, caseInsensitive)
                }
                guard let found = Self.find(piece, in: name, from: at, caseInsensitive) else { return false }
                at = found + piece.count
            }
            return true
        }
    }

    private static func fold(_ c: UInt8, _ caseInsensitive: Bool) -> UInt8 {
        caseInsensitive && c >= 0x41 && c <= 0x5A ? c + 0x20 : c
    }

    private static func equal(_ name: UnsafeBufferPointer<UInt8>, at start: Int, _ piece: [UInt8], _ ci: Bool) -> Bool {
        guard start >= 0, start + piece.count <= name.count else { return false }
        for k in 0..<piece.count where fold(name[start + k], ci) != fold(piece[k], ci) { return false }
        return true
    }

    private static func find(_ piece: [UInt8], in name: UnsafeBufferPointer<UInt8>, from: Int, _ ci: Bool) -> Int? {
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
