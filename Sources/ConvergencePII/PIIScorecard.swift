/// Per-kind precision and recall of the detector on labelled strings, shared by
/// LabelledCorpusTests (which asserts the floors) and `convergence-bench pii`
/// (which prints the table). Scores per string and per kind, as the outside
/// evaluation does: a kind found in a string that holds it is a true positive,
/// wherever in the string it was found.
public struct PIIScorecard: Sendable {
    public struct KindScore: Sendable, Equatable {
        public let kind: PIIKind
        public let truePositives: Int
        public let falsePositives: Int
        public let falseNegatives: Int

        /// Strings labelled with the kind.
        public var expected: Int { truePositives + falseNegatives }
        /// Strings the detector flagged with the kind.
        public var found: Int { truePositives + falsePositives }
        /// 1 when nothing was found (no false alarm was raised).
        public var precision: Double { found == 0 ? 1 : Double(truePositives) / Double(found) }
        /// 1 when nothing was expected (nothing was missed).
        public var recall: Double { expected == 0 ? 1 : Double(truePositives) / Double(expected) }
        public var f1: Double {
            let p = precision, r = recall
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
    }

    // Indexed by `PIIKind.allCases` order; fixed size, so `add` allocates nothing.
    private var tp = [Int](repeating: 0, count: PIIKind.allCases.count)
    private var fp = [Int](repeating: 0, count: PIIKind.allCases.count)
    private var fn = [Int](repeating: 0, count: PIIKind.allCases.count)
    public private(set) var rows = 0
    /// Rows whose found set equals the expected set.
    public private(set) var exactRows = 0
    public private(set) var trapRows = 0
    /// Trap rows where a kind was found that the row is not labelled with.
    public private(set) var trapsFlagged = 0

    public init() {}

    public mutating func add(expected: PIIKindSet, found: PIIKindSet, isTrap: Bool) {
        rows += 1
        var spurious = false
        for (index, kind) in PIIKind.allCases.enumerated() {
            switch (expected.contains(kind), found.contains(kind)) {
            case (true, true): tp[index] += 1
            case (false, true): fp[index] += 1; spurious = true
            case (true, false): fn[index] += 1
            case (false, false): break
            }
        }
        if expected == found { exactRows += 1 }
        if isTrap {
            trapRows += 1
            if spurious { trapsFlagged += 1 }
        }
    }

    public func score(_ kind: PIIKind) -> KindScore {
        let index = PIIKind.allCases.firstIndex(of: kind)!
        return KindScore(kind: kind, truePositives: tp[index], falsePositives: fp[index], falseNegatives: fn[index])
    }

    public var scores: [KindScore] { PIIKind.allCases.map(score) }

    /// All kinds pooled (micro average).
    public var total: (truePositives: Int, falsePositives: Int, falseNegatives: Int) {
        (tp.reduce(0, +), fp.reduce(0, +), fn.reduce(0, +))
    }

    /// Share of trap rows that were flagged with a kind they do not hold (0 with no trap rows).
    public var trapsFlaggedRate: Double { trapRows == 0 ? 0 : Double(trapsFlagged) / Double(trapRows) }

    /// A GitHub-flavoured Markdown table: one line per kind, a pooled line, then the trap and exact-match figures.
    public func markdownTable() -> String {
        var out = "| kind | expected | found | TP | FP | FN | precision | recall | F1 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for s in scores {
            out += "| \(s.kind.rawValue) | \(s.expected) | \(s.found) | \(s.truePositives) | \(s.falsePositives) | \(s.falseNegatives) | "
            out += "\(s.found == 0 ? "—" : Self.fixed(s.precision, 3)) | \(s.expected == 0 ? "—" : Self.fixed(s.recall, 3)) | "
            out += "\(s.expected == 0 && s.found == 0 ? "—" : Self.fixed(s.f1, 3)) |\n"
        }
        let t = total
        let pooled = KindScore(kind: .email, truePositives: t.truePositives, falsePositives: t.falsePositives, falseNegatives: t.falseNegatives)
        out += "| **all kinds (micro)** | \(pooled.expected) | \(pooled.found) | \(t.truePositives) | \(t.falsePositives) | \(t.falseNegatives) | "
        out += "\(Self.fixed(pooled.precision, 3)) | \(Self.fixed(pooled.recall, 3)) | \(Self.fixed(pooled.f1, 3)) |\n"
        out += "\n\(rows) strings; found set exactly right on \(exactRows) (\(Self.fixed(Self.ratio(exactRows, rows) * 100, 1)) %); "
        out += "number-shaped traps flagged: \(trapsFlagged) of \(trapRows) (\(Self.fixed(trapsFlaggedRate * 100, 1)) %, target ≤ 3 %)\n"
        return out
    }

    static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    /// `value` with exactly `digits` decimals, rounded half away from zero (no Foundation, so no String(format:)).
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let whole = scaled / scale, fraction = scaled % scale
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        guard digits > 0 else { return text }
        let fractionText = String(fraction)
        text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        return text
    }
}
