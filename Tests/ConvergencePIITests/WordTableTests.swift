import Testing
@testable import ConvergencePII

/// The two word-list layouts the recognisers look words up in: a lookup must find exactly
/// the listed words (any case), and a grouped list must keep the list's order.
@Suite struct WordTableTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func shortWordTableFindsEveryListedWordInAnyCaseAndNothingElse() {
        let entries: [(word: StaticString, code: UInt8)] = [("hi", 1), ("mrs", 2), ("i'm", 3), ("employee", 4), ("a", 5), ("said", 6)]
        let table = ShortWordTable(entries)
        for (word, code) in [("hi", 1), ("HI", 1), ("Mrs", 2), ("I'm", 3), ("EMPLOYEE", 4), ("a", 5), ("Said", 6)] as [(String, UInt8)] {
            let b = Self.bytes(word)
            #expect(b.withUnsafeBufferPointer { table.code($0, 0, $0.count) } == code, "\(word)")
        }
        // Prefixes, extensions, words of nine bytes and more, and the empty word are not listed.
        for word in ["h", "his", "mr", "mrss", "employees", "employee1", "saidx", "", "im", "i’m"] {
            let b = Self.bytes(word)
            #expect(b.withUnsafeBufferPointer { table.code($0, 0, $0.count) } == 0, "\(word)")
        }
        // Inside a longer text: only the bytes between `from` and `to` count.
        let text = Self.bytes("oh hi there")
        #expect(text.withUnsafeBufferPointer { table.code($0, 3, 5) } == 1)
        #expect(text.withUnsafeBufferPointer { table.code($0, 3, 6) } == 0)
    }

    @Test func shortWordTableHoldsEveryLowerCaseNameCue() {
        // Each cue word of the lower-case name recogniser is found with its meaning; the table has no word it lacks.
        let table = LowercaseNameRecognizer.cueTable
        for (word, code) in LowercaseNameRecognizer.cueEntries {
            let b = Array(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
            #expect(b.withUnsafeBufferPointer { table.code($0, 0, $0.count) } == code, "\(word)")
        }
        #expect(Self.bytes("sis").withUnsafeBufferPointer { table.code($0, 0, $0.count) } == 0)
    }

    @Test func firstByteIndexVisitsTheWordsOfOneFirstByteInListOrder() {
        let index = FirstByteIndex(["phone", "tel", "mobile", "phones", "telefon", "móvil", "t"])
        func visited(_ first: UInt8) -> [String] {
            var seen: [String] = []
            _ = index.contains(first: first) { seen.append($0.description); return false }
            return seen
        }
        #expect(visited(UInt8(ascii: "p")) == ["phone", "phones"])
        #expect(visited(UInt8(ascii: "t")) == ["tel", "telefon", "t"])
        #expect(visited(UInt8(ascii: "m")) == ["mobile", "móvil"])
        #expect(visited(UInt8(ascii: "x")).isEmpty)
        // It stops at the first word the test accepts.
        #expect(index.contains(first: UInt8(ascii: "t")) { $0.utf8CodeUnitCount == 7 })
        #expect(!index.contains(first: UInt8(ascii: "t")) { $0.utf8CodeUnitCount == 4 })
    }
}
