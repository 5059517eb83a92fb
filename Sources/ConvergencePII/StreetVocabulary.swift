/// A set of lower-case words (space-separated in one literal), bucketed by first
/// letter so a lookup compares a handful of entries. Built once; lookups allocate nothing.
/// A class: handing a set to a lookup copies one reference, not two arrays.
final class WordSet: Sendable {
    struct Entry: Sendable {
        let offset: UInt16
        let length: UInt8
    }

    let text: StaticString
    /// Entries sorted by bucket; bucket `k` is `entries[starts[k]..<starts[k + 1]]` (one flat array: no nested retains).
    let entries: [Entry]
    let starts: [UInt16]
    /// Bit `n` set: some entry has `n` bytes; bit `c & 31`: some entry starts with `c` (most lookups stop here).
    let lengths: UInt64
    let initials: UInt32

    init(_ text: StaticString) {
        self.text = text
        var buckets = [[Entry]](repeating: [], count: 32)
        let p = text.utf8Start, n = text.utf8CodeUnitCount
        var start = 0
        for k in 0...n where k == n || p[k] == 0x20 {
            if k > start { buckets[Int(p[start] & 31)].append(Entry(offset: UInt16(start), length: UInt8(k - start))) }
            start = k + 1
        }
        entries = buckets.flatMap { $0 }
        lengths = entries.reduce(0) { $0 | 1 << min(UInt64($1.length), 63) }
        initials = buckets.indices.reduce(0) { buckets[$1].isEmpty ? $0 : $0 | 1 << UInt32($1) }
        var starts: [UInt16] = [0]
        for bucket in buckets { starts.append(starts[starts.count - 1] + UInt16(bucket.count)) }
        self.starts = starts
    }

    /// `t[from..<to]` is in the set, compared case-insensitively (ASCII letters only).
    @inline(__always) func contains(_ t: ASCII.Bytes, _ from: Int, _ to: Int) -> Bool {
        let n = to - from
        guard n > 0, n < 63, lengths & 1 << UInt64(n) != 0 else { return false }
        let bucket = Int(ASCII.lower(t[from]) & 31)
        guard initials & 1 << UInt32(bucket) != 0 else { return false }
        let p = text.utf8Start
        outer: for e in Int(starts[bucket])..<Int(starts[bucket + 1]) where Int(entries[e].length) == n {
            let o = Int(entries[e].offset)
            for k in 0..<n where ASCII.lower(t[from + k]) != p[o + k] { continue outer }
            return true
        }
        return false
    }
}

/// Street-address vocabulary: street types, units, places and the words that rule a match out.
enum StreetVocabulary {
    /// English street types, written after the name: "221B Baker Street", "1 Main St"; every USPS suffix (Publication 28,
    /// C1) but Route, Track and Flat, which label numbers ("Route 66", "Flat 3"), and Rue (see `frenchTypes`).
    static let englishTypes = WordSet("""
        street st avenue ave av road rd boulevard blvd lane ln drive dr court ct place pl square sq terrace ter terr way \
        crescent cres close parkway pkwy highway hwy circle cir trail trl row mews gardens gdns grove hill loop alley plaza \
        walk expressway expy freeway fwy turnpike pike ridge rise wharf quay broadway heights hts causeway cswy \
        curve crossing xing estates falls harbor harbour haven hollow junction knoll landing manor meadow meadows mill \
        mission orchard oval pass pines plains point port prairie ranch river shore shores spring springs summit trace \
        valley view village vista ville glen creek cove park isle island lake lakes brook fork forks bypass esplanade \
        embankment parade promenade salai marg nagar \
        anex annex arcade bayou bend bluff bluffs branch burg crest crossroad dale divide estate extension ext ferry \
        flats ford fords forge forges glens greens groves harbors hills inlet knolls lodge manors mills motorway neck \
        overpass parkways passage plain radial ramp rapids ridges shoal shoals skyway spur stravenue throughway \
        trafficway underpass valleys viaduct villages center ctr commons corner course field forest fort key mall \
        mount mountain station sta stream tunnel union cmn cor crk ct cts cv dl est frk frst hbr hl hls holw inlt jct \
        knl lk lndg mdw mdws ml mnr mt mtn pkwy pln plz pne pnes pr prt psge pt rdg riv rnch shr smt spg spgs sqs \
        sta trce trak trfy vis vly vw vws vlg \
        beach bottom bridge brooks burgs camp canyon cape circles cliff club common crossroads dam drives fall garden \
        gateway green land light loaf lock path pine rapid rest run trailer wall well
        """)

    /// USPS plural types ("4821 Smith Ports", "77 Oak Ways"): also a headline's count ("100 Easy Ways to …"),
    /// so they need a cue before, something of an address after, or nothing else in the field.
    static let pluralTypes = WordSet("""
        ways points views walks keys lights locks fields parks streets roads squares wells unions mountains islands \
        cliffs centers corners courts coves ports spurs extensions junctions parkways rapids isles
        """)

    /// Type words that count in lower case after a cue ("I live at 5 main street", "my address is 221 baker st"); not
    /// "dr" (a doctor) nor "ct" or "pl", which chat uses for other things.
    static let lowerCaseTypes = WordSet("street avenue road boulevard lane drive st rd ave blvd ln")

    /// Words before a house number that announce an address ("at", "to") and allow a lower-case street.
    static let cues = WordSet("at to on from is address live lives")

    /// Types that also name places or landmarks ("at 5 Central Park", "1 Times Square"): with a one- or two-digit
    /// number they count only with a city, region or postcode after them.
    static let landmarkTypes = WordSet("""
        square sq hill park point view lake lakes island isle village valley mill port landing falls spring springs \
        harbor harbour cove creek brook river shore shores summit pass ranch prairie meadow meadows orchard oval pines \
        plains crossing junction estates manor haven hollow knoll glen vista ville mission trace curve heights ridge \
        rise green walk parade promenade esplanade embankment wharf quay gardens grove \
        bayou bend bluff bluffs branch burg crest dale divide estate ferry flats ford fords forge forges glens greens \
        groves harbors hills inlet knolls lodge manors mills neck plain rapids ridges shoal shoals spur valleys \
        villages center ctr commons corner course field forest fort key mall mount mountain station sta stream tunnel \
        union arcade cmn cor crk cv dl est frk frst hbr hl hls holw inlt jct knl lk lndg mdw mdws ml mnr mt mtn pln \
        plz pne pnes pr prt psge pt rdg riv rnch shr smt spg spgs sqs trce vis vly vw vws vlg \
        beach bottom bridge brooks burgs camp canyon cape circles cliff club common crossroads dam drives fall garden \
        gateway green land light loaf lock path pine rapid rest run trailer wall well
        """)

    /// Types that are a whole street name on their own ("1619 Broadway", "88 Queensway").
    static let selfNamed = WordSet("broadway queensway kingsway")

    /// French types, written after the number: "12 rue de la Paix", "5, avenue Foch"; Welsh ones are written the same
    /// way: "17 Heol y Nant", "4 Ffordd yr Orsaf".
    static let frenchTypes = WordSet("""
        rue avenue av bd boulevard bld chemin place allée allee impasse quai cours route square passage voie sentier \
        esplanade faubourg heol ffordd stryd lôn
        """)

    /// Portuguese, Italian, Spanish and Catalan types, after the number as English writes them ("7 Rua do Carmo").
    static let romanceTypesAfterNumber = WordSet("""
        rua via viale piazza corso strada calle avenida carrer carretera camino paseo travessa largo praça praca alameda
        """)

    /// French types that are also English words: lower case, they need a particle after ("place de la …").
    static let frenchAmbiguous = WordSet("avenue av place route square passage cours voie")

    /// Those of them that English does not put between a number and a capitalised name: "98 avenue Victor Hugo".
    static let frenchNamedDirectly = WordSet("avenue place cours")

    /// Types written before the name, the number last: "Calle Mayor 12", "Via Roma 10", "ul. Marszałkowska 10".
    static let prefixTypes = WordSet("""
        calle c/ avenida avda av paseo plaza ronda carrera camino carretera travesía travesia rua travessa largo praça \
        praca alameda estrada via viale piazza piazzale corso vicolo strada ul ulica rue avenue boulevard chaussée platz \
        jalan jl jln soi thanon plac aleja aleje al osiedle os náměstí nám třída tř str bd bdul bulevardul calea sos șos \
        soseaua șoseaua aleea splaiul piata piața
        """)

    /// Street types written before a name that may be a person's ("rue Victor Hugo", "Via Giuseppe Garibaldi", "Jalan
    /// Sudirman"): the name then names the street (PersonNameRecognizer). Words of two letters count only with a full stop.
    static let typesBeforeName = WordSet("""
        rue avenue boulevard bd bld chemin allée allee impasse quai calle avenida avda paseo plaza ronda carrera camino \
        carretera travesía travesia rua travessa largo praça praca alameda estrada via viale piazza piazzale corso vicolo \
        strada ulica ul aleja aleje plac jalan jl jln thanon náměstí nám třída calea bulevardul av
        """)

    /// Institutions and places that languages other than English name before the person they are named after ("aeroporto
    /// Leonardo da Vinci", "stadio Giuseppe Meazza", "lycée Victor-Hugo", "Haltestelle Konrad-Adenauer-Platz"). English
    /// puts the word after the name ("Kennedy Airport"), and before a name it is a clause's end ("at the hospital Maria …").
    static let placesBeforeName = WordSet("""
        hôpital ospedale klinikum aeroporto aeropuerto aéroport flughafen stadio estadio stade stadion lycée collège école liceo \
        scuola escuela colegio instituto istituto universidad università universidade université museo musée museu teatro \
        théâtre ponte puente pont parco parque parc estação estación stazione gare haltestelle bahnhof
        """)

    /// Colombian way types before a way number and "# 10-34": "Calle 72 # 10-34", "Cra. 7 No. 32-16", "Av. Calle 26 # 68-35".
    static let colombianTypes = WordSet("calle cl carrera cra kr cr transversal tv diagonal dg avenida av ak ac")

    /// Words before a plot's or a unit's number, then a comma and the street: "House 12, Road 5", "Plot 45, Admiralty
    /// Way", "Shop 12, Moi Avenue", "Unit 1802, One Serendra, 11th Avenue".
    static let plotWords = WordSet("house plot flat villa bungalow shop unit apartment apt suite stall lot")
    /// Of those, the words that also number a syllabus's chapters or an auction's items ("Unit 6, Silk Road", "Lot 17,
    /// Abbey Road"): after them the street must lead on to a city, region or postcode.
    static let unitWords = WordSet("shop unit apartment apt suite stall lot")
    /// Vietnamese wards, districts and communes, as written after a street with no type word ("128 Nguyễn Trãi, Quận 1",
    /// "45 Le Loi, Phuong Ben Thanh"); "ward" and "district" (English) only before a number.
    static let vietnameseUnits = WordSet("phường phuong quận quan huyện huyen xã xa p q")
    /// Eircode's 139 routing keys (the first three characters), each as its three bytes in one integer.
    static let eircodeRoutingKeys: Set<Int> = Set("""
        A41 A42 A45 A63 A67 A75 A81 A82 A83 A84 A85 A86 A91 A92 A94 A96 A98 C15 D01 D02 D03 D04 D05 D06 D07 D08 D09 \
        D10 D11 D12 D13 D14 D15 D16 D17 D18 D20 D22 D24 D6W E21 E25 E32 E34 E41 E45 E53 E91 F12 F23 F26 F28 F31 F35 \
        F42 F45 F52 F56 F91 F92 F93 F94 H12 H14 H16 H18 H23 H53 H54 H62 H65 H71 H91 K32 K34 K36 K45 K56 K67 K78 N37 \
        N39 N41 N91 P12 P14 P17 P24 P25 P31 P32 P36 P43 P47 P51 P56 P61 P67 P72 P75 P81 P85 R14 R21 R32 R35 R42 R45 \
        R51 R56 R93 R95 T12 T23 T34 T45 T56 V14 V15 V23 V31 V35 V42 V92 V93 V94 V95 W12 W23 W34 W91 X35 X42 X91 Y14 \
        Y21 Y25 Y34 Y35
        """.split(separator: " ").map { key in key.utf8.reduce(0) { $0 << 8 | Int($1) } })

    /// "Số 10 Hàng Bài", "Nhà 12 …", "Tại 45 …": number, house and "at", written before a Vietnamese house number.
    static let vietnameseLeads = WordSet("số so nhà nha tại tai")
    static let numberedUnits = WordSet("ward district")

    /// Ways known by a number after the plot: "House 12, Road 5", "House No. 12, Street 5", "Plot 7, Sector 4".
    static let numberedWays = WordSet("street road lane block sector avenue")

    /// Prefix types that are common English words: they count only capitalised or abbreviated (a dot or slash after).
    static let prefixNeedsCapital = WordSet("avenue boulevard plaza av ul largo ronda carrera plac aleja aleje osiedle")

    /// Prefix types that count only abbreviated, with their full stop: "ul. Marszałkowska 10", "al. Jerozolimskie 65",
    /// "os. Tysiąclecia 5", "nám. Míru 9" ("al" alone is an Arabic article: "Al Hassan 5").
    static let prefixNeedsDot = WordSet("ul al os nám tř str bd sos șos")

    /// German, Dutch, Nordic and Finnish suffixes: "Hauptstraße 5", "Keizersgracht 263", "Drottninggatan 3", "Nørrebrogade 10",
    /// "Aleksanterinkatu 52", "Mannerheimintie 10" (Finnish "tie" only after the genitive's n: not "Bowtie 5").
    static let suffixes = WordSet("""
        straße strasse str weg platz gasse allee damm ufer chaussee steig pfad straat laan gracht plein kade singel dijk \
        gatan vägen vagen gränd vej veien vegen gata torget katu ntie kuja polku kaari
        """)

    /// Separate German/Dutch type words after a capitalised name: "Berliner Str. 12", "Lange Laan 4".
    /// Turkish ones too: "Atatürk Cad. No: 45", "Bağdat Caddesi No 200", "Gül Sok. 7".
    static let separateTypes = WordSet("""
        straße strasse str weg platz allee gasse ring damm ufer chaussee laan straat plein cad cadde caddesi sok sk sokak \
        sokağı bulvar bulvarı pr prospekt pereulok per ulitsa shosse naberezhnaya bulvar
        """)

    /// Separate types that may carry a full stop: "Hauptstr. 5", "Atatürk Cad. No: 45", "Gül Sok. 7".
    static let abbreviatedSeparateTypes = WordSet("str cad sok sk pr per")

    /// Cities of countries with four-digit postcodes (Belgium, Switzerland, Denmark, Norway, Austria, Luxembourg): a code
    /// that reads as a year before them still marks an address ("Meir 78, 2000 Antwerpen").
    static let fourDigitPostcodeCities = WordSet("""
        antwerpen antwerp anvers bruxelles brussel brussels gent ghent gand liège liege luik leuven brugge bruges \
        namur charleroi mechelen hasselt kortrijk zürich zurich genève geneve geneva bern berne basel lausanne luzern \
        lucerne lugano winterthur biel fribourg neuchâtel københavn kobenhavn copenhagen aarhus odense aalborg esbjerg \
        frederiksberg oslo bergen trondheim stavanger drammen wien vienna graz linz salzburg innsbruck klagenfurt \
        villach luxembourg esch
        """)

    /// Cities whose five-digit postcode after them marks an address: "Seoul 06236", "Bangkok 10110", "Jakarta 10210".
    static let fiveDigitPostcodeCities = WordSet("""
        seoul busan incheon daegu daejeon gwangju ulsan bangkok jakarta surabaya bandung medan
        """)

    /// Nordic and Hungarian types written as a separate lower-case word: "Karl Johans gata 1", "Strandvejen vej 3",
    /// "Kungs väg 2", "Váci utca 12", "Andrássy út 60", "Kossuth Lajos tér 1".
    static let lowerCaseSeparateTypes = WordSet("""
        gata gatan vei veien vej gade väg vägen utca út tér körút prospekt pereulok ulitsa pr per náměstí namesti nábřeží nabrezi \
        námestie namestie nábrežie nabrezie
        """)

    /// Flats, doors and boxes after a European house number, each with its number ("bus 2", "Whg. 7", "Top 4", "apto 503").
    static let europeanUnits = WordSet("""
        bus bte boîte boite whg wohnung app appt apto apt ap dpto depto piso pta puerta esc int interno scala top stiege tür tur \
        lgh lok byt m scala esc escalera piano
        """)

    /// Units that stand alone after the house number: "r/c" (Portuguese ground floor), "bajo", "EG", "st" (Danish stuen).
    static let unitsAlone = WordSet("r/c rc bajo eg rdc st")

    /// Floor words after an ordinal ("3. patro", "2. OG", "3º andar", "1er étage", "2. Stock", "4. sal").
    /// Danish floors name the side after the ordinal: "2. tv" (left), "3. th" (right), "1. mf" (middle).
    static let floorWords = WordSet("patro podlaží og stock etage étage piso andar planta sal piętro pietro floor tv th mf")

    /// Norwegian "gate" after a name in the genitive ("Karl Johans gate 22", "Dronningens gate 5"): an airport's
    /// "Gate 22" or "the departure gate 22" has no such name before it.
    static let genitiveTypes = WordSet("gate")

    /// Particles inside Romance street names ("Avenida de Mayo", "rue de la Paix").
    static let particles = WordSet("de del la las los le les di della delle dei degli do da dos das du des d l y yr e el der dem den")

    /// Words after which a number is a label, a quantity or a year, not a house number.
    static let labels = WordSet("""
        room rm building bldg floor fl level lvl chapter ch section sec sect part step page pg p version ver v figure fig \
        table tab article art rule item season episode ep vol volume track route rte highway hwy interstate exit gate \
        platform line bus flight phase stage grade class day week year top ward bed the a an about approximately over \
        under than only just all those these another every per x times score scored beat won lost lap mile miles km \
        minute hour game round match tier size model type lot batch order invoice ticket case issue bug pr ref id code \
        port channel pin count total sum
        """)

    /// Capitalised words that make a Title Case phrase, not a street name ("5 Ways To Walk").
    static let notNames = WordSet("""
        to of and on in for a an with at by is are the your my our from into best top ways things tips reasons steps \
        days hours hour minutes years weeks months miles people items stars star percent points km more less other \
        different
        """)

    /// Lower-case words that may follow a street ("12 Oak Street and …", "73 Carrow Road doesn't"); any other lower-case
    /// word rules it out.
    static let followers = WordSet("""
        in and or near is was has had for since but with to at on where which that then until by from next across \
        opposite behind around before after if so now too as also when while because right please thanks yesterday \
        today tomorrow last this every are were will would should can could may might must not y e en et und im bei \
        i o ist war liegt ligt es est och og na w we wo è a à bis ter quater \
        doesn't isn't wasn't didn't hasn't hadn't aren't weren't couldn't wouldn't shouldn't won't can't \
        doesn’t isn’t wasn’t didn’t hasn’t hadn’t aren’t weren’t couldn’t wouldn’t shouldn’t won’t can’t still never always already just
        """)

    /// Verbs that make the street the subject of a clause ("42 Maple Street opens at nine", "… needs a new roof"):
    /// present and irregular past forms; regular past forms are told by their "-ed" (`PostalAddressRecognizer.isVerb`).
    /// No plural-looking noun ("houses", "hosts", "shops"): "3 Main Street shops" is prose about shops.
    static let verbs = WordSet("""
        opens closes sits stands stood lies lay looks needs gets got goes go went runs ran remains faces belongs sold \
        sells became becomes seems appears stays leaks lacks shows borders overlooks hit caught fell took gave \
        does did will
        """)

    /// Words in "-ed" that are not past forms: "12 Oak Lane speed bumps".
    static let notPastForms = WordSet("speed breed creed greed hundred kindred seabed flowerbed")

    /// Units inside an address: "Apt 4B", "Suite 200", "Flat 3"; Singapore's blocks ("Blk 123 Ang Mo Kio Avenue 3").
    static let units = WordSet("apt apartment suite ste unit flat fl floor bldg building dept m lok blk block")

    /// Number signs between a street and its number: "Rua das Flores, nº 123", "Hauptstraße Nr. 5".
    static let numberSigns = WordSet("nº n° no nr núm num d dom")

    static let directions = WordSet("n s e w ne nw se sw north south east west")

    /// US states and territories, Canadian provinces, Australian states (upper case in text).
    static let regions = WordSet("""
        al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny nc nd oh ok or \
        pa ri sc sd tn tx ut vt va wa wv wi wy pr gu vi on qc bc ab mb sk ns nb nl pe yt nt nu nsw vic qld sa tas act
        """)

    /// US military mail (USPS Publication 28, 225): "PSC 4115, Box 7815, APO AA 41538", "USNS Harper, FPO AE 70561".
    static let militaryPostOffices = WordSet("apo fpo dpo")
    static let militaryRegions = WordSet("aa ae ap")

    static let australianStates = WordSet("nsw vic qld sa wa tas act nt")

    /// Cities whose postcode (an Indian PIN, a Japanese code) marks an address on its own: "Mumbai 400001".
    static let postcodeCities = WordSet("""
        mumbai delhi bangalore bengaluru chennai kolkata hyderabad pune ahmedabad jaipur lucknow kanpur nagpur indore \
        bhopal patna surat vadodara coimbatore kochi chandigarh gurgaon gurugram noida ghaziabad mysore mysuru agra \
        varanasi thiruvananthapuram visakhapatnam tokyo osaka kyoto yokohama nagoya sapporo fukuoka kobe kawasaki \
        saitama hiroshima sendai chiba
        """)

    /// Indian states and union territories (the last word of two-word names), whose six-digit PIN after them marks an
    /// address as a city's does: "Gurugram, Haryana 122015", "Noida, Uttar Pradesh 201301".
    static let indianStates = WordSet("""
        pradesh nadu bengal haryana telangana maharashtra karnataka kerala gujarat rajasthan punjab bihar odisha orissa \
        assam goa jharkhand chhattisgarh uttarakhand kashmir tripura meghalaya manipur mizoram nagaland sikkim puducherry \
        pondicherry ladakh
        """)

    /// "August 26, 2011": a date, not "Damrak 1, 1012 LG Amsterdam".
    static let months = WordSet("""
        january february march april may june july august september october november december jan feb mar apr jun jul aug \
        sep sept oct nov dec
        """)

    /// Four-digit years in prose ("in 2019 Google Street View …") after these words.
    static let yearCues = WordSet("in since by until from of year during before after circa around")
}
