/// Words of the scripts other than Latin that names and addresses are written in: UTF-8 decoding,
/// the script of a code point, and a normalised 64-bit hash of a word (case, Greek accents and
/// final sigma, Cyrillic ё, Arabic alif forms and diacritics folded) so that a word is looked up
/// in a set of integers without building a String. Pure and allocation-free.
enum ScriptText {
    typealias Bytes = ASCII.Bytes

    enum Script: UInt8 { case other, cyrillic, greek, han, kana, hangul, arabic, hebrew, devanagari, thai, georgian }

    /// The code point at `i` and its length in bytes; a stray byte is U+FFFD of length 1.
    @inline(__always) static func decode(_ b: Bytes, _ i: Int) -> (UInt32, Int) {
        let c = b[i]
        if c < 0x80 { return (UInt32(c), 1) }
        if c >= 0xC2, c < 0xE0, i + 1 < b.count, b[i + 1] & 0xC0 == 0x80 {
            return (UInt32(c & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F), 2)
        }
        if c >= 0xE0, c < 0xF0, i + 2 < b.count, b[i + 1] & 0xC0 == 0x80, b[i + 2] & 0xC0 == 0x80 {
            return (UInt32(c & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F), 3)
        }
        if c >= 0xF0, c < 0xF5, i + 3 < b.count, b[i + 1] & 0xC0 == 0x80, b[i + 2] & 0xC0 == 0x80, b[i + 3] & 0xC0 == 0x80 {
            return (UInt32(c & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F), 4)
        }
        return (0xFFFD, 1)
    }

    /// The code point that ends just before `i` and its length (for looking back over a cue).
    @inline(__always) static func decodeBefore(_ b: Bytes, _ i: Int) -> (UInt32, Int) {
        guard i > 0 else { return (0xFFFD, 1) } // callers look back only while i > 0; this keeps b[-1] unreachable
        var k = i - 1
        while k > 0, i - k < 4, b[k] & 0xC0 == 0x80 { k -= 1 }
        let (cp, n) = decode(b, k)
        return k + n == i ? (cp, n) : (0xFFFD, 1)
    }

    /// Letters of a script, with its combining marks (they continue a word).
    static func script(_ cp: UInt32) -> Script {
        switch cp {
        case 0x0400...0x0481, 0x048A...0x052F: return .cyrillic
        case 0x0386, 0x0388...0x03FF, 0x1F00...0x1FFF: return .greek
        case 0x3005, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF: return .han
        case 0x3041...0x309F, 0x30A1...0x30FA, 0x30FC...0x30FF: return .kana
        case 0xAC00...0xD7A3: return .hangul
        case 0x0620...0x065F, 0x066E...0x06D3, 0x06FA...0x06FF: return .arabic
        case 0x0591...0x05C7, 0x05D0...0x05EA, 0x05F3, 0x05F4: return .hebrew // with geresh and gershayim (גב׳, ד״ר)
        case 0x0900...0x0963, 0x0971...0x097F: return .devanagari
        case 0x0E01...0x0E3A, 0x0E40...0x0E4E: return .thai
        case 0x10A0...0x10FF, 0x1C90...0x1CBF: return .georgian
        default: return .other
        }
    }

    /// A capital of a cased script: Cyrillic А–Я and Ѐ–Џ, Greek Α–Ω and its accented capitals.
    @inline(__always) static func isCapital(_ cp: UInt32) -> Bool {
        (cp >= 0x0400 && cp <= 0x042F) || (cp >= 0x0391 && cp <= 0x03AB && cp != 0x03A2) || cp == 0x0386 || (cp >= 0x0388 && cp <= 0x038F)
            || ((cp >= 0x048A && cp <= 0x04BF) || (cp >= 0x04D0 && cp <= 0x04FF)) && cp & 1 == 0
    }

    /// The form a word is looked up in: lower case, Greek without accents and with σ for ς,
    /// Cyrillic е for ё, Arabic bare alif for its variants, ه for ة and ي for Persian ی (not for ى: على "on" is no
    /// علي), and no diacritics (0 = skip).
    @inline(__always) static func normalise(_ cp: UInt32) -> UInt32 {
        switch cp {
        case 0x0410...0x042F: return cp + 0x20
        case 0x0400...0x040F: return cp == 0x0401 ? 0x0435 : cp + 0x50
        case 0x0451: return 0x0435
        case 0x048A...0x04BF, 0x04D0...0x04FF: return cp | 1
        case 0x0391...0x03A9: return greekBase(cp + 0x20)
        case 0x0386, 0x0388...0x0390, 0x03AA...0x03CE: return greekBase(cp)
        case 0x0622, 0x0623, 0x0625, 0x0671: return 0x0627
        case 0x0629: return 0x0647
        case 0x064B...0x065F, 0x0670, 0x0591...0x05C7: return 0
        case 0x06CC: return 0x064A // Persian yeh
        case 0x06A9: return 0x0643 // Persian kaf
        default: return cp
        }
    }

    /// A Greek letter's lower-case form without its accent or diaeresis.
    @inline(__always) static func greekBase(_ cp: UInt32) -> UInt32 {
        switch cp {
        case 0x0386, 0x03AC: return 0x03B1
        case 0x0388, 0x03AD: return 0x03B5
        case 0x0389, 0x03AE: return 0x03B7
        case 0x038A, 0x03AF, 0x03CA, 0x0390, 0x03AA: return 0x03B9
        case 0x038C, 0x03CC: return 0x03BF
        case 0x038E, 0x03CD, 0x03CB, 0x03B0, 0x03AB: return 0x03C5
        case 0x038F, 0x03CE: return 0x03C9
        case 0x03C2: return 0x03C3
        default: return cp
        }
    }

    /// FNV-1a over normalised code points: the key of the name and cue sets.
    @inline(__always) static func mix(_ h: UInt64, _ cp: UInt32) -> UInt64 {
        cp == 0 ? h : (h ^ UInt64(cp)) &* 0x0000_0100_0000_01B3
    }
    static let seed: UInt64 = 0xCBF2_9CE4_8422_2325

    static func hash(_ s: String) -> UInt64 {
        s.unicodeScalars.reduce(seed) { mix($0, normalise($1.value)) }
    }

    static func hashSet(_ words: [String]) -> Set<UInt64> { Set(words.map(hash)) }

    /// The hash of the normalised word in `b[from..<to]`.
    static func hash(_ b: Bytes, _ from: Int, _ to: Int) -> UInt64 {
        var h = seed, k = from
        while k < to {
            let (cp, n) = decode(b, k)
            h = mix(h, normalise(cp))
            k += n
        }
        return h
    }

    /// The end of the word of `script` starting at `from`: its letters and marks, and for the cased
    /// scripts a hyphen or apostrophe inside (Мамин-Сибиряк, Ім'я), and Hebrew's gershayim and geresh (עו"ד, גב').
    static func wordEnd(_ b: Bytes, _ from: Int, _ script: Script) -> Int {
        var k = from
        while k < b.count {
            if b[k] >= 0x80 {
                let (cp, n) = decode(b, k)
                guard Self.script(cp) == script else { break }
                k += n
            } else if b[k] == 0x2D || b[k] == 0x27 || (b[k] == 0x22 && script == .hebrew),
                      script == .cyrillic || script == .greek || script == .hebrew,
                      k > from, k + 1 < b.count, b[k + 1] >= 0x80, Self.script(decode(b, k + 1).0) == script {
                k += 1
            } else if b[k] == 0x27, script == .hebrew, k > from, k + 1 == b.count || b[k + 1] == 0x20 { // the geresh of גב' and רח'
                k += 1
                break
            } else {
                break
            }
        }
        return k
    }

    /// Where the word of `script` that ends at `end` starts: its letters back to at most `limit` bytes before `end`,
    /// and not below `floor` (hyphens inside too when `hyphens`). `end` when no letter of the script ends there.
    static func wordStart(_ b: Bytes, endingAt end: Int, _ script: Script, limit: Int = 40, floor: Int = 0, hyphens: Bool = false) -> Int {
        var s = end
        while s > floor, end - s < limit {
            if hyphens, b[s - 1] == 0x2D { s -= 1; continue }
            let (cp, n) = decodeBefore(b, s)
            guard Self.script(cp) == script else { break }
            s -= n
        }
        return s
    }

    /// Where the next word ends when a word of `script` follows `end` after one space; nil otherwise.
    static func nextWordEnd(_ b: Bytes, after end: Int, _ script: Script) -> Int? {
        guard end + 1 < b.count, b[end] == 0x20, b[end + 1] >= 0x80, Self.script(decode(b, end + 1).0) == script else { return nil }
        return wordEnd(b, end + 1, script)
    }

    /// `b[at...]` starts with the bytes of `prefix`.
    @inline(__always) static func hasPrefix(_ b: Bytes, at: Int, _ prefix: [UInt8]) -> Bool {
        guard at + prefix.count <= b.count else { return false }
        for k in 0..<prefix.count where b[at + k] != prefix[k] { return false }
        return true
    }

    /// How many code points `b[from..<to]` holds.
    static func length(_ b: Bytes, _ from: Int, _ to: Int) -> Int {
        var k = from, count = 0
        while k < to {
            count += 1
            k += decode(b, k).1
        }
        return count
    }

    /// The normalised word ends with one of `endings` (each normalised already).
    static func endsWith(_ b: Bytes, _ from: Int, _ to: Int, _ endings: [[UInt32]]) -> Bool {
        for ending in endings {
            var k = to, m = ending.count
            while m > 0, k > from {
                let (cp, n) = decodeBefore(b, k)
                guard normalise(cp) == ending[m - 1] else { break }
                k -= n
                m -= 1
            }
            if m == 0, k > from { return true } // the ending is not the whole word
        }
        return false
    }

    static func normalised(_ words: [String]) -> [[UInt32]] { words.map { $0.unicodeScalars.map { normalise($0.value) } } }
}
