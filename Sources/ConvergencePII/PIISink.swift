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

    /// Empty again, keeping the span array's storage: a walk over many strings reuses one sink
    /// (a new one per string was a call and a copy of this struct each time).
    public mutating func reset() {
        kinds = PIIKindSet()
        if !spans.isEmpty { spans.removeAll(keepingCapacity: true) }
        containerCount = 0
    }

    /// The first spans of the kinds that contain others, kept even when only kinds are
    /// collected (no allocation: a fixed tuple): digits inside an IBAN are the IBAN's, not a
    /// card or a phone; a capitalised street or city inside an address is not a person.
    private var containers = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // (kind, start, end) × 6
    private var containerCount = 0

    @inline(__always) public mutating func report(_ kind: PIIKind, _ start: Int, _ end: Int) {
        switch kind {
        case .paymentCard, .phone, .ssn, .nationalID: if isInside(.iban, start, end) { return }
        case .personName: if isInside(.postalAddress, start, end) { return }
        case .iban, .postalAddress: remember(kind, start, end)
        default: break
        }
        kinds.insert(kind)
        if recordsSpans { spans.append(PIISpan(kind: kind, start: start, end: end)) }
    }

    private mutating func remember(_ kind: PIIKind, _ start: Int, _ end: Int) {
        guard containerCount < 6 else { return }
        let at = containerCount * 3
        withUnsafeMutableBytes(of: &containers) { raw in
            let slots = raw.bindMemory(to: Int.self)
            (slots[at], slots[at + 1], slots[at + 2]) = (kind == .iban ? 0 : 1, start, end)
        }
        containerCount += 1
    }

    /// `start..<end` lies inside a reported span of `container` (an IBAN or a street address).
    func isInside(_ container: PIIKind, _ start: Int, _ end: Int) -> Bool {
        guard containerCount > 0 else { return false }
        let tag = container == .iban ? 0 : 1
        return withUnsafeBytes(of: containers) { raw in
            let slots = raw.bindMemory(to: Int.self)
            for k in 0..<containerCount where slots[3 * k] == tag && slots[3 * k + 1] <= start && end <= slots[3 * k + 2] { return true }
            return false
        }
    }

    /// False when only kinds are wanted and `kind` is already known: the recogniser may stop early.
    @inline(__always) public func wants(_ kind: PIIKind) -> Bool { recordsSpans || !kinds.contains(kind) }
}
