/// Firms and brands named after people ("Morgan Stanley", "Ralph Lauren", "John Lewis", "Macy's"): a name run that is
/// exactly one of these names the firm in nearly every text a customer sends, so it is not reported as a person.
/// Whole runs only: "Morgan" alone, "Ralph Smith" or "Morgan Stanley Jones" stay names. Kept as hashes, folded as the
/// gazetteer folds words (case and apostrophes), so a lookup allocates nothing; it runs only on a run already
/// accepted as a name.
enum EponymousFirms {
    /// The run `b[from..<to]` names one of the firms; `to` excludes a possessive 's, which counts for the
    /// single-word brands that are written with it ("Macy's", "Sainsbury's").
    static func contains(_ b: ASCII.Bytes, _ from: Int, _ to: Int) -> Bool {
        if hashes.contains(NameGazetteer.hash(b, from, to)) { return true }
        guard let possessive = PersonNameRecognizer.possessiveEnd(b, to) else { return false }
        return hashes.contains(NameGazetteer.hash(b, from, possessive))
    }

    static let hashes: Set<UInt64> = {
        var set = Set<UInt64>()
        for name in names.split(separator: "|") {
            let trimmed = name.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            _ = Array(trimmed.utf8).withUnsafeBufferPointer { set.insert(NameGazetteer.hash($0, 0, $0.count)) }
        }
        return set
    }()

    /// Banks, law and accounting firms, retailers, fashion houses, carmakers, food and drink, media: firms whose name is
    /// a person's full name or surnames pair, as they are written in running text.
    static let names = """
        Morgan Stanley| Goldman Sachs| Charles Schwab| Wells Fargo| Merrill Lynch| Dean Witter| Lehman Brothers|\
        Bear Stearns| Salomon Brothers| Brown Brothers Harriman| Lazard Freres| Fidelity Investments|\
        Franklin Templeton| T. Rowe Price| Piper Sandler| Stifel Nicolaus| Baker McKenzie| Clifford Chance|\
        Herbert Smith Freehills| Norton Rose Fulbright| Hogan Lovells| Eversheds Sutherland| Pinsent Masons|\
        Arthur Andersen| Price Waterhouse| Grant Thornton| Baker Tilly| Booz Allen| Booz Allen Hamilton| Oliver Wyman|\
        Roland Berger| Korn Ferry| Russell Reynolds| Harvey Nichols| Ted Baker| Vivienne Westwood| Alexander McQueen|\
        Stella McCartney| Ralph Lauren| Tommy Hilfiger| Calvin Klein| Michael Kors| Kate Spade| Tory Burch| Vera Wang|\
        Tom Ford| Marc Jacobs| Donna Karan| Anne Klein| Kenneth Cole| Steve Madden| Jimmy Choo| Manolo Blahnik|\
        Christian Louboutin| Christian Dior| Yves Saint Laurent| Louis Vuitton| Hugo Boss| Giorgio Armani|\
        Emporio Armani| Salvatore Ferragamo| Ermenegildo Zegna| Oscar de la Renta| Carolina Herrera|\
        Jean Paul Gaultier| Karl Lagerfeld| Coco Chanel| Estee Lauder| Elizabeth Arden| Helena Rubinstein| Max Factor|\
        Dr. Martens| Doc Martens| Levi Strauss| Eddie Bauer| Lands End| Tommy Bahama| Perry Ellis| Brooks Brothers|\
        Ben Sherman| Fred Perry| Harley Davidson| Rolls Royce| Aston Martin| Alfa Romeo| Mercedes Benz| Enzo Ferrari|\
        John Deere| Walter Knoll| Betty Crocker| Sara Lee| Marie Callender| Jack Daniel's| Jim Beam| Johnnie Walker|\
        Ronald McDonald| Colonel Sanders| Papa John's| Little Caesars| Tim Hortons| Dunkin Donuts| Wendy's| Arby's|\
        Denny's| Macy's| Kohl's| Dillard's| Sainsbury's| Trader Joe's| Kellogg's| Hershey's| Campbell's| Walt Disney|\
        Warner Brothers| Warner Bros| Houghton Mifflin| Harper Collins| HarperCollins| Penguin Random House|\
        Hargreaves Lansdown| St. James's Place| Jones Lang LaSalle| Knight Frank| Coldwell Banker| Sotheby's|\
        Christie's| Eli Lilly| Bristol Myers Squibb| Dow Jones| Moody's| Thomson Reuters| Pitney Bowes|\
        Hewlett Packard| Wolters Kluwer| Lockheed Martin| Northrop Grumman| Rolls-Royce| Baker Hughes| Ritz Carlton| Ritz-Carlton|\
        Estée Lauder| Mercedes-Benz| Harley-Davidson| J.P. Morgan| J. P. Morgan| JP Morgan| Kiehl's| Patek Philippe|\
        Audemars Piguet| Vacheron Constantin| Van Cleef| Charles Tyrwhitt| Albert Heijn| D.R. Horton| A.C. Moore| R.J. Reynolds| J.C. Penney|\
        P.F. Chang's| J.B. Hunt| H.J. Heinz| S.C. Johnson| A.G. Edwards| L.L. Bean| T.J. Maxx| J.M. Smucker| J.D. Power|\
        H.B. Fuller| A.O. Smith| W.R. Grace| W.W. Grainger| C.H. Robinson| D.E. Shaw| Dr. Oetker| Dr Oetker| Giovanni Rana|\
        Philips Hue| Edward Jones| Raymond James| Jones Day| John Hancock| Johnson Controls| Johnson Matthey| Dr Pepper|\
        Dr. Pepper| Baskin Robbins| Charles River| Marks and Spencer
        """
}
