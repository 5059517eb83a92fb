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

    @inline(__always) public mutating func report(_ kind: PIIKind, _ start: Int, _ end: Int) {
        kinds.insert(kind)
        if recordsSpans { spans.append(PIISpan(kind: kind, start: start, end: end)) }
    }

    /// False when only kinds are wanted and `kind` is already known: the recogniser may stop early.
    @inline(__always) public func wants(_ kind: PIIKind) -> Bool { recordsSpans || !kinds.contains(kind) }
}
