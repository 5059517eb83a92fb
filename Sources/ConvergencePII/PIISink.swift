/// Where a finding sits in the scanned bytes: `start..<end`, byte offsets.
public struct PIISpan: Sendable, Equatable, Hashable {
    public let kind: PIIKind
    public let start: Int
    public let end: Int

    public init(kind: PIIKind, start: Int, end: Int) {
        self.kind = kind
        self.start = start
        self.end = end
    }
}

/// What recognisers report to. The check path wants only the set of kinds (a
/// bitmask: nothing allocated, and a recogniser may skip a kind already found);
/// `convergence scan` and tests want every span.
public struct PIISink {
    public private(set) var kinds = PIIKindSet()
    public private(set) var spans: [PIISpan] = []
    public let recordsSpans: Bool

    public init(recordsSpans: Bool) { self.recordsSpans = recordsSpans }

    /// The first four street addresses, kept even when only kinds are collected: a capitalised
    /// street or city inside one ("76 Granville Street") is part of the address, not a person.
    private var addresses = (0, 0, 0, 0, 0, 0, 0, 0)
    private var addressCount = 0

    @inline(__always) public mutating func report(_ kind: PIIKind, _ start: Int, _ end: Int) {
        kinds.insert(kind)
        if recordsSpans { spans.append(PIISpan(kind: kind, start: start, end: end)) }
        if kind == .postalAddress, addressCount < 4 {
            switch addressCount {
            case 0: (addresses.0, addresses.1) = (start, end)
            case 1: (addresses.2, addresses.3) = (start, end)
            case 2: (addresses.4, addresses.5) = (start, end)
            default: (addresses.6, addresses.7) = (start, end)
            }
            addressCount += 1
        }
    }

    /// `start..<end` lies inside a reported street address.
    func isInsideAddress(_ start: Int, _ end: Int) -> Bool {
        guard addressCount > 0 else { return false }
        return withUnsafeBytes(of: addresses) { raw in // the tuple as eight Ints, no array built
            let bounds = raw.bindMemory(to: Int.self)
            for k in 0..<addressCount where bounds[2 * k] <= start && end <= bounds[2 * k + 1] { return true }
            return false
        }
    }

    /// False when only kinds are wanted and `kind` is already known: the recogniser may stop early.
    @inline(__always) public func wants(_ kind: PIIKind) -> Bool { recordsSpans || !kinds.contains(kind) }
}
