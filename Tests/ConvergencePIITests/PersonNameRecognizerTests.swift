import Foundation
import Testing
@testable import ConvergencePII

/// `person_name`: names of many origins in the sentences people write, and the
/// capitalised text that is not a name (headings, products, places, dates, code).
@Suite struct PersonNameRecognizerTests {
    static func names(_ text: String, hint: PIIFieldHint = .none) -> [String] {
        let bytes = Array(text.utf8)
        return PIIDetector.spans(in: text, hint: hint).filter { $0.kind == .personName }.map {
            String(decoding: bytes[$0.start..<$0.end], as: UTF8.self)
        }
    }

    static func found(_ text: String, hint: PIIFieldHint = .none) -> Bool { PIIDetector.kinds(in: text, hint: hint).contains(.personName) }

    @Test func findsNamesWithTheirSpans() {
        #expect(Self.names("My name is Priya Raghunathan and I work in accounts.") == ["Priya Raghunathan"])
        #expect(Self.names("Please contact John Smith about the invoice.") == ["John Smith"])
        #expect(Self.names("Dear Mr. Okafor, thank you for your letter.") == ["Okafor"], "the title is evidence, not part of the span")
        #expect(Self.names("Meeting with Anna Lindqvist and Raj Patel tomorrow.") == ["Anna Lindqvist", "Raj Patel"])
        #expect(Self.names("Emma's laptop is broken.") == ["Emma"], "a possessive 's is not part of the name")
        #expect(Self.names("Where is Anna’s badge?") == ["Anna"], "nor a possessive ’s")
        #expect(Self.names("Ask Mohammed al-Hassan for the keys.") == ["Mohammed al-Hassan"])
        #expect(Self.names("Ask Pieter van Dijk about the budget.") == ["Pieter van Dijk"], "particles inside a name")
        #expect(Self.names("Jean-Luc Picard called twice.") == ["Jean-Luc Picard"])
        #expect(Self.names("Sarah-Jane O'Connor-Smith left.") == ["Sarah-Jane O'Connor-Smith"], "hyphenated names not listed whole")
        #expect(Self.names("Juan de la Cruz signed.") == ["Juan de la Cruz"], "two particles")
        #expect(Self.names("Maria and the team") == ["Maria"], "a short lower-case word that is no particle ends the name")
        #expect(Self.names("Congrats Jamal!") == ["Jamal"], "the cue word is not part of the span")
        #expect(Self.names("Contact: Siobhan O'Brien") == ["Siobhan O'Brien"])
        #expect(Self.names("Lucía Fernández will join us.") == ["Lucía Fernández"], "UTF-8 letters inside words")
        #expect(Self.names("Meeting with Hyun-woo Park tomorrow.") == ["Hyun-woo Park"], "Park ends a place, not after a given name")
        #expect(Self.names("Please contact Marie Curie about it.") == ["Marie Curie"], "a surname that is a word, after a cue")
        #expect(Self.names("Dear Grace Hopper,") == ["Grace Hopper"])
    }

    @Test func findsNamesOfManyOrigins() {
        let sentences = [
            "Maria Kowalczyk signed the contract yesterday.", "Patient: Zhang Wei", "Hi, I'm Sarah.", "Thanks, Maria", "Regards,\nPeter",
            "Kenji Tanaka (kenji@example.jp) wrote:", "Dear Amélie,", "Hello Fatima, your order is ready.", "Dr. Brown will see you now.",
            "The report was reviewed by Giulia Bianchi.", "Sincerely,\nEmeka Okonkwo", "cc: Olga Ivanova", "Attn: Hiroshi Yamamoto",
            "Spoke with Carlos yesterday about it.", "I met Thabo Nkosi at the conference.", "Please send the files to Lars Andersson.",
            "Employee Sven Müller requested leave.", "Priya signed the contract yesterday.", "Customer Kwame Mensah called about his bill.",
            "JOHN SMITH", "Mrs. Garcia-Lopez is waiting.", "Yuki Sato approved it.", "Hi Ahmet, welcome aboard!", "Li Na won the match.",
            "Olumide Adeyemi will present the results.", "Please ask Björn Eriksson to sign.", "Ms. Nakamura is on leave.",
            "Hello, my name is Chidi Okeke.", "The ticket was assigned to Ravi Shankar.", "Name: Wojciech Zieliński",
            "Prof. Abdullah bin Rashid gave the talk.", "Signed: Ana María López", "Thanks, Kofi", "I'm Leila and I need help.",
            "Tomás Novák replied yesterday.", "Deepak Sharma reported the bug.", "Mark Thompson joined the team last week.",
            "Patient Rose Baker was admitted.", "Call me Ishmael.", "Meeting with Anna and Raj tomorrow", "Owner: Dave", "Sorry Aisha, I missed it.",
            "The customer's name is Aiko Tanaka.", "Reviewer: Lukas Becker", "Kim Min-jun joined.", "Abdul Rahman bin Salleh", "Hello Mr Patel",
        ]
        for s in sentences { #expect(Self.found(s), "\(s)") }
    }

    @Test func capitalisedTextThatIsNoName() {
        let sentences = [
            "Please Review The Quarterly Report", "Amazon Web Services", "Google Cloud", "Visual Studio Code", "We flew to New York last week.",
            "San Francisco is foggy.", "Meet me at the Rose Garden.", "Due May 2024", "April Fools", "Will you send it?", "Bill the customer now.",
            "Martin Luther King Jr Blvd", "Call getUserName now", "The Annual General Meeting starts Monday.", "Upload it to Microsoft Teams.",
            "Welcome to Jira Service Management", "Victoria Park opens at nine.", "See the README and CONTRIBUTING files.", "Project Phoenix Launch Plan",
            "Grace Period Ends Soon", "Hope Street", "Long Beach", "Mark all items as read.", "Version 2.3.1 Release Notes", "Happy New Year!",
            "Jordan River", "The Wells Fargo account", "Email Support Team", "Dear Customer,", "Hi Team,", "Hello World", "Sales Report Q3",
            "Click Save As to keep a copy.", "Jackson Hole", "Austin Texas", "Paris is lovely in spring.", "Use Python and Docker.",
            "Lincoln Memorial", "I think so.", "OK, thanks!", "Best Practices Guide", "Data Protection Impact Assessment", "Harvard University",
            "The Bank of America branch", "Go to Settings and click Privacy.", "Read the Terms of Service.", "Summer Sale Ends Friday",
            "Taylor Swift Tickets", "Contact Us", "Ruby on Rails", "Rose Bowl", "Dear Sir or Madam,", "Bill Payment Service", "Los Angeles",
            "Grant Application Form", "I will Grant access.", "Santa Clara", "Costa Rica", "Order ORD-2024-471328 shipped", "C:\\Users\\Alice\\file.txt",
            "alice.Smith@example.com", "JohnSmith", "user_John_Smith", "NEW YORK STOCK EXCHANGE", "ISBN 978-3-16-148410-0",
            "Flights to Hong Kong are delayed.", "Customer Service Hours", "Baker Hughes", "Price Waterhouse", "Lehman Brothers", "Ben & Jerry's",
            "Shanti Apartments renewed the lift contract.", "Sai Residency", "Lajpat Enclave",
            "Kind regards,\nHarbor Lane Logistics\nT +33 5 13 70 73 51", "Thanks, Morgan Freight", "Regards, Ashford Software GmbH",
            "Dear Valued Customer,", "Hello Everyone,", "Patient: Not Provided", "Name: Unknown", "May I ask a question?",
            "Hope you are well.", "Owner: Finance", "Ruby Red Grapefruit", "Madison Square Garden", "Lincoln Park Zoo", "Virginia Beach", "Georgia Tech",
        ]
        for s in sentences { #expect(!Self.found(s), "\(s) → \(Self.names(s))") }
    }

    /// A name key lowers the bar: the whole value is the name when its shape fits.
    /// A verb that takes a person before "to"/"with"/"by" is as strong a cue as "Dear": a name whose surname is
    /// also a word is found after it, and a firm or a team after it is still not a name.
    @Test func verbsThatTakeAPerson() {
        #expect(Self.names("Assigned to Milena Wiśniewska") == ["Milena Wiśniewska"])
        #expect(Self.names("talked to Will Baker yesterday") == ["Will Baker"])
        #expect(Self.names("I spoke with M. Schäfer about the results.") == ["M. Schäfer"])
        #expect(!Self.found("Will Baker yesterday"), "the same words without the cue")
        // Sun is a surname as well as a day: after a given name and a cue it is the surname.
        #expect(Self.names("Assigned to Chen Sun") == ["Chen Sun"])
        for text in ["Hours: Mon-Fri 9-5, Sun 10-2", "Closed on Sun.", "Open Sat and Sun 10-4", "Sun Microsystems was bought"] {
            #expect(!Self.found(text), "\(text)")
        }
        // Approved, reviewed and prepared by someone: a person, or a department that is an ordinary word.
        #expect(Self.names("The invoice was approved by Jan van der Berg.") == ["Jan van der Berg"])
        #expect(Self.names("prepared by Will Smith") == ["Will Smith"])
        for text in ["Assigned to Microsoft Support", "Assigned to Engineering Team", "Escalated to Tier Two Support",
                     "I talked to Apple Support", "met with Goldman Sachs", "Signed by Acme Corp", "approved by Finance",
                     "reviewed by the Legal team", "approved by Compliance Officer", "approved by HR"] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// Surnames no list holds, known by their endings, count as surnames beside a name; alone, or as places
    /// and firms, they still need more.
    @Test func surnamesKnownByTheirEndings() {
        #expect(Self.names("Ludmila Kolesnikova translated the manual.") == ["Ludmila Kolesnikova"])
        #expect(Self.names("Please ask Anna Grzegorczyk for the keys.") == ["Anna Grzegorczyk"])
        #expect(Self.names("Forward it to Maria Dragomirescu.") == ["Maria Dragomirescu"])
        #expect(Self.names("Tamar Abashidze called twice.") == ["Tamar Abashidze"])
        #expect(Self.names("Sigrun Thorvaldsdottir signed it.") == ["Sigrun Thorvaldsdottir"])
        #expect(Self.names("David Hovhannisyan replied yesterday.") == ["David Hovhannisyan"])
        for text in ["Petrov called.", "The Rostov office is closed.", "We flew to Kiev on Monday.", "Kenyan Airways landed.",
                     "Omaha Nebraska is far.", "Visit Sri Lanka in May."] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// Korean names are written surname first; "Park" then starts a name, not a street or a garden.
    @Test func surnameFirstBeforeAKoreanGivenName() {
        #expect(Self.names("Park Ji-woo is the new intern.") == ["Park Ji-woo"])
        #expect(Self.names("Ask Park Min-jun about the tickets.") == ["Park Min-jun"])
        #expect(Self.names("Dear Mr. Park,") == ["Park"], "after a title a lone surname, even one that ends streets")
        #expect(Self.names("Mrs. Lane called twice.") == ["Lane"])
        #expect(!Self.found("Kind regards,\nOakhaven Property\nT +234 812 482 5412"), "a firm named for what it sells")
        for text in ["Meet me at Park Lane.", "Park Avenue was closed.", "Park Rose Garden opens at nine."] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// Jan and Jun are given names in a name and month abbreviations in a date; titles of more languages.
    @Test func monthAbbreviationsThatAreGivenNamesAndMoreTitles() {
        #expect(Self.names("Jan Kowalski signed the lease.") == ["Jan Kowalski"])
        #expect(Self.names("Customer Jun Guo paid by card.") == ["Jun Guo"])
        #expect(Self.names("Dear Jan,") == ["Jan"])
        #expect(Self.names("Dhr. Jan de Vries is onze contactpersoon.") == ["Jan de Vries"])
        #expect(Self.names("Shri Ramesh Kumar attended.") == ["Ramesh Kumar"])
        #expect(Self.names("Don Alejandro Ruiz llegó tarde.") == ["Alejandro Ruiz"])
        #expect(Self.names("Best, Tom") == ["Tom"], "a sign-off: a name that is also a word")
        #expect(!Self.found("The best Tom Yum in town"), "'best' without its comma is no sign-off")
        for text in ["Due Jan 5, 2024.", "The Jan Newsletter is out.", "JAN 2024 REPORT", "Meeting moved to Jun 14.",
                     "Jan-Mar figures", "Don't forget the meeting."] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// Chat is written in lower case: a name right after a greeting, "name is", "i'm", a title or a verb that takes a
    /// person, in text with at most two capitals.
    @Test func lowerCaseNamesInChat() {
        #expect(Self.names("my name is john smith and i need help") == ["john smith"])
        #expect(Self.names("hi, this is maria garcia from accounts") == ["maria garcia"])
        #expect(Self.names("talked to alessia gallo yesterday, she's fine with it") == ["alessia gallo"])
        #expect(Self.names("i'm priya sharma, can you reset my password") == ["priya sharma"])
        #expect(Self.names("ask dr okafor about the dose") == ["okafor"], "after a title a surname will do")
        #expect(Self.found("Hi anna, can u check this"), "a capital opening the message")
        #expect(Self.names("Our Team met with anna smith and Paul Jones on Friday.") == ["anna smith", "Paul Jones"])
        // Prose with capitals capitalises its names: there a lower-case name needs two words that are names.
        #expect(Self.names("Please ask maria garcia from HR about the PTO policy.") == ["maria garcia"])
        #expect(Self.names("The patient, robert jones, was admitted on Monday to ICU.") == ["robert jones"])
        #expect(Self.names("Hello, my name is john smith and I work at Acme Corp in NYC.") == ["john smith"])
        for text in ["Dear anna, Thanks for the update on the Q3 report.", "Please ask will smith in HR.", "Ask support about the refund",
                     "Contact sales for pricing", "CC finance and legal", "The patient reported pain in the left knee",
                     "Please cc karthik.singh@gmx.de on the thread, Thanks", "Contact daan+billing at icloud dot com for the DATA"] {
            #expect(Self.names(text).isEmpty, "\(text)")
        }
        for text in ["hi there, can you summarise this", "this is great, thanks a lot", "hey guys the build is red", "dear sir or madam",
                     "i'm sorry, i am not sure", "my name is not important", "talked to support about it", "i am grace under pressure",
                     "hello alexa play music", "met with legal yesterday", "anna smith", "hi maria_garcia42", "dear anna@example"] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    @Test func lowerCaseNamesAfterTheWordsForACustomer() {
        #expect(Self.names("the user ayesha siddiqui asked for a refund") == ["ayesha siddiqui"])
        #expect(Self.names("customer ayesha siddiqui asked") == ["ayesha siddiqui"])
        #expect(Self.names("employee priya raman resigned") == ["priya raman"])
        #expect(Self.names("guest anna kowalski checked in") == ["anna kowalski"])
        for text in ["our client mark asked", "the user will be notified", "the user admin asked", "the customer service team replied",
                     "member since 2019", "tenant portal is down"] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// A lower-case given name right before "said", "says", "told" or "replied" spoke, in chat; a pronoun, an ordinary
    /// word or text that capitalises its names elsewhere do not count.
    @Test func lowerCaseSpeakerBeforeAReportingVerb() {
        #expect(Self.names("ok so priya said she'd approve it by friday lol") == ["priya"])
        #expect(Self.names("kwabena says the car is fixed") == ["kwabena"])
        for text in ["she said yes", "mark said no", "the report said nothing", "then said priya", "priya  said it",
                     "ok so the ai said to clear the cache", "my lola said the package never arrived", "claude said it is safe",
                     "As the Board said, Priya's team and the CFO said no"] {
            #expect(!Self.names(text).contains("priya") && !Self.names(text).contains("mark") && !Self.names(text).contains("report"),
                    "\(text)")
        }
        #expect(!Self.found("she said yes"))
    }

    /// Insurance and payment forms label their people too: policyholder, insured, claimant, beneficiary, guarantor,
    /// cardholder, payee, subscriber, written "Surname, Given" as often as not.
    @Test func insuranceAndPaymentLabels() {
        #expect(Self.found("Policyholder: O'Brien, Declan J. — claim type: water damage"))
        #expect(Self.found("Claimant: Okafor, Chiamaka"))
        for text in ["Beneficiary: Acme Trust", "The insured vehicle was damaged", "Subscriber: Premium Plan"] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// A sentence's first word before a title is not part of the name, and does not hide it.
    @Test func aWordOpeningTheSentenceBeforeATitle() {
        #expect(Self.names("Called Mr. de Souza twice, no answer.") == ["de Souza"])
        #expect(Self.names("Emailed Dr. van der Berg about the scan.") == ["van der Berg"])
        #expect(!Self.found("The Mr. Men books are on sale."))
        #expect(!Self.found("Drinks at The Lord Nelson after work?"), "only a verb of contact opens the note")
        #expect(!Self.found("The Dr. Martens boots I ordered came in the wrong size."), "a firm's name that begins with a title")
    }

    /// A lone given name with a comma and a request after it is someone addressed.
    @Test func addressedByNameBeforeARequest() {
        #expect(Self.names("Marcus, please confirm you can cover the Saturday shift.") == ["Marcus"])
        #expect(Self.names("Aisha, can you check the invoice?") == ["Aisha"])
        for text in ["Support, please reset my password", "Monday, please", "Hello, please help", "Thanks, please advise",
                     "Claude, please summarize this pull request.", "Jarvis, please deploy to staging."] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    @Test func lowerCaseCueBitmapMatchesTheCueWords() {
        typealias L = LowercaseNameRecognizer
        #expect(L.shapes(of: L.cueWords) == [L.cueShapes0, L.cueShapes1, L.cueShapes2, L.cueShapes3])
    }

    /// Names of origins the census files hardly hold (hand lists in scripts/gen-pii-gazetteer).
    @Test func namesFromTheWiderLists() {
        for text in ["Thanks to Priyanka Deshmukh for the quick turnaround!", "Grace Mbeki will present the findings next week.",
                     "Nguyen Van Minh submitted the form late.", "Reza Tehrani will handle the migration.",
                     "Dimitrios Papadopoulos is our contact in Athens.", "João Pereira called about the delivery.",
                     "Siobhan Gallagher is out sick.", "Bence Kovács asked for a meeting.", "Budi Santoso emailed the vendor.",
                     "Witness statement given by Declan Ó Briain at the scene.", "Reported by Naoya Miyaguchi.",
                     "Jimin Kwon will review the draft.", "Pornthip Srisuk confirmed the booking.", "Ikechukwu Eze signed the lease."] {
            #expect(Self.found(text), "\(text)")
        }
    }
    @Test func valuesUnderNameKeys() {
        #expect(Self.names("Ada Lovelace", hint: .personName) == ["Ada Lovelace"])
        #expect(Self.found("ada lovelace", hint: .personName), "all lower case under a name key")
        #expect(Self.found("  Victoria ", hint: .personName))
        #expect(Self.found("J. R. Martin", hint: .personName), "initials")
        #expect(!Self.found("ada lovelace"), "without the key, lower-case words are not flagged")
        #expect(!Self.found("Quarterly Report", hint: .personName), "a dictionary phrase")
        #expect(!Self.found("report.pdf", hint: .personName))
        #expect(!Self.found("default", hint: .personName))
        #expect(!Self.found("web-server-01", hint: .personName))
        #expect(!Self.found("nginx", hint: .personName))
        #expect(!Self.found("jenkins", hint: .personName), "a lower-case surname alone is more likely a service")
        #expect(!Self.found("John Smith Jones Brown Miller", hint: .personName), "more than four words")
        #expect(!Self.found("John smith", hint: .personName), "mixed case")
    }

    @Test func gazetteerLookups() {
        func flags(_ word: String) -> UInt16 { Array(word.utf8).withUnsafeBufferPointer { NameGazetteer.flags($0, 0, $0.count) } }
        typealias Flag = NameGazetteer.Flag
        #expect(flags("Smith") & Flag.surname != 0)
        #expect(flags("WILL") & (Flag.given | Flag.word) == Flag.given | Flag.word)
        #expect(flags("Monday") & Flag.stop != 0)
        #expect(flags("O'Brien") & Flag.surname != 0, "apostrophes are skipped: the Census spells it OBRIEN")
        #expect(flags("MÜLLER") == flags("müller"), "Latin-1 capitals fold")
        #expect(flags("Xqzzyv") == 0)
    }

    @Test func oddBytesAroundNames() {
        func kinds(_ bytes: [UInt8]) -> [PIIKind] { bytes.withUnsafeBufferPointer { PIIDetector.kindSet(in: $0) }.kinds }
        #expect(kinds([0xFF] + Array("Dear Maria Garcia".utf8) + [0xC3]) == [.personName])
        #expect(kinds(Array("Dear ".utf8) + [0xC3]).isEmpty)
        #expect(kinds([0xC5, 0xC3, 0xC4]).isEmpty)
        #expect(kinds(Array(0...255)).isEmpty)
        #expect(kinds(Array("Dear O'".utf8)).isEmpty)
        _ = PIIDetector.spans(in: "Łęs Kęs ęs’s Ąś") // multi-byte letters at every boundary: no crash
    }

    /// Linear time: each input is about 1 MiB and must take a few seconds at most per scan, even unoptimised (quadratic work would take hours).
    /// (The arguments are the repeated unit, so a failure does not print a megabyte.)
    @Test(arguments: ["A", "Dear ", "John Smith ", "Ab ", "Mr. ", "van ", "O'", "Dear Maria, ", "É", "hi ", "hi anna ", "talked to ",
                      "my name is anna maria smith ", "Siosaia Taufa replied ", "Hola ", "Estimado Sr. ", "Sofía ", "Ü",
                      "Morgan Stanley ", "Macy's ", "Called Mr. Ab ", "Marcus, please ", "priya said ", "King Jr. Day ",
                      "Okafor et al. ", "Ab and Cd (2019) ", "“Maria, ", "for lukas novák "])
    func pathologicalInputStaysLinear(unit: String) { expectLinearTime(unit) }

    /// Forms print names in capitals after their label; capitals that are ordinary words or acronyms are no name.
    @Test func namesInCapitalsAfterALabel() {
        for text in ["STUDENT NAME: AMARACHI NWANKWO  CLASS: 10B", "Name: TUNDE BAKARE", "Customer: NGOZI EZE-OKAFOR"] {
            #expect(PIIDetector.kinds(in: text).contains(.personName), "\(text)")
        }
        for text in ["Status: ACTIVE ACCOUNT", "Name: NOT PROVIDED", "Name: QA TL", "Contact: IT HELPDESK", "Name: VIM REFERENCE MANUAL",
                     "Patient: ICU BED", "Dear SIR OR MADAM"] {
            #expect(!PIIDetector.kinds(in: text).contains(.personName), "\(text)")
        }
    }

    /// A day named after a saint or a person is a holiday; a person's possessive before another word is still a name.
    @Test func holidaysAreNoNames() {
        for text in ["The St. Patrick's Day parade will disrupt deliveries.", "Valentine's Day sale ends Sunday.", "Happy St. David’s Day!",
                     "Orders placed after Martin Luther King Jr. Day ship on Tuesday.", "Martin Luther King Day is a federal holiday.",
                     "The office is closed for Martin Luther King Day."] {
            #expect(!PIIDetector.kinds(in: text).contains(.personName), "\(text)")
        }
        #expect(PIIDetector.kinds(in: "Dr. Patrick's day off is Monday.").contains(.personName), "a lower-case 'day' is no holiday's")
        #expect(PIIDetector.kinds(in: "Please forward the contract to Rachel Day in legal.").contains(.personName), "Day is a surname too")
        #expect(PIIDetector.kinds(in: "Per Rosalind Okafor's instructions, the samples were frozen.").contains(.personName))
    }

    /// Firms named after people are no person's name when the run is the firm's whole name; a person who shares a first
    /// name or a surname with one, or a longer name that holds it, still is.
    @Test func firmsNamedAfterPeople() {
        for text in ["The Morgan Stanley app won't let me log in since the update.", "Charles Schwab statement attached for the rollover.",
                     "We use Baker McKenzie for all our contract reviews.", "We stock Ralph Lauren and Tommy Hilfiger in the outlet.",
                     "Macy's will honor the price match until Sunday.", "Filed with Clifford Chance acting for the lenders.",
                     "Wire it through Wells Fargo like last time.", "A bottle of Jack Daniel’s for the raffle"] {
            #expect(!Self.found(text), "\(text)")
        }
        for text in ["Ralph Smith called about the outlet order.", "Morgan Stanley Jones called twice.", "Macy called about her refund.",
                     "Please ask Charles Wells to sign the form.", "Dear Ms. Lauren, your order shipped.",
                     // A title, a cue, a verb people do or a pronoun says a person shares the firm's name.
                     "Dear Mr. Ted Baker, your order has shipped.", "My name is Fred Perry and I need help.",
                     "Marc Jacobs called twice about his invoice."] {
            #expect(Self.found(text), "\(text)")
        }
    }

    /// Both words are also ordinary words; a verb people do after them makes them a name.
    @Test func aGivenNameAndASurnameThatAreWordsBeforeAVerb() {
        for text in ["Tom Baker called", "Will Smith said no", "Mark Price wrote the memo"] {
            #expect(PIIDetector.kinds(in: text) == [.personName], "\(text)")
        }
        for text in ["Tom Baker", "Rose Garden opened", "Grant Park hosted the show", "Crystal Palace signed a striker", "Bill Payment failed"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    /// Session 24's probe: initials written together, relatives and roles around a name that is also a word, a sentence
    /// opened by an ordinary word, Gaelic and Welsh particles, three unlisted words before a person's verb, a possessive.
    @Test func relativesInitialsParticlesAndOpeners() {
        let names = [("Per T.J. O'Sullivan, the budget freeze ends in June.", "T.J. O'Sullivan"), ("Signed by J.R.R. Tolkien", "J.R.R. Tolkien"), ("J.K. Rowling signed copies at noon.", "J.K. Rowling"),
                     ("Rose and her brother Basil are registered.", "Basil"), ("Ask my son Jordan to call.", "Jordan"),
                     ("I'm writing for my grandmother, Hope, who can't use email.", "Hope"), ("Jordan is my son and he needs a new card.", "Jordan"),
                     ("Is Hiroshi's visa still valid?", "Hiroshi"), ("Has Aisha booked the room?", "Aisha"),
                     ("Oisín Mac Cárthaigh's library books are overdue.", "Oisín Mac Cárthaigh"), ("Niamh Nic Aodha booked the room.", "Niamh Nic Aodha"),
                     ("Rhodri ap Gwilym wants the minutes translated.", "Rhodri ap Gwilym"),
                     ("Hodan Abdi Warsame called twice about her housing application.", "Hodan Abdi Warsame"),
                     ("Sandra Baker's invoice is overdue.", "Sandra Baker"), ("can you remind me to text maria about the rent", "maria"),
                     ("my sister amaka lost her card", "amaka"), ("ping chidi about it", "chidi")]
        for (text, name) in names {
            let bytes = Array(text.utf8)
            let found = PIIDetector.spans(in: text).filter { $0.kind == .personName }.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
            #expect(found == [name], "\(text)")
        }
        for text in ["The U.S. Army base is closed.", "A.I. Strategy Summit starts Monday.", "Mother Nature wins again.", "Jordan is my favourite country.",
                     "Sister Act is on tonight.", "Hope is my strategy.", "Updated Irish and Turkish translations.", "Add Shona (sn) orthography.",
                     "The Apple Mac Pro is fast.", "Big Mac Meal deal today.", "text support about it", "call mark tomorrow",
                     "My son Roblox account was hacked.", "My daughter Minecraft login fails.", "Mario Party's minigames are fun.",
                     "Our P.O. Box was closed.", "Has Cassandra compacted the table?", "Please request Okta from IT.",
                     "Currently Del can be used to delete the last character.",
                     "Sign-off from legal is required.", "D.R. Horton homes sold well."] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    /// Session 24's sixth probe: passenger lists, generational suffixes, "care of", legal and guardian labels, a possessive
    /// surname that is also a word after an opening verb.
    @Test func passengerListsSuffixesAndLegalLabels() {
        let names = [("Passenger SILVA/JOAO MR, born 23JUN88.", ["SILVA/JOAO"]),
                     ("PNR 7HQ2LM: SATO/YUKI MS, SATO/HARUTO MSTR", ["SATO/YUKI", "SATO/HARUTO"]),
                     ("Passenger O'BRIEN/SEAN MR", ["O'BRIEN/SEAN"]), ("SILVA/JOAO MR", ["SILVA/JOAO"]),
                     ("Form W-9 was returned unsigned by Bartholomew Finch Jr., so payment is on hold.", ["Bartholomew Finch"]),
                     ("Served upon respondent Charles Whitfield III at his registered address.", ["Charles Whitfield"]),
                     ("Guardian: Rangi Parata, will collect her at three.", ["Rangi Parata"]), ("c/o Müller, Lindenstraße 22", ["Müller"]),
                     ("Send Linnea Berg's welcome pack to the office.", ["Linnea Berg"])]
        for (text, expected) in names {
            let bytes = Array(text.utf8)
            let found = PIIDetector.spans(in: text).filter { $0.kind == .personName }.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
            #expect(found == expected, "\(text)")
        }
        for text in ["see file A/B MR 2", "Copy TCP/IP MR logs", "Orders placed after Martin Luther King Jr. Day ship on Tuesday.",
                     "Room 1204 at the Ritz-Carlton, check-in 15:00.", "The parent Alphabet said so.", "SILVA/JOAO"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    /// Titles, labels and sign-offs of other languages (session 24's seventh probe); German nouns after German cues stay clean,
    /// as do saints and a lower-case "fru" inside a token.
    @Test func titlesAndSignOffsOfOtherLanguages() {
        for text in ["Fru Jakobsen har ringet angående sin pension.", "Dzwoniła pani Szymańska w sprawie reklamacji pralki.",
                     "Mit freundlichen Grüßen Katharina von der Heyde", "Sagen er overdraget til sagsbehandler Lone Frederiksen.",
                     "Kontaktujte paní Zdeňku Benešovou zítra."] {
            #expect(PIIDetector.kinds(in: text).contains(.personName), "\(text)")
        }
        for text in ["Kunde: Geburtsdatum unbekannt, Vertrag Nr. 55120", "ipmi-fru: Do not require opening of a session",
                     "Sankt Hans aften fejres med bål ved stranden.", "A Igreja de Santo António em Lisboa recebe casamentos.",
                     "Albert Heijn verlaagt de prijs van melk.", "La Basilica di Santa Maria Maggiore è aperta.",
                     "Yeni adresim: Atatürk Mah. Cumhuriyet Cad. No: 12"] {
            #expect(!PIIDetector.kinds(in: text).contains(.personName), "\(text)")
        }
    }

    /// A lone name introduced by the team the person works in.
    @Test func aNameFromATeam() {
        for (text, name) in [("Chase from accounts said the payment bounced.", "Chase"), ("Thanks for your patience — Aisha from the support team", "Aisha"),
                             ("Ask Grace from HR about the leave policy.", "Grace")] {
            let bytes = Array(text.utf8)
            let found = PIIDetector.spans(in: text).filter { $0.kind == .personName }.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
            #expect(found == [name], "\(text)")
        }
        for text in ["Updates from accounts arrive monthly.", "Reports from the finance team are due Friday.", "Invoices from billing are late.",
                     "Download it from IT.", "Paris from the air looks tiny."] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    /// A firm named after people inside a longer run, or written with its hyphen, accent or initials, and a comet.
    @Test func firmsInsideLongerRuns() {
        for text in ["My Calvin Klein order was charged twice.", "How much is the Louis Vuitton Neverfull in medium?",
                     "I love the new Estée Lauder night serum.", "We lease a Mercedes-Benz van.", "Ralph Lauren Polo shirts are on sale.",
                     "J.P. Morgan approved the loan.", "Halley's Comet will be visible again."] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
        for text in ["Morgan Stanley Jones called.", "Dear Ms. Calvin Klein-Ortiz, your order shipped."] {
            #expect(PIIDetector.kinds(in: text) == [.personName], "\(text)")
        }
    }

    /// An unlisted given name before a surname that is also an ordinary word is a name after a weak cue; without one, or
    /// when the first word is an ordinary word or a firm, it is not.
    @Test func anUnlistedGivenNameBeforeASurnameThatIsAWord() {
        for text in ["The package for Hemi Walker goes to the depot.", "Reported by Wooseok Sung.", "Thanks to Haoxi Tan."] {
            #expect(PIIDetector.kinds(in: text) == [.personName], "\(text)")
        }
        for text in ["Hemi Walker", "Powered by Nokia Bell.", "Sold with Kindle Paperwhite.", "The bike from Giant Trek Store.",
                     "Made by Intel Core team.", "We are moving to Hetzner Cloud.", "Payment for Zomato Gold failed.", "Powered by Akamai Edge"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    /// Two words no list knows: a verb that people do and firms rarely do after them makes them a name;
    /// firms' verbs ("said", "declined", "booked") and well-known firms do not.
    @Test func twoUnlistedWordsBeforeAPersonOnlyVerb() {
        for text in ["Siosaia Taufa replied within an hour.", "Rangi Parata lives next to the school.",
                     "Bolat Nurlanovich resigned last week.", "Inti Mamani asked for a copy of the lease."] {
            #expect(PIIDetector.kinds(in: text) == [.personName], "\(text)")
        }
        for text in ["I met Siosaia Taufa at the airport.", "Please ask Inti Mamani to sign.", "We thanked Rangi Parata for the help."] {
            #expect(PIIDetector.kinds(in: text) == [.personName], "\(text): a verb before whose object is a person")
        }
        for text in ["Siosaia Taufa", "Siosaia Taufa fixed the leak.", "Raiffeisen Zentralbank announced a merger.",
                     "Ask Hyundai Mobis for a quote.", "Tell Zalando Lounge to refund it.", "We visited Siosaia Taufa",
                     "Hyundai Mobis declined to comment.", "Vodafone Ziggo called the outage minor.",
                     "Petrobras Distribuidora asked for a waiver.", "SIOSAIA TAUFA replied."] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    /// Greetings and salutations in other languages before a name; their titles (Señora, heer); listed names
    /// written with accents the lists do not hold ("Sofía").
    @Test func greetingsTitlesAndAccentsOfOtherLanguages() {
        for (text, name) in [("Hola Marta, ¿cómo estás?", "Marta"), ("Estimada Lucía:", "Lucía"), ("Estimado Sr. Gómez:", "Gómez"),
                             ("Geachte heer Jansen,", "Jansen"), ("Señora Martínez llamó.", "Martínez"), ("Danke Jonas!", "Jonas"),
                             ("Hola Sofía, ¿puedes revisar el pedido?", "Sofía")] {
            let bytes = Array(text.utf8)
            let names = PIIDetector.spans(in: text).filter { $0.kind == .personName }
                .map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
            #expect(names == [name], "\(text)")
        }
        for text in ["Hallo Welt", "Gracias por todo.", "Merci beaucoup", "Estimado cliente:", "Café Central opened.",
                     "Crème Brûlée is served.", "Beste Grüße aus Berlin", "Please send the replacement to Gran Vía"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    /// A lone given name opening a sentence is a name when a verb in the past tense follows it; assistants and
    /// languages named like people, and words that end in "ed" without being a past tense, are not.
    @Test func aLoneGivenNameThenAPastTense() {
        for text in ["Aisha lost her wallet at the station.", "Mateo opened a support ticket.", "Dmitri bought two tickets.",
                     "Noah logged in from a new device."] {
            #expect(PIIDetector.kinds(in: text) == [.personName], "\(text)")
        }
        for text in ["Claude opened a pull request.", "Julia compiled the model.", "Alexa played the song.", "Kia recalled the cars.",
                     "Aisha need not apply.", "Mateo speed test", "Paris hosted the games."] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    @Test func anInitialAndASurname() {
        for text in ["R. Okafor approved it", "by M. Garcia", "Dear J. Smith,", "Reviewed by T. Nakamura", "Contact: S. Brown",
                     "approved by J. Smith"] {
            #expect(PIIDetector.kinds(in: text) == [.personName], "\(text)")
        }
        #expect(PIIDetector.kinds(in: "J. Smith").isEmpty, "a surname that is also a word needs a cue")
        for text in ["Appendix A. Summary of results", "Option B. Cancel the order", "Vitamin C. Brown rice also helps.",
                     "Plan B. Price increases are coming.", "U.S. Bank raised its rates.", "J. Crew sale"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    @Test func professionalAndCivicTitles() {
        #expect(Self.names("Professor Liu Yang published the paper.") == ["Liu Yang"])
        for text in ["Judge Okafor ruled on the motion.", "Officer Haddad took the statement.", "Rabbi Cohen led the service.",
                     "Senator Warren voted no.", "Detective Inspector Ramirez arrived."] {
            #expect(PIIDetector.kinds(in: text) == [.personName], "\(text)")
        }
        for text in ["Officer Training starts Monday.", "Judge the results carefully.", "Inspector General Report 2023",
                     "Pastor Appreciation Month", "Compliance Officer Review due", "Professor Emeritus of Physics",
                     "The officer said the road was closed."] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    @Test func aJobTitleRunIntoTheName() {
        #expect(Self.names("the CIO Sarah Lee approved the budget") == ["Sarah Lee"])
        #expect(Self.names("the Chief Information Officer Sarah Lee approved") == ["Sarah Lee"])
        #expect(Self.names("Security Manager Aisha Bello signed off.") == ["Aisha Bello"])
        #expect(Self.names("Team Lead Priya Raman will present.") == ["Priya Raman"])
        for text in ["Visit Lake Louise Alberta in June.", "St Mary Magdalene Church opens at nine.", "Mount Kenya National Park",
                     "Lake Victoria Basin Commission", "Queen Elizabeth Hospital Birmingham", "Hurricane Katrina Relief Fund"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    @Test func namesWithLatinExtendedAndVietnameseLetters() {
        #expect(Self.names("Nguyễn Thị Hoa paid the invoice.") == ["Nguyễn Thị Hoa"])
        #expect(Self.names("Dear Łukasz,") == ["Łukasz"])
        #expect(Self.names("İbrahim Yıldız approved it") == ["İbrahim Yıldız"])
        #expect(Self.names("Dear Đặng Quốc Bảo,") == ["Đặng Quốc Bảo"])
        // Folding happens only for lookups: an accented ordinary word is still none.
        #expect(PIIDetector.kinds(in: "Hallo Welt").isEmpty)
    }

    @Test func twoUnlistedNamesThenAPronounOrAPersonVerb() {
        #expect(Self.names("Mirela Dragomir wants to change her plan.") == ["Mirela Dragomir"])
        #expect(Self.names("Aslan Zhakupov replied within the hour.") == ["Aslan Zhakupov"])
        #expect(Self.names("I met Tavita Leota at the airport.") == ["Tavita Leota"])
        for text in ["Deutsche Telekom said it would raise prices.", "Rakuten Viber changed their logo.", "Hyundai Mobis declined to comment.",
                     "Our contact at Bosch Rexroth replied quickly.", "Mirela Dragomir. She left.", "Baker Hughes told his staff"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    @Test func countriesAndCitiesAreNoNamesAndATrailingPlaceIsTrimmed() {
        for text in ["Sami Finland", "Spanish - Puerto Rico", "Visit Lake Louise Canada", "Apple Music Germany launched today.",
                     "Goldman Sachs London office"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
        #expect(Self.names("Meeting with Maria Garcia London office on Monday.") == ["Maria Garcia"])
        #expect(Self.names("Contact Anna Lindqvist Sweden for the contract.") == ["Anna Lindqvist"])
    }

    @Test func aSurnameInCapitalsBesideAGivenName() {
        #expect(Self.names("Jean DUPONT signed the lease.") == ["Jean DUPONT"])
        #expect(Self.names("WANG Wei") == ["WANG Wei"])
        #expect(Self.names("SMITH John, born 1980") == ["SMITH John"])
        for text in ["NASA Houston", "IBM Watson", "AWS Lambda", "BMW Group", "FAQ Maria", "TODO John", "HR Maria", "Thanks John GREAT job"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    @Test func surnamesToldByTheirEndingAndPeopleInARole() {
        #expect(Self.names("Levan Beridze joined the meeting late.") == ["Levan Beridze"])
        #expect(Self.names("Tuomo Peltonen approved the transfer.") == ["Tuomo Peltonen"])
        #expect(Self.names("Arnav Bhandari is the new product manager.") == ["Arnav Bhandari"])
        for text in ["Acme Corp is the new supplier.", "Stripe Atlas is the new payment processor.", "Deutsche Telekom is the lead sponsor",
                     "Baker Hughes", "Price Waterhouse"] {
            #expect(PIIDetector.kinds(in: text).isEmpty, "\(text)")
        }
    }

    /// Chat introductions in several languages, a name before "here", and greetings before a title (session 25).
    @Test func chatIntroductionsAndGreetings() {
        #expect(Self.names("hey its megan price, can u call me back") == ["megan price"])
        #expect(Self.names("ciao sono giulia, ci vediamo dopo?") == ["giulia"])
        #expect(Self.names("hola soy mateo, llego tarde") == ["mateo"])
        #expect(Self.names("bonsoir c'est julien, tu as reçu mon mail ?") == ["julien"])
        #expect(Self.names("cześć jestem agnieszka, dzięki za pomoc") == ["agnieszka"])
        #expect(Self.names("ok tomasz here, the van is outside") == ["tomasz"])
        #expect(Self.names("G'day Mrs. Okafor, your order has shipped.") == ["Okafor"])
        #expect(Self.names("Szanowna Pani Kowalska, dziękujemy za list.") == ["Kowalska"])
        for text in ["its amber colour fades", "its april already", "the courier is here now", "it's grace that matters",
                     "my nana here makes soup"] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// German "im" before a noun is no "I'm"; institutions named after people; a hyphenated street; an introduction
    /// must end its clause (session 25's ninth probe).
    @Test func institutionsAndGermanIm() {
        for text in ["Im Sommerschlussverkauf gibt es Rabatte.", "Der Gewinn stieg im Geschäftsjahr deutlich.",
                     "Il volo atterra all'aeroporto Galileo Galilei di Pisa.", "Si gioca allo stadio Diego Armando Maradona.",
                     "On se voit au lycée Jean-Moulin demain.", "Treffpunkt Haltestelle Willy-Brandt-Platz.",
                     "sono felice che sia finita", "Dr. Oetker pizza is on offer."] {
            #expect(!Self.found(text), "\(text)")
        }
        #expect(Self.names("hi im Priya, the new intern") == ["Priya"])
        // A sign-off after a dash closing a message; a label before a dash is none. A past tense people do ("won").
        #expect(Self.names("Running late, see you at the gate — Daniel.") == ["Daniel"])
        #expect(!Self.found("Source code — Ada"))
        #expect(Self.names("Marie Curie won two Nobel Prizes.") == ["Marie Curie"])
        #expect(Self.names("I met Nils-Per Andersson at the depot.") == ["Nils-Per Andersson"])
        #expect(Self.names("ciao sono giulia, arrivo tra poco") == ["giulia"])
        #expect(Self.names("hallo, hier ist lukas meyer, ruf mich an") == ["lukas meyer"])
        #expect(Self.names("hej det är elin, ses vi?") == ["elin"])
        #expect(Self.names("hi, this is grace o'malley from the school") == ["grace o'malley"])
        #expect(!Self.found("das ist gut so"))
        #expect(!Self.found("hi, this is grace period info"))
    }

    /// Streets and feasts named after people are no people mentioned: a street type before the name, in the run or as
    /// the word before it, and a saint joined by a hyphen. English "via" stays a preposition (session 25).
    @Test func streetsAndFeastsNamedAfterPeople() {
        for text in ["On se retrouve allée Jean Jaurès à midi.", "Le bureau est boulevard Victor Hugo, au fond de la cour.",
                     "Il mercato di Via Giuseppe Verdi apre alle otto.", "Fica na Avenida Rui Barbosa, perto do metro.",
                     "Sklep przy ul. Adama Mickiewicza jest zamknięty.", "La fête de la Saint-Martin tombe un mardi.",
                     "Rendez-vous devant l'église Sainte-Catherine."] {
            #expect(!Self.found(text), "\(text)")
        }
        #expect(Self.names("Patch from Elena Petrova via Mark Hughes, thanks.") == ["Elena Petrova", "Mark Hughes"])
        #expect(Self.names("Georges Saint-Pierre signed the contract.") == ["Georges Saint-Pierre"])
        #expect(Self.names("Rua Augusta is closed today, said Maria Silva.") == ["Maria Silva"])
    }

    /// A job title run into a signature's name is left out of it; firms named after people stay firms; Portuguese given
    /// names, "Paulo" no longer a place word on its own (session 26's tenth probe).
    @Test func signaturesWithTheirJobTitles() {
        #expect(Self.names("Best regards, Igor Shevchenko CTO, Tessellate Labs") == ["Igor Shevchenko"])
        #expect(Self.names("Cheers, Gareth Llewellyn Workshop Supervisor") == ["Gareth Llewellyn"])
        #expect(Self.names("Kind regards, Dr. Helena Vasquez Consultant Dermatologist") == ["Helena Vasquez"])
        #expect(Self.names("Mit freundlichen Grüßen Frank Weidemann Vertriebsleiter | Nordtech GmbH") == ["Frank Weidemann"])
        #expect(Self.names("Regards, Paulo Henrique Souza | Regional Sales") == ["Paulo Henrique Souza"])
        for text in ["Meeting Room Manager settings were reset.", "Victoria Station Manager on duty tonight.",
                     "Johnson Controls reported higher revenue.", "Edward Jones opened two branches.",
                     "Dr Pepper sales rose in the south.", "Our office in São Paulo is closed.",
                     "Sao Paulo Fashion Week starts today."] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// A form's name label of another language, with its colon (session 26).
    @Test func nameLabelsOfOtherLanguages() {
        #expect(Self.names("Formulaire KYC - Nom : Nkemelu, Prénom : Chinonso, âge 34") == ["Nkemelu", "Chinonso"])
        #expect(Self.names("Nachname: Okonjo, Alter 41") == ["Okonjo"])
        for text in ["Il nome Windows è un marchio.", "Au nom de Dieu, Amen.", "Cambia el nombre Debian por otro."] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// Authors as citations name them; a year alone only for a surname a list knows (session 26's eleventh probe).
    @Test func citedAuthors() {
        #expect(Self.names("As shown by Okafor and Lindqvist (2019), models generalise poorly.") == ["Okafor and Lindqvist"])
        #expect(Self.names("We could not reproduce Kovalenko et al. (2018).") == ["Kovalenko"])
        #expect(Self.names("Cite in APA: Rahmani, S., & Castellanos, P. (2020). Urban heat.") == ["Rahmani", "Castellanos"])
        #expect(Self.names("Prior work (Mbeki-Nkosi, 2017; Varga & Holt, 2018) disagrees.") == ["Mbeki-Nkosi", "Varga & Holt"])
        #expect(Self.names("the review by Petrosyan (2021) found few blinded trials") == ["Petrosyan"])
        #expect(Self.names("Né à Nantes, M. Julien est là.") == ["M. Julien"], "a town before a title's initial is no author")
        for text in ["Kubernetes (2014) changed deployment.", "get List [3, 4] back", "Docker (2013) and Linux (1991) are both open source."] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// "for" before a lower-case full name, both words names and neither an ordinary word; code's "for x in" stays clean.
    @Test func lowerCaseFullNameAfterFor() {
        #expect(Self.names("dob 1990-04-05 for lukas novák, double check") == ["lukas novák"])
        for text in ["for lang in languages:", "support for lan channel and", "a gift for will smith fans", "thanks for the help",
                     "for jack daniels fans"] {
            #expect(!Self.found(text), "\(text)")
        }
    }

    /// A book of the Bible before its chapter and verse, and a place word before a given name, are no people
    /// (session 26's eleventh probe).
    @Test func versesAndPlaces() {
        for text in ["Psalm 23:4 and Matthew 5:9 are printed on the glass.", "Lake Louise is colder than Calgary this week."] {
            #expect(!Self.found(text), "\(text)")
        }
        #expect(Self.names("Call John at 10:30 tomorrow.") == ["John"])
        #expect(Self.names("Meeting with Park Min-jun today.") == ["Park Min-jun"])
    }

    /// A listed given name addressed at the start of a message or quote; sign-offs of other languages; curly quotes and
    /// guillemets end and start words; patronymics (session 26's eleventh probe).
    @Test func addressedNamesQuotesAndPatronymics() {
        #expect(Self.names(#"Fix the tone: "Jamal, stop emailing me at work""#) == ["Jamal"])
        #expect(Self.names("„Rufen Sie mich an. Grüße, Anneliese“") == ["Anneliese"])
        #expect(Self.names("«Sofía, llámame mañana»") == ["Sofía"])
        #expect(Self.names("Anna’s laptop is here.") == ["Anna"], "a right single quote before a letter is an apostrophe")
        #expect(Self.names("Welcome our new hire Aigerim Nurlanovna on Monday.") == ["Aigerim Nurlanovna"])
        #expect(Self.names("The menus are kept short on\nAthena, where they do not wrap.").isEmpty, "a wrapped line starts no message")
        for text in ["Florence, Italy is lovely in May.", "Victoria, where it rains, is green."] {
            #expect(!Self.found(text), "\(text)")
        }
    }
}

