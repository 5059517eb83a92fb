/// Kinds of sensitive data the detector recognises. `secret` is not personal
/// data (a credential, not a person) and has its own policy rule, `block_secrets`.
public enum PIIKind: String, Sendable, CaseIterable, Comparable {
    case email
    case phone
    case ssn
    case paymentCard = "payment_card"
    case iban
    case ipAddress = "ip_address"
    case personName = "person_name"
    case postalAddress = "postal_address"
    case dateOfBirth = "date_of_birth"
    case nationalID = "national_id"
    case secret

    /// Personal data: what `block_personal_data` and the `personal_data` factor mean.
    public var isPersonalData: Bool { self != .secret }

    public static func < (a: PIIKind, b: PIIKind) -> Bool { a.rawValue < b.rawValue }
}

/// A set of `PIIKind`s as a bitmask (no allocation to build or test it).
public struct PIIKindSet: Sendable, Equatable, Hashable {
    private var bits: UInt16 = 0

    public init() {}

    public init(_ kinds: some Sequence<PIIKind>) {
        for kind in kinds { insert(kind) }
    }

    public var isEmpty: Bool { bits == 0 }
    public var count: Int { bits.nonzeroBitCount }
    public func contains(_ kind: PIIKind) -> Bool { bits & Self.bit(kind) != 0 }
    public mutating func insert(_ kind: PIIKind) { bits |= Self.bit(kind) }
    public mutating func remove(_ kind: PIIKind) { bits &= ~Self.bit(kind) }
    public mutating func formUnion(_ other: PIIKindSet) { bits |= other.bits }
    public func intersection(_ other: PIIKindSet) -> PIIKindSet {
        var out = PIIKindSet()
        out.bits = bits & other.bits
        return out
    }

    /// Every personal-data kind (all but `secret`).
    public static let personalData = PIIKindSet(PIIKind.allCases.filter(\.isPersonalData))

    /// The members sorted by raw value (the order `PIIDetector.kinds(in:)` reports them in).
    public var kinds: [PIIKind] {
        guard bits != 0 else { return [] }
        var out: [PIIKind] = []
        out.reserveCapacity(bits.nonzeroBitCount)
        for kind in Self.byRawValue where contains(kind) { out.append(kind) }
        return out
    }

    private static let byRawValue: [PIIKind] = PIIKind.allCases.sorted()

    /// One bit per case, by declaration order (a switch: no table lookup on the hot path).
    @inline(__always) private static func bit(_ kind: PIIKind) -> UInt16 {
        switch kind {
        case .email: 1 << 0
        case .phone: 1 << 1
        case .ssn: 1 << 2
        case .paymentCard: 1 << 3
        case .iban: 1 << 4
        case .ipAddress: 1 << 5
        case .personName: 1 << 6
        case .postalAddress: 1 << 7
        case .dateOfBirth: 1 << 8
        case .nationalID: 1 << 9
        case .secret: 1 << 10
        }
    }
}
