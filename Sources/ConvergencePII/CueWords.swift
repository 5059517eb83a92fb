/// Context words ("ssn", "born", "passport") near a candidate. A bare digit block
/// or a date means nothing alone; a cue a few words away makes it personal data.
/// Only candidates look for cues, and only within a fixed window: linear time.
struct CueWords: Sendable {
    typealias Bytes = ASCII.Bytes

    /// Lower case. A cue ends at a non-letter ("dob:" counts, "dobson" does not); one
    /// that ends in '.' or '#' ("geb.", "ss#") needs nothing after it.
    let words: FirstByteIndex
    /// Bit `l`: some cue starts with letter `l` (most words are ruled out by their first letter).
    let firstLetters: UInt32

    init(_ words: [StaticString]) {
        self.words = FirstByteIndex(words)
        firstLetters = words.reduce(0) { $0 | 1 << UInt32($1.utf8Start[0] &- 97) }
    }

    /// Some cue stands as a whole word starting in `b[from..<to]`.
    func any(_ b: Bytes, from: Int, to: Int) -> Bool {
        let to = min(to, b.count)
        var j = max(from, 0)
        if j > 0 { while j < to, ASCII.isAlpha(b[j - 1]) { j += 1 } } // not in the middle of a word
        while j < to {
            let c = ASCII.lower(b[j]) &- 97
            guard c < 26 else { j += 1; continue }
            if firstLetters & 1 << UInt32(c) != 0 {
                if words.contains(first: c &+ 97, where: { Self.isWord(b, at: j, $0) }) { return true }
            }
            j += 1
            while j < to, ASCII.isAlpha(b[j]) { j += 1 } // the rest of the word
        }
        return false
    }

    @inline(__always) static func isWord(_ b: Bytes, at j: Int, _ cue: StaticString) -> Bool {
        guard ASCII.hasPrefix(b, at: j, cue) else { return false }
        let n = cue.utf8CodeUnitCount, last = cue.utf8Start[n - 1]
        return last == 0x2E || last == 0x23 || j + n == b.count || !ASCII.isAlpha(b[j + n])
    }

    /// A cue starts within `window` bytes before `start`, or within `after` bytes after `end`.
    func near(_ b: Bytes, _ start: Int, _ end: Int, window: Int, after: Int) -> Bool {
        any(b, from: start - window, to: start) || (after > 0 && any(b, from: end, to: end + after))
    }
}
