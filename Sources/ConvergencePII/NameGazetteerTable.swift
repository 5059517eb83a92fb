/// The name word list (NameGazetteer.swift, generated) as an open-addressing hash
/// table, built once: a lookup hashes the word and probes a few slots, with no
/// string compared. Each slot (32 bits: 1 MiB for the ~91 k words) holds 22 bits of
/// the word's hash (not the bits the slot number comes from) and its 10 flags: an
/// unlisted word passes for a listed one about once in a million lookups.
enum NameGazetteer {
    /// What a word is (several at once: "will" is a given name, a surname, a word and an after-cue).
    enum Flag {
        static let given: UInt16 = 1, surname: UInt16 = 2, word: UInt16 = 4, stop: UInt16 = 8, suffix: UInt16 = 16
        static let title: UInt16 = 32, cue: UInt16 = 64, near: UInt16 = 128, after: UInt16 = 256, particle: UInt16 = 512
        static let name: UInt16 = given | surname
        /// Never stored: set by PersonNameRecognizer.lookup for a surname told only by its ending ("Beridze", "Peltonen").
        static let byEnding: UInt16 = 1024
    }

    static let table: [UInt32] = build()

    /// A slot's content: 22 bits of the hash (never all zero: 0 marks an empty slot) above 10 bits of flags.
    @inline(__always) static func fingerprint(_ h: UInt64) -> UInt32 { max(UInt32(truncatingIfNeeded: h >> 42), 1) << 10 }
    @inline(__always) static func slot(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h >> 16) }

    static func build() -> [UInt32] {
        let src = ASCII.Bytes(start: source.utf8Start, count: source.utf8CodeUnitCount)
        var words = 0
        for c in src where c == 0x0A { words += 1 }
        var size = 1
        while size < words * 2 { size <<= 1 }
        var slots = [UInt32](repeating: 0, count: size)
        var flags: UInt32 = 0, k = 0
        while k < src.count {
            var e = k
            while e < src.count, src[e] != 0x0A { e += 1 }
            if src[k] == 0x23 { // "#<hex>": the flags of the words that follow
                flags = 0
                for h in (k + 1)..<e { flags = flags << 4 | UInt32(ASCII.isDigit(src[h]) ? src[h] - 48 : src[h] - 87) }
            } else if e > k {
                let h = hash(src, k, e), key = fingerprint(h)
                var at = slot(h) & (size - 1)
                while slots[at] != 0, slots[at] & ~0x3FF != key { at = (at + 1) & (size - 1) }
                slots[at] = key | flags | (slots[at] & 0x3FF)
            }
            k = e + 1
        }
        return slots
    }

    /// Latin-1 letters (U+00C0–U+00FF, by their second UTF-8 byte's low five bits) without their accent; "?" where
    /// there is no plain letter (Æ, ×, Þ, ß).
    static let unaccented: StaticString = "aaaaaa?ceeeeiiiidnooooo?ouuuuy??"

    /// Latin Extended-A letters (U+0100–U+017F, by their offset) without their accent or stroke, in lower case ("Ł" and
    /// "ł" as "l", "ı" and "İ" as "i"); "?" where there is no plain letter.
    static let unaccentedExtendedA: StaticString =
        "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii??jjkk?llllllllllnnnnnnn??oooooo??rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs"

    /// Latin Extended Additional (U+1E00–U+1EFF, Vietnamese "ễ", "ị", "ặ" …) the same way.
    static let unaccentedAdditional: StaticString = """
        aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuu\
        vvvvwwwwwwwwwwxxxxyyzzzzzzhtwy??????aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy??????
        """

    /// FNV-1a of the word folded: ASCII and Latin-1 capitals to lower case, apostrophes (' and U+2019) skipped;
    /// with `stripAccents`, Latin-1, Latin Extended-A and Vietnamese letters as their plain letter ("Sofía" as
    /// "sofia", "Łukasz" as "lukasz", "Nguyễn" as "nguyen").
    @inline(__always) static func hash(_ b: ASCII.Bytes, _ from: Int, _ to: Int, stripAccents: Bool = false) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        var k = from
        while k < to {
            var c = b[k]
            if c < 0x80 {
                if c == 0x27 { k += 1; continue }
                c = ASCII.lower(c)
            } else if c == 0xE2, k + 2 < to, b[k + 1] == 0x80, b[k + 2] == 0x99 {
                k += 3
                continue
            } else if stripAccents, c == 0xC3, k + 1 < to, b[k + 1] &- 0x80 < 0x40, unaccented.utf8Start[Int(b[k + 1] & 0x1F)] != 0x3F {
                c = unaccented.utf8Start[Int(b[k + 1] & 0x1F)] // À–ÿ, either case, as its plain lower-case letter
                k += 1
            } else if stripAccents, c == 0xC4 || c == 0xC5, k + 1 < to, b[k + 1] &- 0x80 < 0x40,
                      unaccentedExtendedA.utf8Start[Int(c & 1) << 6 | Int(b[k + 1] & 0x3F)] != 0x3F {
                c = unaccentedExtendedA.utf8Start[Int(c & 1) << 6 | Int(b[k + 1] & 0x3F)]
                k += 1
            } else if stripAccents, c == 0xE1, k + 2 < to, b[k + 1] &- 0xB8 < 4, b[k + 2] &- 0x80 < 0x40,
                      unaccentedAdditional.utf8Start[Int(b[k + 1] &- 0xB8) << 6 | Int(b[k + 2] & 0x3F)] != 0x3F {
                c = unaccentedAdditional.utf8Start[Int(b[k + 1] &- 0xB8) << 6 | Int(b[k + 2] & 0x3F)]
                k += 2
            } else if c == 0xC3, k + 1 < to, b[k + 1] &- 0x80 < 0x1F, b[k + 1] != 0x97 {
                h = (h ^ 0xC3) &* 0x0000_0100_0000_01B3
                c = b[k + 1] | 0x20
                k += 1
            }
            h = (h ^ UInt64(c)) &* 0x0000_0100_0000_01B3
            k += 1
        }
        h = (h ^ h >> 29) &* 0xBF58_476D_1CE4_E5B9 // FNV's high bits mix poorly; slots come from them
        return h
    }

    /// The flags of `b[from..<to]`, 0 for a word not in the list; with `stripAccents`, of the word without its
    /// accents (the lists hold "sofia", people also write "Sofía").
    @inline(__always) static func flags(_ b: ASCII.Bytes, _ from: Int, _ to: Int, stripAccents: Bool = false) -> UInt16 {
        let h = hash(b, from, to, stripAccents: stripAccents), key = fingerprint(h)
        return table.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var at = slot(h) & mask
            while true {
                let entry = slots[at]
                if entry == 0 { return 0 }
                if entry & ~0x3FF == key { return UInt16(truncatingIfNeeded: entry & 0x3FF) }
                at = (at + 1) & mask
            }
        }
    }
}
