import Testing
@testable import ConvergencePII

/// `date_of_birth`: a valid date near a birth cue, or any valid date under a `.dateOfBirth` hint; never a date alone.
@Suite struct DateOfBirthRecognizerTests {
    func kinds(_ text: String, hint: PIIFieldHint = .none) -> [PIIKind] { PIIDetector.kinds(in: text, hint: hint) }

    func found(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return PIIDetector.spans(in: text).filter { $0.kind == .dateOfBirth }.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
    }

    @Test func numericFormsAfterACue() {
        #expect(found("She was born 1985-03-14 in Leeds") == ["1985-03-14"])
        #expect(found("DOB: 14/03/1985") == ["14/03/1985"])
        #expect(found("dob 03/14/1985") == ["03/14/1985"], "month first")
        #expect(found("geboren am 14.03.1985") == ["14.03.1985"])
        #expect(found("D.O.B. 1985/03/14") == ["1985/03/14"])
        #expect(found("date of birth 14-03-85") == ["14-03-85"], "two-digit year")
        #expect(found("nato il 14/03/1985") == ["14/03/1985"])
    }

    @Test func monthNameForms() {
        #expect(found("born on 14 March 1985") == ["14 March 1985"])
        #expect(found("born March 14, 1985 in Ohio") == ["March 14, 1985"])
        #expect(found("date of birth: March 14th, 1985") == ["March 14th, 1985"])
        #expect(found("born on the 14th of March, 1985") == ["14th of March, 1985"])
        #expect(found("DOB 14-Mar-1985") == ["14-Mar-1985"])
        #expect(found("geb. 14. März 1985") == ["14. März 1985"])
        #expect(found("née le 14 mars 1985 à Lyon") == ["14 mars 1985"])
        #expect(found("fecha de nacimiento: 14 de marzo de 1985") == ["14 de marzo de 1985"])
        #expect(found("Ada Byron (b. 10 December 1815)").isEmpty, "before 1900: not a living person's birth date")
        #expect(found("Grace (b. 9 December 1926)") == ["9 December 1926"])
    }

    /// Birth cues of Portuguese, Dutch, Polish, the Nordic languages, Finnish and Turkish.
    @Test func cuesOfMoreLanguages() {
        #expect(found("Nascido em 14/03/1985 no Porto.") == ["14/03/1985"])
        #expect(found("Geboortedatum: 14-03-1985") == ["14-03-1985"])
        #expect(found("Data urodzenia: 14.03.1985") == ["14.03.1985"])
        #expect(found("Født 14.03.1985 i Bergen.") == ["14.03.1985"])
        #expect(found("Syntynyt 14.3.1985 Tampereella.") == ["14.3.1985"])
        #expect(found("Doğum tarihi: 14.03.1985") == ["14.03.1985"])
        #expect(found("Urodzinowy tort na 14.03.1985").isEmpty, "a cue is a whole word")
    }

    @Test func cueAfterTheDate() {
        #expect(found("1985-03-14 is my birthday") == ["1985-03-14"])
        #expect(found("14/03/1985 (date of birth)") == ["14/03/1985"])
    }

    @Test func fieldHintIsTheCue() {
        #expect(kinds("1985-03-14", hint: .dateOfBirth) == [.dateOfBirth])
        #expect(kinds("March 14, 1985", hint: .dateOfBirth) == [.dateOfBirth])
        #expect(kinds("1985-02-30", hint: .dateOfBirth).isEmpty, "no such day")
        #expect(kinds("next tuesday", hint: .dateOfBirth).isEmpty)
    }

    @Test func datesWithoutACueAreNotBirthDates() {
        for text in ["meeting 1985-03-14", "shipped on 14 March 2024", "2023-07-22T17:15:53Z", "05/27/2017", "invoice dated March 14, 2025",
                     "created 2022-08-01T06:35:20.123+02:00", "deadline 14.03.2025", "Plan b. 2024-01-01", "the born-again 2.0.1 release"] {
            #expect(!kinds(text).contains(.dateOfBirth), "\(text)")
        }
    }

    /// Japanese and Chinese 年月日 and Korean 년 월 일 after their birth cues; eight digits, year first, right after a cue.
    @Test func cjkAndCompactForms() {
        #expect(kinds("生年月日: 1985年3月4日") == [.dateOfBirth])
        #expect(kinds("出生日期：1990年12月25日") == [.dateOfBirth])
        #expect(kinds("생년월일: 1985년 3월 4일") == [.dateOfBirth])
        #expect(kinds("DOB 19850304") == [.dateOfBirth])
        for text in ["会議は2024年3月4日です", "1985年3月4日", "DOB 1985年13月4日", "DOB: 19851304", "birthday promo code 20240101 expires",
                     "Order 19850304 shipped"] {
            #expect(kinds(text).isEmpty, "\(text)")
        }
        // A year at the very end of the text, or cut short inside the form.
        for text in ["born 1985", "1985", "DOB 1985年", "DOB 1985年3", "DOB 1985年3月", "DOB 1985년 3월 4", "DOB 1985年3月4", "dob 1985030"] {
            #expect(kinds(text).isEmpty, "\(text)")
        }
    }

    @Test func invalidDatesAreRejected() {
        #expect(kinds("born 1985-02-30").isEmpty, "30 February")
        #expect(kinds("born 1985-13-01").isEmpty)
        #expect(kinds("dob 31/31/1985").isEmpty)
        #expect(kinds("born 2099-01-01").isEmpty, "in the future")
        #expect(kinds("born 1899-12-31").isEmpty, "before 1900")
        #expect(kinds("born 1988-02-29") == [.dateOfBirth], "a leap day")
        #expect(kinds("born 1987-02-29").isEmpty, "not a leap year")
        #expect(kinds("born in 1985").isEmpty, "a year alone")
        #expect(kinds("born 14 Marchx 1985").isEmpty)
        #expect(kinds("born 1985-03-142").isEmpty)
        #expect(kinds("dob v1985-03-14").isEmpty, "glued to a token")
    }

    /// Linear time: up to 1 MiB of hostile text in a few seconds at most even in a debug build (quadratic work would take hours) (inputs that
    /// the digit-run windows classify five ways per group are 256–320 KiB: a debug build is far slower there).
    @Test func pathologicalInputsStayFast() {
        let clock = ContinuousClock()
        let inputs = [String(repeating: "born ", count: 1 << 18), String(repeating: "born 14/03/1985 ", count: 1 << 16),
                      String(repeating: "March 1 ", count: 1 << 15), String(repeating: "1-1-", count: 1 << 18),
                      String(repeating: "dob ", count: 1 << 18) + "1985-03-14", String(repeating: "14 ", count: 1 << 16),
                      String(repeating: "生年月日 1985年", count: 1 << 14), String(repeating: "dob 19850304", count: 1 << 15)]
        for text in inputs {
            let elapsed = clock.measure { _ = PIIDetector.spans(in: text) }
            #expect(elapsed < .seconds(5), "\(text.prefix(20))…: \(elapsed)")
        }
    }

    /// Birth cues and month names of more languages (session 24's seventh probe).
    @Test func cuesAndMonthsOfTheSeventhProbe() {
        for text in ["Fødselsdato: 21-11-1993 – husk sundhedskort.", "urodzona 3 maja 1995 r. w Lublinie",
                     "Nama: Rina Kusumawati, tanggal lahir: 12 Oktober 1991", "nací el 14-02-1988, ¿necesitan algo más?",
                     "Nascido a 15 de março de 1975, natural de Braga.", "födelsedatum: 1989-03-27", "doğum tarihi: 19 Mayıs 1998"] {
            #expect(PIIDetector.kinds(in: text).contains(.dateOfBirth), "\(text)")
        }
        for text in ["Termin am 3 maja 2025 r.", "Rapat tanggal 12 Oktober 2024"] {
            #expect(!PIIDetector.kinds(in: text).contains(.dateOfBirth), "\(text)")
        }
    }

    /// Birth cues in Cyrillic, Devanagari, Chinese and Korean (before or after the date), Russian months in the genitive,
    /// Polish and Portuguese first-person forms (session 25's eighth probe).
    @Test func cuesInOtherScriptsAndFirstPerson() {
        #expect(found("Дата рождения: 7 ноября 1979 г.") == ["7 ноября 1979"])
        #expect(found("Иванов Пётр, 15.06.1968 г.р., инженер") == ["15.06.1968"])
        #expect(found("उनकी जन्म तिथि 03/09/1981 है") == ["03/09/1981"])
        #expect(found("王芳，女，1977年8月3日出生，籍贯上海。") == ["1977年8月3日"])
        #expect(found("1990년 5월 3일생 김민지") == ["1990년 5월 3일"])
        #expect(found("urodziłem się 3 marca 1970 r. w Łodzi") == ["3 marca 1970"])
        #expect(found("eu nasci em 9 de maio de 1994") == ["9 de maio de 1994"])
        #expect(found("2001년 1월 19일 학생 회의").isEmpty, "학생 (student) is no birth cue")
        #expect(found("生年月日：昭和61年11月3日") == ["昭和61年11月3日"], "a Japanese era year")
        #expect(found("平成9年2月28日生まれの山田さん") == ["平成9年2月28日"])
        #expect(found("平成9年2月30日生まれ").isEmpty, "no such day")
        #expect(found("令和5年4月1日に開店しました").isEmpty, "an era date without a cue")
        #expect(found("Встреча 14 марта 2024 г. в офисе").isEmpty, "a date without a cue")
    }

    /// Apps, brands and firms are "born" too: a thing word shortly before the date outweighs a verb cue, not a label
    /// or a word for a person (session 25's ninth probe).
    @Test func thingsAreBornToo() {
        for text in ["Our app was born on 3 March 2014 at a hackathon.", "La marque est née le 10 mai 1946 à Lyon.",
                     "Il marchio è nato il 9 gennaio 1921.", "Ons bedrijf is geboren op 1 juni 1999.",
                     "Product birthday: first unit shipped 12/12/2012."] {
            #expect(found(text).isEmpty, "\(text)")
        }
        #expect(found("Our founder was born on 3 May 1960 in Leeds.") == ["3 May 1960"])
        #expect(found("Project lead, date of birth 12/03/1985") == ["12/03/1985"])
        #expect(found("The company's CEO, born 4 April 1971, spoke first.") == ["4 April 1971"])
    }

    /// Czech and Slovak dates spaced after their full stops, month names that start with an accent or are written without
    /// their accents, and Turkish "doğdum" (session 25).
    @Test func spacedDatesAndAccentedMonths() {
        #expect(found("datum narození 14. 7. 1962") == ["14. 7. 1962"])
        #expect(found("Narozen: 3. 11. 1990, Brno") == ["3. 11. 1990"])
        #expect(found("narodil se 12. července 1975") == ["12. července 1975"])
        #expect(found("narodila jsem se 2. rijna 1988") == ["2. rijna 1988"])
        #expect(found("doğum tarihi 7 Şubat 1993") == ["7 Şubat 1993"])
        #expect(found("4 Ekim 1985'te İzmir'de doğdum") == ["4 Ekim 1985"])
        #expect(found("Schůzka 14. 7. 2024 v 10:00").isEmpty, "a date without a cue")
        #expect(found("narozen 31. 2. 1990").isEmpty, "no such day")
    }

    /// Two-digit years after a month name, as people write them ("'79", and after a dash); what a firm has instead of a
    /// birth (session 26).
    @Test func shortYearsAfterAMonthAndFirmsFounded() {
        #expect(found("born 12th of june '79 if that helps") == ["12th of june '79"])
        #expect(found("DOB: 29-Feb-00, Sex: M") == ["29-Feb-00"])
        #expect(found("DOB: 29-Feb-01").isEmpty, "2001 had no 29 February")
        #expect(found("born 12 June 79 in Leeds").isEmpty, "a bare two-digit year after a space is no year")
        #expect(found("Happy birthday to us! Founded on 12 March 1998, we turn 26.").isEmpty)
        #expect(found("Her birthday: 12 March 1998, founded nothing yet") == ["12 March 1998"])
    }
}

