/// People's names written in Cyrillic, Greek, Chinese, Japanese, Korean, Arabic, Hebrew and Devanagari.
/// Each script has its own evidence, because each writes names differently:
/// - Cyrillic and Greek capitalise names: two or more capitalised words with a listed given name or a
///   patronymic ("Иван Петров", "Анна Сергеевна"), a surname with initials ("Петров И. И."), or one name
///   after a cue ("Клиент: Смирнова", "customer Иванов").
/// - Chinese and Japanese write no spaces: a listed surname before an honorific (王先生, 田中さん, 山田太郎様),
///   a short run after a cue (姓名：王伟, 氏名: 山田 太郎), a Japanese surname, a space and a given name
///   (田中 花子), or in English text a run of three or four characters led by a listed surname ("Please call
///   王秀英 back"; two characters need a person's verb or cue too).
/// - Korean: a listed surname and a given name before 님 or 씨 (김민준 님, 이서연씨), after a cue (이름: 김민준),
///   or in English text a word of three syllables led by a listed surname.
/// - Arabic, Hebrew and Devanagari have no capitals: a listed given name and the word after it, a title
///   before a word (السيد, מר, श्री), or a listed given name after a cue.
/// Lists of common words that start with a surname (高级, 金额, 周末, 고객님, 이메일) keep labels out.
enum ScriptNameRecognizer {
    typealias Bytes = ASCII.Bytes
    typealias Script = ScriptText.Script

    /// `from`: the first lead byte of these scripts (`nextLead`), which the caller found deciding to call.
    static func scan(_ b: Bytes, from: Int = 0, hint: PIIFieldHint, into sink: inout PIISink) {
        if hint == .personName, let (valueStart, valueEnd) = fieldName(b) { // {"name": "马晓东"}, {"full_name": "Рустам Хабибуллин"}
            sink.report(.personName, valueStart, valueEnd)
            return
        }
        var i = from
        while i < b.count {
            i = nextLead(b, from: i)
            guard i < b.count else { return }
            let (cp, n) = ScriptText.decode(b, i)
            let script = ScriptText.script(cp)
            var next = i + n
            switch script {
            case .cyrillic, .greek: next = cased(b, i, script, hint: hint, into: &sink)
            case .han: next = han(b, i, hint: hint, into: &sink)
            case .kana: next = ScriptText.wordEnd(b, i, .kana)
            case .hangul: next = hangul(b, i, hint: hint, into: &sink)
            case .arabic, .hebrew, .devanagari, .georgian: next = uncased(b, i, script, hint: hint, into: &sink)
            case .thai: next = thai(b, i, into: &sink)
            case .other: break
            }
            if !sink.wants(.personName) { return }
            i = max(next, i + n)
        }
    }

    /// The whole value under a name key, when it is one to four words of one of these scripts (and full stops,
    /// hyphens and apostrophes inside): what the key says is a name is one.
    static func fieldName(_ b: Bytes) -> (Int, Int)? {
        var from = 0, to = b.count
        while from < to, b[from] == 0x20 { from += 1 }
        while to > from, b[to - 1] == 0x20 { to -= 1 }
        guard to > from, to - from <= 96, b[from] >= 0x80 else { return nil }
        let script = ScriptText.script(ScriptText.decode(b, from).0)
        guard script != .other else { return nil }
        guard !Tables.placeholders.contains(ScriptText.hash(b, from, to)) else { return nil } // 未知, Не указано, 匿名 …
        var k = from, words = 0
        while k < to {
            // Cyrillic and Greek names are capitalised: "Не указано" ("not given") is no name.
            if script == .cyrillic || script == .greek, !ScriptText.isCapital(ScriptText.decode(b, k).0) { return nil }
            if words == 0, Tables.placeholders.contains(ScriptText.hash(b, k, ScriptText.wordEnd(b, k, script))) { return nil }
            let e = ScriptText.wordEnd(b, k, script == .kana ? .han : script)
            var end = e
            if end == k { // kana inside a Japanese name (山本さくら)
                guard script == .han || script == .kana, ScriptText.script(ScriptText.decode(b, k).0) == .kana else { return nil }
                end = ScriptText.wordEnd(b, k, .kana)
            }
            k = end
            if k < to, b[k] == 0x2E { k += 1 }
            words += 1
            guard words <= 4 else { return nil }
            if k < to {
                if b[k] == 0x20 { k += 1; continue }
                if ScriptText.decode(b, k).0 == 0x3000 { k += 3; continue } // the ideographic space of 山田　太郎
                let next = ScriptText.script(ScriptText.decode(b, k).0)
                guard next == .kana || next == .han, script == .han || script == .kana else { return nil }
            }
        }
        return (from, to)
    }

    /// The first lead byte at or after `from` of a script this recogniser reads (0xCD and up: Greek onwards),
    /// eight bytes a step over ASCII and Latin text.
    static func nextLead(_ b: Bytes, from: Int) -> Int {
        var i = from
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= b.count {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // Per byte: bit 7 set, and the low seven bits ≥ 0x4D (+0x33 carries into bit 7).
                let hit = x & ((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x3333_3333_3333_3333) & 0x8080_8080_8080_8080
                if hit != 0 { return i + hit.littleEndian.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < b.count, b[i] < 0xCD { i += 1 }
        return i
    }

    // MARK: Cyrillic and Greek

    struct Word {
        var given = false, surname = false, patronymic = false, stop = false
        var article = false // Greek Ο, Η, Το … opening a sentence
        var title = false // Господин, Пане, Κυρία … before the name
        var allCaps = false
    }

    static let maxWords = 4

    /// Reads capitalised words of `script` joined by single spaces (initials "И." and "И.И." among them) and
    /// reports them when the evidence adds up. Returns where scanning goes on.
    static func cased(_ b: Bytes, _ start: Int, _ script: Script, hint: PIIFieldHint, into sink: inout PIISink) -> Int {
        guard ScriptText.isCapital(ScriptText.decode(b, start).0) else { return ScriptText.wordEnd(b, start, script) }
        return withUnsafeTemporaryAllocation(of: Word.self, capacity: maxWords) { words in
            var count = 0, initials = 0, p = start, end = start, runStart = start, titled = false
            while count < maxWords {
                let (cp, n) = ScriptText.decode(b, p)
                guard ScriptText.script(cp) == script, ScriptText.isCapital(cp) else { break }
                let e = ScriptText.wordEnd(b, p, script)
                if e == p + n, e < b.count, b[e] == 0x2E { // an initial
                    initials += 1
                    end = e + 1
                    if end < b.count, b[end] >= 0x80, ScriptText.isCapital(ScriptText.decode(b, end).0) { p = end; continue } // "И.И."
                } else {
                    guard e - p <= 48 else { return e }
                    let word = judge(b, p, e, script)
                    if count == 0, initials == 0, word.article || word.title {
                        // "Ο Κωνσταντίνος …", "Η Ελένη …": the article opening a sentence is no part of the name; a title
                        // ("Κυρία Μαρκοπούλου", "Господин Иванов", "Пане Андрію") is its cue.
                        guard e + 1 < b.count, b[e] == 0x20 else { return e }
                        titled = titled || word.title
                        p = e + 1
                        runStart = p
                        end = e // scanning goes on after it, whatever follows (linear: "Κυρία Κυρία Κυρία …")
                        continue
                    }
                    words[count] = word
                    count += 1
                    end = e
                }
                guard end + 1 < b.count, b[end] == 0x20, b[end + 1] >= 0x80 else { break }
                p = end + 1
            }
            guard count > 0 else { return end }
            // Placeholders in manuals are written in capitals (ОСНОВНОЙ, ФАЙЛ): a word in capitals counts only beside
            // a capitalised one ("ИВАНОВ Иван").
            var mixed = false
            for k in 0..<count where !words[k].allCaps { mixed = true }
            guard mixed else { return end }
            var given = false, surname = false, patronymic = false
            for k in 0..<count {
                if words[k].stop { return end }
                given = given || words[k].given
                surname = surname || words[k].surname
                patronymic = patronymic || words[k].patronymic
            }
            // Given name first ("Рустам Хабибуллин"), or a surname or patronymic beside it ("Петров Иван", "Анна
            // Сергеевна"): transliterated places put a given name second ("Калимантан Тимур", "Кастело Бранко").
            var surnameOrGiven = 0
            for k in 0..<count where words[k].surname || words[k].given || words[k].patronymic { surnameOrGiven += 1 }
            let pairOK = words[0].given || surnameOrGiven >= 2 || patronymic
            let accepted = (count >= 2 && (given || patronymic) && pairOK)
                || (initials > 0 && (surname || given))
                || ((given || surname || patronymic) && (titled || hint == .personName || strongCueBefore(b, runStart, script)))
                // In English text, two or three words of this script are a name when one reads as a name or surname
                // ("Please add Ξανθίππη Κουτσούκου to the list").
                || (count >= 2 && count <= 3 && (given || surname) && inEnglishText(b, runStart, end))
            if accepted { sink.report(.personName, runStart, end) }
            return end
        }
    }

    static func judge(_ b: Bytes, _ from: Int, _ to: Int, _ script: Script) -> Word {
        let h = ScriptText.hash(b, from, to)
        var w = Word()
        w.allCaps = to - from > 2 && ScriptText.isCapital(ScriptText.decodeBefore(b, to).0)
        w.title = Tables.casedTitles.contains(h)
        if script == .cyrillic {
            w.stop = Tables.cyrillicStops.contains(h)
            w.given = Tables.cyrillicGiven.contains(h)
            w.patronymic = ScriptText.endsWith(b, from, to, Tables.patronymicEndings)
            w.surname = !w.given && ScriptText.endsWith(b, from, to, Tables.cyrillicSurnameEndings)
        } else {
            w.stop = Tables.greekStops.contains(h)
            w.article = Tables.greekArticles.contains(h)
            w.given = Tables.greekGiven.contains(h)
            w.surname = !w.given && ScriptText.endsWith(b, from, to, Tables.greekSurnameEndings)
        }
        return w
    }

    /// A cue right before `start`: an English one ("Customer:", "Dear", "Mr") or a word of the name's own script
    /// (Клиент, ФИО, господин, Κύριος, 姓名, 이름, السيد …), across spaces, a colon or a comma.
    static func strongCueBefore(_ b: Bytes, _ start: Int, _ script: Script) -> Bool {
        if englishCue(b, start) >= 2 { return true }
        return nativeWordBefore(b, start, script).map { Tables.cues.contains(ScriptText.hash(b, $0.0, $0.1)) } ?? false
    }

    /// The English cue before `start` (PersonNameRecognizer.cueBefore), when it is a word of its own: not the tail
    /// of an identifier such as `$onto_name`.
    static func englishCue(_ b: Bytes, _ start: Int) -> Int {
        guard let (ws, we) = PersonNameRecognizer.wordBefore(b, start) else { return 0 }
        if ws > 0 {
            switch b[ws - 1] {
            case 0x5F, 0x24, 0x2E, 0x3D, 0x2D: return 0 // _ $ . = -
            default: break
            }
        }
        // Not a placeholder in capitals (--username=NAME, ALTER OWNER), nor a title in lower case ("12 ms").
        if we - ws > 1, ASCII.isUpper(b[ws]), ASCII.isUpper(b[ws + 1]) { return 0 }
        let cue = PersonNameRecognizer.cueBefore(b, start)
        return cue == 3 && !ASCII.isUpper(b[ws]) ? 0 : cue
    }

    /// The word of `script` before `start`, across up to four separators (spaces, `:`, `,`, `-`, and the full-width `：`, `，`, `、`).
    static func nativeWordBefore(_ b: Bytes, _ start: Int, _ script: Script) -> (Int, Int)? {
        var p = start, skipped = 0
        while p > 0, skipped < 4 {
            let c = b[p - 1]
            if c == 0x20 || c == 0x3A || c == 0x2C || c == 0x2D || c == 0x09 { p -= 1; skipped += 1; continue }
            let (cp, n) = ScriptText.decodeBefore(b, p)
            guard cp == 0xFF1A || cp == 0x3000 || cp == 0xFF0C || cp == 0x3001 else { break } // ： full-width space ，、
            p -= n
            skipped += 1
        }
        guard p > 0, p < start || skipped == 0 else { return nil }
        let we = p
        while p > 0, we - p < 48 {
            let c = b[p - 1]
            if c == 0x2E, p == we { p -= 1; continue } // "г-н." "κ."
            if c == 0x2D || c == 0x27 { p -= 1; continue }
            let (cp, n) = ScriptText.decodeBefore(b, p)
            guard ScriptText.script(cp) == script || (script == .han && ScriptText.script(cp) == .kana) else { break }
            p -= n
        }
        var ws = p
        while ws < we, b[ws] == 0x2D || b[ws] == 0x27 { ws += 1 }
        return ws < we ? (ws, we) : nil
    }

    // MARK: Chinese and Japanese

    /// A run of Han characters: honorifics inside and after it, a cue before it, a Japanese surname and
    /// given name split by a space, or a short run led by a surname in English text.
    static func han(_ b: Bytes, _ start: Int, hint: PIIFieldHint, into sink: inout PIISink) -> Int {
        let end = ScriptText.wordEnd(b, start, .han)
        // Where the last six characters start (the latest last), for names found inside a long run.
        var ring = Ring(start), k = start
        while k < end {
            let (cp, n) = ScriptText.decode(b, k)
            // A distinctive two-character surname and a given name: 欧阳振华已确认…, 跟司马婉清通了电话.
            if k + 9 <= end, Tables.distinctiveCompound.contains(ScriptText.hash(b, k, k + 6)) {
                sink.report(.personName, k, min(end, k + 12))
                return end
            }
            if ring.count > 0, let name = beforeHonorific(b, cp, k, end, ring) {
                sink.report(.personName, name, k)
                return end
            }
            if ring.count >= 1, let nameEnd = afterCue(b, k, end, ring) {
                sink.report(.personName, k, nameEnd)
                return end
            }
            ring.push(k)
            k += n
        }
        if end < b.count, let name = kanaGiven(b, end, ring) {
            sink.report(.personName, name.0, name.1)
            return name.1
        }
        let length = ring.count
        let cued = nativeWordBefore(b, start, .han).map { Tables.hanCues.contains(tail(b, $0.0, $0.1)) } ?? false
        // 田中 花子, 山田　太郎: a listed Japanese or compound Chinese surname alone (after a cue any run but a common word:
        // 差出人：森 大輔, not 客户：全部 订单), a space, a short given name. Not a Chinese one-character surname: Chinese names
        // take no space, and 章 概要 is "chapter summary".
        let whole = ScriptText.hash(b, start, end)
        if length <= 3,
           (cued && !Tables.hanStops.contains(whole)) || Tables.japaneseSurnames.contains(whole) || Tables.chineseCompound.contains(whole),
           let givenEnd = givenAfterSpace(b, end) {
            sink.report(.personName, start, givenEnd)
            return givenEnd
        }
        guard length >= 2, length <= 4 else { return end }
        let led = surnameLead(b, start, end)
        let firstTwo = ScriptText.hash(b, start, length >= 3 ? ring.at(length - 3) : end)
        let stop = Tables.hanStops.contains(whole) || Tables.hanStops.contains(firstTwo)
        if hint == .personName || cued {
            if led > 0 && !stop { sink.report(.personName, start, end) }
            return end
        }
        guard led > 0, !stop, length <= 3 || led > 3 else { return end }
        // A speaker's label in a chat log: "[10:21] 孙悦：文件我已经上传了".
        if isSpeaker(b, start, end) {
            sink.report(.personName, start, end)
            return end
        }

        // After an English cue ("Customer name: 王伟", "Dear 李娜"), with Latin text or nothing around the run.
        if englishCue(b, start) >= 2, isolated(b, start, end) {
            sink.report(.personName, start, end)
            return end
        }
        guard inEnglishText(b, start, end) else { return end }
        if length >= 3 || englishCue(b, start) >= 1 || personEvidenceAfter(b, end) {
            sink.report(.personName, start, end)
        }
        return end
    }

    /// The byte offsets where the last six characters of a run start.
    struct Ring {
        var slots: (Int, Int, Int, Int, Int, Int)
        var count = 0
        init(_ start: Int) { slots = (start, start, start, start, start, start) }
        mutating func push(_ k: Int) {
            slots = (slots.1, slots.2, slots.3, slots.4, slots.5, k)
            count += 1
        }
        /// Where the character `back` places before the next one starts (0: the last one seen).
        func at(_ back: Int) -> Int {
            switch back {
            case 0: return slots.5
            case 1: return slots.4
            case 2: return slots.3
            case 3: return slots.2
            case 4: return slots.1
            default: return slots.0
            }
        }
    }

    /// A honorific or title starting at `k` (先生, 女士, 经理, 部長 …, or Japanese 様, 氏, 殿, 君) after a listed
    /// surname and a given name (up to three characters in all after a one-character surname, five after a longer
    /// one): where that name starts.
    static func beforeHonorific(_ b: Bytes, _ cp: UInt32, _ k: Int, _ end: Int, _ ring: Ring) -> Int? {
        let japaneseOnly: Bool
        if k + 3 < end, Tables.hanHonorifics.contains(ScriptText.hash(b, k, k + 3 + ScriptText.decode(b, k + 3).1)) {
            japaneseOnly = false
        } else if cp == 0x69D8 || cp == 0x6C0F || cp == 0x6BBF || cp == 0x541B { // 様 氏 殿 君
            japaneseOnly = true
        } else {
            return nil
        }
        // The two characters before the honorific are a word (谢谢先生 "thank you, sir", 高中同学 "schoolmate").
        if ring.count >= 2, Tables.hanStops.contains(ScriptText.hash(b, ring.at(1), k)) { return nil }
        // The longest name first: surname + three, + two, + one, the surname alone.
        for length in stride(from: min(ring.count, 5), through: 1, by: -1) {
            let from = ring.at(length - 1)
            if length >= 2, Tables.hanStops.contains(ScriptText.hash(b, from, length >= 3 ? ring.at(length - 3) : k)) { continue }
            if Tables.hanStops.contains(ScriptText.hash(b, from, k)) { return nil }
            let lead = surnameLead(b, from, k, japaneseOnly: japaneseOnly)
            if lead > 0, length <= (lead > 3 ? 5 : 3) { return from }
        }
        return nil
    }

    /// A cue ending at `k` inside a run (客户李建国反映…, 收件人陈怡君): where the name after it ends.
    static func afterCue(_ b: Bytes, _ k: Int, _ end: Int, _ ring: Ring) -> Int? {
        var cue = false
        for back in 1...3 where ring.count >= back && !cue {
            cue = Tables.hanCues.contains(ScriptText.hash(b, ring.at(back - 1), k))
        }
        guard cue else { return nil }
        let lead = surnameLead(b, k, end)
        guard lead > 0 else { return nil }
        // The surname and one or two characters of given name, as far as the run goes.
        var e = k + lead, given = 0
        while e < end, given < 2 {
            // The given name stops before a honorific (联系王伟先生: 王伟).
            if e + 3 < end, Tables.hanHonorifics.contains(ScriptText.hash(b, e, e + 3 + ScriptText.decode(b, e + 3).1)) { break }
            e += ScriptText.decode(b, e).1
            given += 1
            if Tables.hanStops.contains(ScriptText.hash(b, k, e)) { return nil } // 用户许可协议: 许可 "licence"
        }
        return given > 0 ? e : nil
    }

    /// Kana after a Han run that ends in a Japanese surname: a given name (さくら) and a honorific
    /// (田中さん, 山本さくらさん, 渡辺ゆうき様) or a speaker's colon (加藤まゆみ：). Returns the name's span.
    static func kanaGiven(_ b: Bytes, _ at: Int, _ ring: Ring) -> (Int, Int)? {
        let (first, _) = ScriptText.decode(b, at)
        guard ScriptText.script(first) == .kana else { return nil }
        let kanaEnd = ScriptText.wordEnd(b, at, .kana)
        let kana = ScriptText.length(b, at, kanaEnd)
        guard kana <= 8 else { return nil }
        var nameEnd = -1, k = at, seen = 0
        while k < kanaEnd, seen <= 4 { // the honorific may carry a particle: 佐藤さんに, 岡田くんにも
            if isHonorificAt(b, k) { nameEnd = k; break }
            k += ScriptText.decode(b, k).1
            seen += 1
        }
        if nameEnd < 0, kanaEnd < b.count, kana <= 4 {
            let next = ScriptText.decode(b, kanaEnd).0
            if next == 0x69D8 || next == 0xFF1A || b[kanaEnd] == 0x3A { nameEnd = kanaEnd } // 様, a colon
        }
        guard nameEnd >= 0, ScriptText.length(b, at, nameEnd) <= 4 else { return nil }
        // The run ends in a Japanese surname and at most two characters of given name (木村大輔さん).
        for length in stride(from: min(ring.count, 5), through: 1, by: -1) {
            let from = ring.at(length - 1)
            let lead = surnameLead(b, from, at, japaneseOnly: true)
            if lead > 0, (at - from) - lead <= (nameEnd > at ? 0 : 6) { return (from, nameEnd > at ? nameEnd : at) }
        }
        return nil
    }

    /// How many bytes of `b[from..<to]` a listed surname takes at its start (0: none). Japanese surnames
    /// have one to three characters; Chinese ones one or two.
    static func surnameLead(_ b: Bytes, _ from: Int, _ to: Int, japaneseOnly: Bool = false) -> Int {
        var k = from, best = 0, h = ScriptText.seed
        for count in 1...3 where k < to {
            let (cp, n) = ScriptText.decode(b, k)
            guard ScriptText.script(cp) == .han else { break }
            h = ScriptText.mix(h, cp)
            k += n
            if Tables.japaneseSurnames.contains(h) { best = k - from }
            if !japaneseOnly, count == 1 && Tables.chineseSurnames.contains(h) || count == 2 && Tables.chineseCompound.contains(h) {
                best = max(best, k - from)
            }
        }
        return best
    }

    /// A space (ASCII or U+3000) at `at` and then one to three Han or kana characters ending the word: a given name.
    static func givenAfterSpace(_ b: Bytes, _ at: Int) -> Int? {
        guard at < b.count else { return nil }
        var p = at
        if b[p] == 0x20 { p += 1 } else if ScriptText.decode(b, p).0 == 0x3000 { p += 3 } else { return nil }
        guard p < b.count else { return nil }
        var count = 0, k = p
        while k < b.count {
            let (cp, n) = ScriptText.decode(b, k)
            let s = ScriptText.script(cp)
            guard s == .han || s == .kana else { break }
            if count >= 1, isHonorificAt(b, k) { return count <= 3 ? k : nil } // 石川 智子様より…
            count += 1
            k += n
        }
        guard count >= 1, count <= 3 else { return nil }
        return k
    }

    /// A Japanese honorific starts at `k`: 様 氏 殿 君, or さん さま くん ちゃん.
    static func isHonorificAt(_ b: Bytes, _ k: Int) -> Bool {
        let cp = ScriptText.decode(b, k).0
        if cp == 0x69D8 || cp == 0x6C0F || cp == 0x6BBF || cp == 0x541B { return true }
        for honorific in Tables.kanaHonorifics where ScriptText.hasPrefix(b, at: k, honorific) { return true }
        return false
    }

    /// The hash of the last two or three characters of a Han word before a name (the cue 联系人 in 请联系人).
    static func tail(_ b: Bytes, _ from: Int, _ to: Int) -> UInt64 {
        var k = to, count = 0
        while k > from, count < 3 {
            let h = ScriptText.hash(b, k, to)
            if count >= 2, Tables.hanCues.contains(h) { return h }
            k -= ScriptText.decodeBefore(b, k).1
            count += 1
        }
        return ScriptText.hash(b, k, to)
    }

    /// The run stands alone in English (or other Latin) text: an ASCII word of two letters or more beside it across
    /// spaces and punctuation (not a format's `%s`), and no other CJK or Hangul text within 120 bytes — translated
    /// interfaces put short words between format strings ("%s 时出错"), and Korean text is all Hangul words.
    static func inEnglishText(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        var p = start
        while p > 0, start - p < 3, b[p - 1] == 0x20 || b[p - 1] == 0x3A || b[p - 1] == 0x2C || b[p - 1] == 0x22 { p -= 1 }
        var q = end
        while q < b.count, q - end < 3, isClosingPunctuation(b[q]) { q += 1 }
        guard p == 0 || b[p - 1] < 0x80, q == b.count || b[q] < 0x80 else { return false }
        var ws = p
        while ws > 0, p - ws < 20, ASCII.isAlpha(b[ws - 1]) { ws -= 1 }
        var we = q
        while we < b.count, we - q < 20, ASCII.isAlpha(b[we]) { we += 1 }
        let wordBefore = p - ws >= 2 && (ws == 0 || !(b[ws - 1] == 0x25 || b[ws - 1] == 0x24 || b[ws - 1] == 0x7B || b[ws - 1] == 0x2D))
        let wordAfter = we - q >= 2
        guard wordBefore || wordAfter else { return false }
        guard isolated(b, start, end) else { return false }
        // A sentence, not a label beside an identifier ("표시할 GdkImage", "오디오 codec"): three lower-case words near.
        return proseWords(b, max(0, start - 60), start) + proseWords(b, end, min(b.count, end + 60)) >= 3
    }

    /// A space or the punctuation that may follow a name: , . ? ! " '
    @inline(__always) static func isClosingPunctuation(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x2C || c == 0x2E || c == 0x3F || c == 0x21 || c == 0x22 || c == 0x27
    }

    /// Lower-case ASCII words of two letters or more in `b[from..<to]`, each between spaces or punctuation.
    static func proseWords(_ b: Bytes, _ from: Int, _ to: Int) -> Int {
        var count = 0, k = from
        while k < to {
            guard ASCII.isLower(b[k]), k == 0 || b[k - 1] == 0x20 || b[k - 1] == 0x22 || b[k - 1] == 0x28 else { k += 1; continue }
            var e = k
            while e < b.count, ASCII.isLower(b[e]) { e += 1 }
            if e - k >= 2, e == b.count || b[e] == 0x20 || b[e] == 0x2C || b[e] == 0x2E || b[e] == 0x3F || b[e] == 0x21 { count += 1 }
            k = e
        }
        return count
    }

    /// No other CJK or Hangul text within 120 bytes of the run.
    static func isolated(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        for k in max(0, start - 120)..<start where b[k] >= 0xE0 { return false }
        for k in end..<min(b.count, end + 120) where b[k] >= 0xE0 { return false }
        return true
    }

    /// A chat log's speaker: "[10:21] 孙悦：…", "[11:05] 강태호: …" — the name after a timestamp's bracket, before a colon.
    static func isSpeaker(_ b: Bytes, _ start: Int, _ end: Int) -> Bool {
        guard end < b.count, b[end] == 0x3A || ScriptText.decode(b, end).0 == 0xFF1A else { return false }
        var p = start
        while p > 0, b[p - 1] == 0x20 { p -= 1 }
        return p > 0 && (b[p - 1] == 0x5D || ScriptText.decodeBefore(b, p).0 == 0x3011) // ] or 】
    }

    /// A verb people do, a possessive or a cue after the name ("王伟 called", "李娜's laptop").
    static func personEvidenceAfter(_ b: Bytes, _ end: Int) -> Bool {
        if end + 1 < b.count, b[end] == 0x27, b[end + 1] == 0x73 { return true }
        return PersonNameRecognizer.personOnlyVerbAfter(b, end) || PersonNameRecognizer.actedAfter(b, end)
            || PersonNameRecognizer.cueAfter(b, end)
    }

    // MARK: Korean

    /// A Hangul word: a name before 님 or 씨 (attached or after a space), after a cue, or in English text.
    static func hangul(_ b: Bytes, _ start: Int, hint: PIIFieldHint, into sink: inout PIISink) -> Int {
        let end = ScriptText.wordEnd(b, start, .hangul)
        // Syllables are three bytes each.
        let syllables = (end - start) / 3
        // An honorific inside the word (김민준님이, 이서연씨는) or as the next word (김민준 님, 박지훈 고객님).
        var stemEnd = end
        var k = start + 6
        var honorific = false
        while k < end {
            let cp = ScriptText.decode(b, k).0
            if cp == 0xB2D8 || cp == 0xC528 { stemEnd = k; honorific = true; break } // 님 씨
            k += 3
        }
        if !honorific, end + 1 < b.count, b[end] == 0x20 {
            // 님, 씨 or a title, with a particle after it: 고객님의, 과장님께, 대리가, 선생님의.
            let nextEnd = ScriptText.wordEnd(b, end + 1, .hangul)
            honorific = Tables.koreanTitles.contains(ScriptText.hash(b, end + 1, nextEnd))
            var p = end + 4 // a title of two syllables or three, then a particle; not 씨드 "seed"
            while p < nextEnd, p - end <= 9, !honorific {
                p += 3
                honorific = Tables.koreanTitles.contains(ScriptText.hash(b, end + 1, p))
            }
        }
        // A speaker's label: "[11:05] 강태호: 회의 5분 늦어요".
        if !honorific, syllables == 3, isSpeaker(b, start, end) { honorific = true }
        let stemSyllables = (stemEnd - start) / 3
        if honorific, stemSyllables >= 2, stemSyllables <= 4, isKoreanName(b, start, stemEnd) {
            sink.report(.personName, start, stemEnd)
            return end
        }
        guard syllables >= 2, syllables <= 4 else { return end }
        // A label's cue needs its colon: "이름: 김민준" (Korean writes 파일 이름 "file name" before any word).
        if hint == .personName || (nativeWordBefore(b, start, .hangul).map {
            let h = ScriptText.hash(b, $0.0, $0.1)
            return Tables.koreanStrongCues.contains(h) || Tables.koreanCues.contains(h) && hasColon(b, $0.1, start)
        } ?? false) || englishCue(b, start) >= 2 {
            if isKoreanName(b, start, end) { sink.report(.personName, start, end) }
            return end
        }
        if syllables == 3, isKoreanName(b, start, end), inEnglishText(b, start, end) {
            sink.report(.personName, start, end)
        }
        return end
    }

    /// A colon (ASCII or full-width) in `b[from..<to]`.
    static func hasColon(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        var k = from
        while k < to {
            if b[k] == 0x3A || (b[k] == 0xEF && k + 2 < to && b[k + 1] == 0xBC && b[k + 2] == 0x9A) { return true }
            k += 1
        }
        return false
    }

    /// A listed surname leads `b[from..<to]` and the word is no common word that starts like one (고객, 이메일).
    static func isKoreanName(_ b: Bytes, _ from: Int, _ to: Int) -> Bool {
        guard !Tables.koreanStops.contains(ScriptText.hash(b, from, to)) else { return false }
        let count = (to - from) / 3
        if count >= 3, Tables.koreanCompound.contains(ScriptText.hash(b, from, from + 6)) { return true }
        return count <= 3 && Tables.koreanSurnames.contains(ScriptText.hash(b, from, from + 3))
    }

    // MARK: Arabic, Hebrew, Devanagari

    /// Words of a script without capitals: a listed given name and the word after it, a weak given name
    /// before a listed surname, a title before any word, or a listed given name after a cue.
    static func uncased(_ b: Bytes, _ start: Int, _ script: Script, hint: PIIFieldHint, into sink: inout PIISink) -> Int {
        let e0 = ScriptText.wordEnd(b, start, script)
        var h0 = ScriptText.hash(b, start, e0)
        let e1 = ScriptText.nextWordEnd(b, after: e0, script) ?? e0
        let second = e1 > e0 ? ScriptText.hash(b, e0 + 1, e1) : 0
        let strong: Set<UInt64>, weak: Set<UInt64>, surnames: Set<UInt64>
        switch script {
        case .arabic: (strong, weak, surnames) = (Tables.arabicGiven, Tables.arabicWeak, [])
        case .hebrew: (strong, weak, surnames) = (Tables.hebrewGiven, Tables.hebrewWeak, Tables.hebrewSurnames)
        case .georgian: (strong, weak, surnames) = (Tables.georgianGiven, [], [])
        default: (strong, weak, surnames) = (Tables.devanagariGiven, Tables.devanagariWeak, Tables.devanagariSurnames)
        }
        // Georgian surnames are told by their endings: any word before -შვილი or -ძე ("ლევან ბერიძე"), or after it
        // ("კაპანაძე ნინო", surname first).
        if script == .georgian, e1 > e0, e1 - e0 > 13 && ScriptText.endsWith(b, e0 + 1, e1, Tables.georgianEndings)
            || (strong.contains(second) && e0 - start > 12 && ScriptText.endsWith(b, start, e0, Tables.georgianEndings)) { // five letters or more
            sink.report(.personName, start, e1)
            return e1
        }
        // A label's cue and its colon ("نام: کیومرث", "שם משפחה: גולדברג", "पिता का नाम: रामेश्वर प्रसाद"): the next words.
        if let (cs, ce) = nativeWordBefore(b, start, script), hasColon(b, ce, start), Tables.cues.contains(ScriptText.hash(b, cs, ce)) {
            let end = e1 > e0 && !Tables.uncasedStops.contains(second) ? e1 : e0
            sink.report(.personName, start, end)
            return end
        }
        // A preposition glued to a title or a name: للسيدة ("to Mrs"), לגב', ליוסי כהן ("to Yossi Cohen"), لمحمد.
        var title = Tables.titles.contains(h0)
        let (first, n) = ScriptText.decode(b, start)
        let longEnough = e0 - start > 2 * n // three letters or more: למר, للسيدة
        if !title, longEnough, isGluedPreposition(first) {
            title = Tables.titles.contains(ScriptText.hash(b, start + n, e0))
                || Tables.titles.contains(ScriptText.hash(b, start + 2 * n, e0)) // لل: the preposition and the article's alif folded away
        }
        // A title, maybe with its full stop ("डॉ. अरुण"): the name is the next word (and the one after it).
        if title, e1 == e0, e0 + 2 < b.count, b[e0] == 0x2E, b[e0 + 1] == 0x20,
           ScriptText.script(ScriptText.decode(b, e0 + 2).0) == script {
            let e2 = ScriptText.wordEnd(b, e0 + 2, script)
            var end = e2
            if let e3 = ScriptText.nextWordEnd(b, after: e2, script), !Tables.uncasedStops.contains(ScriptText.hash(b, e2 + 1, e3)) { end = e3 }
            sink.report(.personName, e0 + 2, end)
            return end
        }
        if title, e1 > e0, !Tables.uncasedStops.contains(second) {
            var end = e1
            if let e2 = ScriptText.nextWordEnd(b, after: e1, script), strong.contains(second) || weak.contains(second) { end = e2 }
            sink.report(.personName, e0 + 1, end)
            return end
        }
        if !strong.contains(h0), !weak.contains(h0), longEnough,
           isGluedPreposition(first) || first == 0x05D1 || first == 0x05DE || first == 0x05E9 { // and Hebrew ב מ ש before a name
            h0 = ScriptText.hash(b, start + n, e0)
        }
        // مطار حمد الدولي, جامعة الملك سعود: a name inside the name of an airport, a university or a street.
        if let (ps, pe) = nativeWordBefore(b, start, script), Tables.institutions.contains(ScriptText.hash(b, ps, pe)) { return e1 }
        let pair = e1 > e0 && !Tables.uncasedStops.contains(second) && !Tables.uncasedStops.contains(h0)
        // A listed surname after any word but a preposition: "दीपिका नायर", "רותם קפלן".
        if pair, surnames.contains(second) {
            sink.report(.personName, start, e1)
            return e1
        }
        let listed = strong.contains(h0) || weak.contains(h0)
        guard listed else { return e0 }
        if strong.contains(h0) && pair {
            sink.report(.personName, start, e1)
            return e1
        }
        // A weak given name, another name and an Arabic family name of the al-…i form: جمال عيسى النعيمي.
        if script == .arabic, pair, e1 + 1 < b.count, b[e1] == 0x20, let nisbaEnd = nisba(b, e1 + 1) {
            sink.report(.personName, start, nisbaEnd)
            return nisbaEnd
        }
        if hint == .personName || strongCueBefore(b, start, script) {
            sink.report(.personName, start, e0)
        }
        return e0
    }

    // MARK: Thai

    /// Thai writes a title glued to the given name (นายสมชาย ใจดี, นางสาวมาลี, ดร.ธีระ) or apart (คุณ สมชาย), and a
    /// space before the surname: a title and a given name with a surname after it, or a listed given name.
    static func thai(_ b: Bytes, _ start: Int, into sink: inout PIISink) -> Int {
        let e0 = ScriptText.wordEnd(b, start, .thai)
        var nameStart = -1, khun = false
        // Compared with the text, not the word: wordEnd stops at the full stop of ดร. and ด.ช.
        for title in Tables.thaiTitles where ScriptText.hasPrefix(b, at: start, title) {
            khun = title == Tables.khun // คุณ is also "you": only before a listed given name
            var p = start + title.count
            if p < b.count, b[p] == 0x2E { p += 1 } // ดร.
            if p < b.count, b[p] == 0x20 { p += 1 }
            if p < b.count, b[p] >= 0x80, ScriptText.script(ScriptText.decode(b, p).0) == .thai { nameStart = p }
            break
        }
        let from = nameStart >= 0 ? nameStart : start
        // นายก "prime minister", นายจ้าง "employer", คุณภาพ "quality": words that start like a title, unless a listed name
        // follows the title (นายกิตติ).
        // (Every stop word starts with a title, so only a word that starts with one is looked up.)
        if nameStart >= 0, khun || !thaiListed(b, from) { // คุณสมบัติ is "property", whatever สมบัติ is
            for stop in Tables.thaiTitleStops where ScriptText.hasPrefix(b, at: start, stop) { return e0 }
        }
        let nameEnd = ScriptText.wordEnd(b, from, .thai)
        guard nameEnd > from else { return e0 }
        let end = ScriptText.nextWordEnd(b, after: nameEnd, .thai) ?? nameEnd
        // A title needs the surname after the name (or a listed name): นายก… is caught above, but "คุณแม่" is "mother".
        let titledName = nameStart >= 0 && (khun ? thaiListed(b, from) : end > nameEnd || thaiListed(b, from))
        if titledName || (nameStart < 0 && end > nameEnd && thaiListed(b, from)) {
            sink.report(.personName, from, end)
            return max(end, e0)
        }
        return e0
    }

    /// The Thai word at `k` is a listed given name.
    static func thaiListed(_ b: Bytes, _ k: Int) -> Bool { Tables.thaiGiven.contains(ScriptText.hash(b, k, ScriptText.wordEnd(b, k, .thai))) }

    /// Letters that Hebrew and Arabic glue to the next word as a preposition or "and": ל ו (Hebrew), ل ب و (Arabic).
    @inline(__always) static func isGluedPreposition(_ cp: UInt32) -> Bool {
        cp == 0x05DC || cp == 0x05D5 || cp == 0x0644 || cp == 0x0628 || cp == 0x0648
    }

    /// An Arabic word at `at` of the form ال…ي (الدوري, النعيمي): where it ends.
    static func nisba(_ b: Bytes, _ at: Int) -> Int? {
        guard at + 4 < b.count, b[at] == 0xD8, b[at + 1] == 0xA7, b[at + 2] == 0xD9, b[at + 3] == 0x84 else { return nil } // ال
        let e = ScriptText.wordEnd(b, at, .arabic)
        guard e - at >= 8, ScriptText.normalise(ScriptText.decodeBefore(b, e).0) == 0x064A else { return nil } // ي or Persian ی
        return e
    }

    /// The sets, built once from the lists (hashes of normalised words).
    enum Tables {
        static let cyrillicGiven: Set<UInt64> = {
            var forms = Set<UInt64>()
            for name in ScriptNameLists.cyrillicGiven {
                forms.insert(ScriptText.hash(name))
                for form in declined(name) { forms.insert(ScriptText.hash(form)) }
            }
            return forms
        }()
        /// Russian case forms of a given name: Иван → Ивана, Ивану, Иваном, Иване; Анна → Анны, Анне, Анну, Анной.
        static func declined(_ name: String) -> [String] {
            guard let last = name.last else { return [] }
            let stem = String(name.dropLast())
            switch last {
            case "я": return ["и", "е", "ю", "ей", "ею"].map { stem + $0 }
            case "а": return ["ы", "и", "і", "е", "у", "ой", "ою", "о", "ом"].map { stem + $0 } // Оксано, Небојшом
            case "й" where stem.hasSuffix("і"): return ["я", "ю", "єм", "єві"].map { stem + $0 } // Андрій → Андрієм, Андрію
            case "й", "ь": return ["я", "ю", "ем", "е", "ём"].map { stem + $0 }
            case "о", "е", "и", "у", "ю": return []
            default: return ["а", "у", "ом", "е", "ем", "ові", "еві", "ю"].map { name + $0 } // Тарасові
            }
        }
        /// With the accusative, genitive and vocative: Γιώργος → Γιώργο, Γιώργου, Γιώργε; Δημήτρης → Δημήτρη; Ανδρέας → Ανδρέα.
        static let greekGiven: Set<UInt64> = {
            var forms = Set<UInt64>()
            for name in ScriptNameLists.greekGiven {
                forms.insert(ScriptText.hash(name))
                let stem = String(name.dropLast(2))
                if name.hasSuffix("ος") || name.hasSuffix("ός") { for e in ["ο", "ου", "ε"] { forms.insert(ScriptText.hash(stem + e)) } }
                if name.hasSuffix("ης") || name.hasSuffix("ής") { forms.insert(ScriptText.hash(stem + "η")) }
                if name.hasSuffix("ας") || name.hasSuffix("άς") { forms.insert(ScriptText.hash(stem + "α")) }
                if name.hasSuffix("α") || name.hasSuffix("η") { forms.insert(ScriptText.hash(name + "ς")) }
            }
            return forms
        }()
        static let patronymicEndings = ScriptText.normalised([
            "ович", "евич", "овича", "евича", "овичу", "евичу", "овичем", "евичем", "овна", "евна", "овны", "евны", "овне", "евне",
            "овной", "евной", "овну", "евну", "івна", "ївна", "йович", "ојевић",
        ])
        static let cyrillicSurnameEndings = ScriptText.normalised([
            "ов", "ев", "ин", "ын", "ова", "ева", "ина", "ына", "ский", "цкий", "ская", "цкая", "ской", "цкой", "ского", "цкого",
            "ову", "еву", "ину", "овым", "евым", "иным", "овой", "евой", "иной", "енко", "чук", "ук", "юк", "ич", "ић", "ски",
            "ска", "ський", "ська", "ишин", "ых", "их", "ићу", "ићем", "ића", "енку", "енком", "нику", "ником", "ову", "ева",
        ])
        static let greekSurnameEndings = ScriptText.normalised([
            "πουλος", "πουλου", "ιδης", "ιδου", "αδης", "αδου", "ακης", "ακη", "ογλου", "ατος", "ατου", "ελης", "ουλης",
            "ιου", "αιος", "αιου", "ιας", "πουλο", "ιδη", "αδη", "ακου", "ου",
        ])
        /// Capitalised words that read like names by their ending or list but are places, institutions, months.
        static let cyrillicStops = ScriptText.hashSet([
            "Российская", "Российской", "Федерация", "Федерации", "Республика", "Республики", "Москва", "Москвы", "Санкт-Петербург",
            "Нижний", "Новгород", "Ростов", "Иваново", "Киров", "Кремль", "Украина", "Україна", "Киев", "Київ", "Беларусь",
            "Казахстан", "Россия", "России", "Болгария", "Сербия", "Европа", "Азия", "Владивосток", "Екатеринбург", "Красноярск",
            "Новосибирск", "Минск", "София", "Белград", "Газпром", "Сбербанк", "Яндекс", "Роснефть", "Лукойл", "Аэрофлот", "Ростелеком",
            "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
            "Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье", "Бог", "Господь", "Иисус", "Христос",
            "Министерство", "Правительство", "Государственная", "Дума", "Совет", "Центральный", "Банк", "Университет", "Институт",
            "Общество", "Компания", "Группа", "Центр", "Управление", "Отдел", "Служба", "Северный", "Южный", "Восточный", "Западный",
            "Если", "Для", "При", "Это", "Как", "Когда", "Где", "Все", "Его", "Она", "Они", "Если", "Или", "Тип", "Файл", "Ако", "Или",
            "Земља", "Земля", "Земли", "Свети", "Света", "Светог", "Свете", "Святой", "Святая", "Святого", "Святий", "Свята",
            "Светі", "Святі", "Сент",
            "Сен", "Сан", "Санта", "Санто",
            "Республіка", "Република", "Федерація", "Федерацията", "Република", "Королевство", "Королівство", "Краљевина", "Царство",
            "Острова", "Остров", "Острів", "Острви", "Острво", "Область", "Округ", "Край", "Провинция", "Провінція", "Провинција",
        ])
        static let greekStops = ScriptText.hashSet([
            "Αθήνα", "Αθήνας", "Θεσσαλονίκη", "Θεσσαλονίκης", "Ελλάδα", "Ελλάδας", "Κύπρος", "Ευρώπη", "Δημοκρατία", "Δημοκρατίας",
            "Πανεπιστήμιο", "Υπουργείο", "Τράπεζα", "Ιανουάριος", "Φεβρουάριος", "Μάρτιος", "Απρίλιος", "Μάιος", "Ιούνιος",
            "Ιούλιος", "Αύγουστος", "Σεπτέμβριος", "Οκτώβριος", "Νοέμβριος", "Δεκέμβριος", "Δευτέρα", "Τρίτη", "Τετάρτη", "Πέμπτη",
            "Παρασκευή", "Σάββατο", "Κυριακή", "Ενωμένο", "Ενωμένου", "Ηνωμένο", "Ηνωμένου", "Ηνωμένες", "Βασίλειο", "Βασιλείου",
            "Πολιτείες", "Πολιτειών", "Άγιος", "Άγιο", "Αγίου", "Αγία", "Αγίας", "Άγιοι", "Αγίων", "Αγίας", "Ελληνική", "Ελληνικής",
            "Πειραιάς", "Πάτρα", "Κρήτη", "Ρόδος", "Χριστός", "Θεός",
        ])
        static let casedTitles = ScriptText.hashSet([
            "Господин", "Госпожа", "Господине", "Госпођа", "Госпођо", "Пане", "Пан", "Пані", "Уважаемый", "Уважаемая", "Шановний",
            "Шановна", "Г-н", "Г-жа", "Κύριος", "Κύριε", "Κυρία", "Κα", "Κος", "Δρ", "Αγαπητέ", "Αγαπητή", "Доктор", "Др", "Профессор",
        ])
        /// What forms put under a name key when there is none.
        static let placeholders = ScriptText.hashSet([
            "未知", "匿名", "管理员", "管理員", "用户", "用戶", "测试", "測試", "无", "無", "不明", "管理者", "ゲスト", "名無し", "なし", "テスト",
            "관리자", "익명", "사용자", "없음", "미상", "테스트", "Не указано", "Неизвестно", "Аноним", "Администратор", "Гость",
            "Пользователь", "Тест", "Нет", "Άγνωστος", "Ανώνυμος", "Διαχειριστής", "مجهول", "مستخدم", "ضيف", "مدير", "ناشناس", "کاربر",
            "אנונימי", "משתמש", "אורח", "אין", "अज्ञात", "उपयोगकर्ता", "अतिथि", "ผู้ใช้", "ไม่ระบุ",
        ])
        static let greekArticles = ScriptText.hashSet(["Ο", "Η", "Οι", "Το", "Τον", "Την", "Του", "Της", "Στον", "Στην", "Στο", "Με"])
        static let cues = ScriptText.hashSet([
            "имя", "фио", "ф.и.о", "клиент", "клиента", "клиентка", "пациент", "пациента", "пациентка", "господин", "госпожа", "г-н",
            "г-жа", "уважаемый", "уважаемая", "дорогой", "дорогая", "сотрудник", "сотрудница", "менеджер", "получатель", "отправитель",
            "заявитель", "подписал", "подписала", "фамилия", "отчество", "прізвище", "презиме", "пользователь", "користувач",
            "коллега", "колега", "колегата", "одержувач", "отримувач", "получател", "поздрави", "поздрав", "уважением", "повагою", "ім'я",
            "пан", "пані", "шановний", "шановна", "клієнт", "име", "господине",
            "госпођа", "госпођо", "лице", "контакт",
            "όνομα", "ονοματεπώνυμο", "επώνυμο", "κύριος", "κύριε", "κυρία", "κ", "κα", "πελάτης", "πελάτισσα", "ασθενής",
            "αγαπητέ", "αγαπητή", "παραλήπτης", "υπάλληλος",
            "نام", "خانوادگی", "گیرنده", "فرستنده", "کارمند", "رونوشت", "همکار",
            "الاسم", "اسم", "العميل", "العميلة", "المرسل", "المرسلة", "المسؤول", "المسؤولة", "الموظف", "الموظفة", "المدير", "المديرة",
            "المريض", "المريضة", "مع", "معك", "إلى", "من", "بواسطة", "السيد", "السيدة", "الأستاذ", "الدكتور", "عزيزي", "عزيزتي", "المستلم",
            "משפחה", "פרטי", "שם", "לקוח", "לקוחה", "מטופל", "מר", "גברת", "הרב", "לכבוד", "נמען", "מאת", "עם", "אל",
            "नाम", "ग्राहक", "मरीज", "श्री", "श्रीमती", "सुश्री", "प्रिय", "डॉ", "लेखक", "प्राप्तकर्ता", "धन्यवाद",
        ])
        /// Words before a name in Arabic, Hebrew and Devanagari text: the next word is a name, listed or not.
        static let titles = ScriptText.hashSet([
            "السيد", "السيدة", "الأستاذ", "الأستاذة", "الدكتور", "الدكتورة", "المهندس", "الشيخ", "الحاج",
            "מר", "גברת", "ד\"ר", "ד״ר", "פרופ'", "עו\"ד", "עו״ד", "גב'", "גב׳",
            "آقای", "آقا", "خانم", "دکتر", "مهندس", "جناب", "استاد", "سرکار", "سید", "سيد", "سيدة", "أستاذ", "دكتور",
            "श्री", "श्रीमती", "सुश्री", "डॉ", "डॉक्टर",
        ])
        /// Words before a place or an institution named after a person.
        static let institutions = ScriptText.hashSet([
            "مطار", "جامعة", "مستشفى", "مسجد", "شارع", "مدرسة", "شركة", "مؤسسة", "مدينة", "ميناء", "قاعة", "برج", "حي", "مركز", "جسر",
            "ملعب", "طريق", "ميدان", "قصر", "ساحة", "جائزة", "نادي",
            "רחוב", "שדרות", "בית", "אוניברסיטת", "בית-חולים", "כיכר", "קריית", "שכונת", "נמל", "מרכז", "פרס", "מכון",
            "मार्ग", "रोड", "अस्पताल", "एन्ड", "एंड", "विश्वविद्यालय", "स्टेडियम", "नगर", "पुरस्कार", "योजना", "भवन", "चौक", "हवाई",
        ])
        /// Words that follow a given name in text without being a surname (Arabic and Hebrew prepositions,
        /// Hindi postpositions): the pair is no name then, the given name alone still needs a cue.
        static let uncasedStops = ScriptText.hashSet([
            "في", "من", "على", "إلى", "الى", "عن", "مع", "هو", "هي", "و", "صلى", "عليه", "رضي", "بن", "ابن",
            "של", "את", "עם", "הוא", "היא", "אמר", "אמרה", "ו",
            "का", "की", "के", "को", "ने", "से", "में", "पर", "है", "हैं", "और", "जी", "भी", "तो", "ही", "लंका", "एन्ड", "एंड",
            "است", "می", "بدون", "را", "که", "با", "این", "آن",
        ])
        static let thaiGiven = ScriptText.hashSet(ScriptNameLists.thaiGiven)
        /// Longest first: นางสาว before นาง.
        static let thaiTitles: [[UInt8]] = ["นางสาว", "นาย", "นาง", "ด.ช.", "ด.ญ.", "ดร.", "คุณ", "พล.ต.อ.", "ผศ.", "รศ.", "ศ."]
            .map { Array($0.utf8) }
        static let khun = Array("คุณ".utf8)
        static let thaiTitleStops: [[UInt8]] = [
            "นายก", "นายจ้าง", "นายหน้า", "นายทุน", "นายพล", "นายร้อย", "นายสิบ", "นายทหาร", "นายอำเภอ", "นายท่า", "นายตรวจ", "นายประกัน",
            "นางงาม", "นางพยาบาล", "นางฟ้า", "นางแบบ", "นางเอก", "นางกวัก", "คุณภาพ", "คุณค่า", "คุณสมบัติ", "คุณธรรม", "คุณประโยชน์",
            "คุณลักษณะ", "คุณวุฒิ", "คุณแม่", "คุณพ่อ", "คุณครู", "คุณหมอ", "คุณูปการ",
        ].map { Array($0.utf8) }
        static let georgianGiven = ScriptText.hashSet(ScriptNameLists.georgianGiven)
        /// -შვილი, and -ძე after a vowel (ბერიძე, კაპანაძე; not სიგრძე "length").
        static let georgianEndings = ScriptText.normalised(["შვილი", "აძე", "იძე", "ეძე", "უძე", "ოძე"])
        static let arabicGiven = ScriptText.hashSet(ScriptNameLists.arabicGiven)
        static let arabicWeak = ScriptText.hashSet(ScriptNameLists.arabicGivenWeak)
        static let hebrewGiven = ScriptText.hashSet(ScriptNameLists.hebrewGiven)
        static let hebrewWeak = ScriptText.hashSet(ScriptNameLists.hebrewGivenWeak)
        static let hebrewSurnames = ScriptText.hashSet(ScriptNameLists.hebrewSurnames)
        static let devanagariGiven = ScriptText.hashSet(ScriptNameLists.devanagariGiven)
        static let devanagariWeak = ScriptText.hashSet(ScriptNameLists.devanagariGivenWeak)
        static let devanagariSurnames = ScriptText.hashSet(ScriptNameLists.devanagariSurnames)

        static let chineseSurnames = ScriptText.hashSet(ScriptNameLists.chineseSurnames)
        static let chineseCompound = ScriptText.hashSet(ScriptNameLists.chineseCompoundSurnames)
        /// Compound surnames that are no ordinary word (东方 "east", 西门 "west gate" and 南宫 are).
        static let distinctiveCompound = ScriptText.hashSet(ScriptNameLists.chineseCompoundSurnames.filter {
            !["东方", "東方", "西门", "西門", "南宫", "南宮", "上官", "长孙", "長孫"].contains($0)
        })
        static let japaneseSurnames = ScriptText.hashSet(ScriptNameLists.japaneseSurnames)
        /// Honorifics and titles after a name: 先生 女士 小姐 老师 医生 教授 律师 经理 主任 同学 总监 部长 主管 博士, and the
        /// Japanese 部長 課長 社長 係長 会長 先生 教授.
        static let hanHonorifics = ScriptText.hashSet([
            "先生", "女士", "小姐", "老师", "老師", "医生", "醫生", "教授", "律师", "律師", "经理", "經理", "主任", "同学", "同學",
            "总监", "總監", "敬上", "部长", "部長", "主管", "博士", "太太", "课长", "課長", "社长", "社長", "係長", "会長", "會長", "院长",
            "院長", "校长", "校長", "董事", "总裁", "總裁", "专员", "專員", "工程", "处长", "處長", "科长", "科長", "医師", "選手",
        ])
        /// さん さま くん ちゃん せんせい, as UTF-8 (kana after a Japanese surname).
        static let kanaHonorifics: [[UInt8]] = ["さん", "さま", "くん", "ちゃん", "せんせい"].map { Array($0.utf8) }
        static let hanCues = ScriptText.hashSet([
            "姓名", "名字", "联系人", "聯絡人", "聯繫人", "收件人", "收货人", "收貨人", "客户", "客戶", "顾客", "顧客", "患者", "病人",
            "申请人", "申請人", "签名", "簽名", "负责人", "負責人", "经办人", "經辦人", "用户名", "会员", "會員", "乘客", "旅客",
            "氏名", "名前", "担当", "担当者", "宛名", "署名", "受取人", "申請者", "代表者", "契約者", "お客様",
            "用户", "用戶", "审核人", "審核人", "提交人", "发件人", "發件人", "寄给", "寄給", "转告", "轉告", "交给", "交給", "我叫",
            "名叫", "叫做", "发给", "寄件人", "发件人", "聯絡人", "發給", "通知", "联系", "聯繫", "同事", "经手人", "經手人", "业主", "業主", "房东", "房東",
            "租客", "学生", "學生", "员工", "員工", "职员", "職員", "作者", "译者", "譯者", "送信者", "差出人", "依頼者",
        ])
        /// Common words that start with a character or pair that is also a surname.
        static let hanStops = ScriptText.hashSet([
            "高级", "高級", "高中", "高度", "高速", "高效", "高端", "金额", "金額", "金融", "金属", "金屬", "方法", "方式", "方案", "方面",
            "方向", "程序", "程度", "任务", "任務", "任何", "马上", "馬上", "林业", "林業", "王国", "王國", "黄金", "黃金", "白色",
            "田野", "江湖", "万一", "萬一", "于是", "余额", "餘額", "向导", "向導", "史上", "龙头", "龍頭", "周末", "周一", "周二",
            "周三", "周四", "周五", "周六", "周日", "周期", "周年", "周围", "周圍", "周边", "周邊", "周报", "周報", "关于", "關於",
            "关闭", "關閉", "关系", "關係", "文件", "文档", "文檔", "文本", "文字", "文化", "安全", "安装", "安裝", "时间", "時間",
            "管理", "成功", "成本", "成员", "成員", "常见", "常見", "常用", "和平", "明天", "明白", "全部", "全国", "全國", "车辆",
            "車輛", "路由", "路线", "路線", "简单", "簡單", "简介", "簡介", "连接", "連接", "华为", "華為", "谢谢", "謝謝", "项目",
            "項目", "毛利", "石油", "包括", "包含", "司机", "司機", "商品", "商店", "商务", "商務", "商业", "商業", "查看", "查询",
            "查詢", "游戏", "遊戲", "解决", "解決", "应用", "應用", "宁波", "付款", "付费", "付費", "支付", "段落", "雷达", "雷達",
            "朱红", "温度", "溫度", "康复", "康復", "施工", "牛奶", "易用", "齐全", "齊全", "景点", "景點", "党员", "黨員", "宫殿",
            "宮殿", "费用", "費用", "卫生", "衛生", "米饭", "米飯", "全球", "边框", "邊框", "许可", "許可", "许多", "許多", "范围", "範圍", "范例", "範例", "金鑰", "金钥", "名单",
            "名單", "师傅", "師傅", "荣誉", "榮譽", "沙发",
            "沙發", "池塘", "明细", "明細", "曲线", "曲線", "谷歌", "古代", "吉他", "农业", "農業", "时候", "時候", "卓越", "房间",
            "房間", "屈服", "解释", "解釋", "艾滋", "阳光", "陽光", "穆斯", "冷却", "冷卻", "席位", "柏林", "宗教", "桂林", "苟且",
            "甘肃", "甘肅", "包装", "包裝", "符号", "符號", "舒适", "舒適", "梅花", "童年", "凌晨", "毕业", "畢業", "单位", "單位",
            "季度", "霍乱", "成都", "苗条", "盛大", "翁婿", "蓝色", "藍色", "辛苦", "管道", "柴油", "蒙古", "华人", "華人", "房子",
            "东京", "東京", "中国", "中國", "日本", "北京", "上海", "香港", "台湾", "台灣", "大阪", "京都", "南京", "广州", "廣州",
            "东方红", "石家庄", "吉林", "江苏", "江蘇", "江西", "安徽", "武汉", "武漢", "和田", "长安", "明治", "平安",
        ])
        static let koreanSurnames = ScriptText.hashSet(ScriptNameLists.koreanSurnames)
        static let koreanCompound = ScriptText.hashSet(ScriptNameLists.koreanCompoundSurnames)
        static let koreanTitles = ScriptText.hashSet([
            "님", "씨", "선생님", "고객님", "님께", "님께서", "님이", "님의", "님은", "님을", "씨가", "씨는", "씨의", "씨를", "씨에게", "씨와", "씨도", "씨께", "씨한테", "님과",
            "님도", "님한테", "교수님",
            "회원님", "환자분", "선생",
            "대리", "과장", "부장", "차장", "팀장", "사장님", "대표님", "드림", "올림", "학생", "학생의", "학생이",
        ])
        /// Cues that name a person and nothing else, so they need no colon ("성명 윤지호").
        static let koreanStrongCues = ScriptText.hashSet(["성명", "고객명", "환자명", "수취인", "수령인", "예금주", "신청인"])
        static let koreanCues = ScriptText.hashSet([
            "분", "사람", "사용자",
            "이름", "성명", "고객명", "담당자", "환자", "환자명", "수취인", "수령인", "신청인", "신청자", "예금주", "작성자", "받는분",
            "보내는분", "고객", "회원", "회원명", "대표자", "보호자", "발신인", "수신인",
        ])
        /// Common words of two to four syllables that start with a surname syllable.
        static let koreanStops = ScriptText.hashSet([
            "부처", "고객", "선생", "사장", "부장", "차장", "원장", "기사", "주인", "하느", "부모", "선배", "회장", "사모", "이사", "신부", "교장",
            "이메일", "사용자", "관리자", "고객님", "배송지", "배송비", "서비스", "신청서", "주문서", "우편번호", "이용자", "한국어",
            "안내문", "진행중", "처리중", "지난주", "다음주", "이번주", "오늘은", "전화로", "문자로", "정보를", "주소지", "주민번호",
            "전화번호", "비밀번호", "정보", "주소", "이름", "성명", "오늘", "오전", "오후", "지금", "문의", "문자", "전화", "주문", "배송",
            "반품", "정상", "성공", "오류", "유효", "이상", "이하", "이전", "이후", "이미", "사진", "사용", "사이트", "사업자", "고객센터",
            "이벤트", "공지사항", "안녕", "감사", "안녕하세요", "감사합니다", "주식회사", "회사", "가입", "로그인", "진짜", "정말", "하지만",
            "그리고", "이것", "이거", "저것", "우리", "우리는", "나는", "제가", "저는", "한국", "서울", "부산", "인천", "대구", "대전",
            "광주", "울산", "제주", "경기", "강남", "강남구", "서초구", "송파구", "마포구", "종로구", "중구", "남구", "동구", "서구",
            "북구", "성북구", "강서구", "노원구", "구로구", "관악구", "동작구", "용산구", "은평구", "양천구", "도봉구", "중랑구",
            "김치", "김밥", "이용", "이유", "이해", "이야기", "정부", "정책", "정도", "장소", "장바구니", "조회", "조건", "최근", "최대",
            "최소", "최고", "최신", "한번", "한국인", "안내", "안전", "송금", "송장", "전체", "전송", "홍보", "문서", "문제", "양식",
            "배달", "백업", "허용", "유형", "유지", "남성", "남자", "심사", "노트", "하루", "하나", "성별", "차량", "주차", "주말",
            "우편", "우리말", "구매", "구독", "민원", "진행", "나이", "지역", "지원", "지점", "엄마", "채널", "원래", "천천히", "방법",
            "방문", "공유", "공지", "현재", "함께", "변경", "연락", "연락처", "위치", "표시", "명단", "기간", "기타", "반납", "금액",
            "인증", "제품", "제목", "모두", "모바일", "국가", "은행", "용도", "예약", "경우", "경로", "사업", "부서", "부분", "동의",
            "단계", "승인", "태그", "편집", "석사", "선택", "설정", "설명", "마감", "길이", "연도", "도움", "소개", "소득",
        ])
    }
}
