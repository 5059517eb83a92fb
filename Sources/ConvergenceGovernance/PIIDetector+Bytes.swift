// TEMPORARY shim until the allocation-free detector (branch perf-pii) is merged.
public struct PIIKindSet: Sendable, Equatable {
    var bits: UInt8 = 0
    public var isEmpty: Bool { bits == 0 }
    public mutating func insert(_ kind: PIIKind) { bits |= 1 << UInt8(PIIKind.allCases.firstIndex(of: kind)!) }
    public var kinds: [PIIKind] { PIIKind.allCases.sorted().filter { bits & (1 << UInt8(PIIKind.allCases.firstIndex(of: $0)!)) != 0 } }
}

extension PIIDetector {
    public static func kindSet(in bytes: UnsafeBufferPointer<UInt8>) -> PIIKindSet {
        var set = PIIKindSet()
        for kind in kinds(in: String(decoding: bytes, as: UTF8.self)) { set.insert(kind) }
        return set
    }
}
