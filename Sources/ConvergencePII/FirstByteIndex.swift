/// A word list grouped by first byte (each group in list order), so a text's word is
/// compared only with the listed words that share its first letter. The lists of cue and
/// anti-cue words run to hundreds: walking a whole list for every word of a candidate's
/// window was a large part of the phone recogniser's time.
struct FirstByteIndex: Sendable {
    /// The words ordered by first byte, stable within a byte.
    private let words: [StaticString]
    /// `words[starts[c]..<starts[c + 1]]` start with byte `c`.
    private let starts: [Int32]

    init(_ list: [StaticString]) {
        var counts = [Int32](repeating: 0, count: 257)
        for word in list { counts[Int(word.utf8Start[0]) + 1] += 1 }
        for c in 0..<256 { counts[c + 1] += counts[c] }
        starts = counts
        var next = counts, ordered = [StaticString](repeating: "", count: list.count)
        for word in list {
            let c = Int(word.utf8Start[0])
            ordered[Int(next[c])] = word
            next[c] += 1
        }
        words = ordered
    }

    /// Calls `body` with each word starting with `first` until it returns true; whether one did.
    @inline(__always) func contains(first: UInt8, where body: (StaticString) -> Bool) -> Bool {
        let c = Int(first)
        return words.withUnsafeBufferPointer { all in
            starts.withUnsafeBufferPointer { starts in
                for k in Int(starts[c])..<Int(starts[c + 1]) where body(all[k]) { return true }
                return false
            }
        }
    }
}
