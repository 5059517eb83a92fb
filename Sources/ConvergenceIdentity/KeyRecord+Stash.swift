import ConvergenceCore

/// A key record as bytes, for the shared stash that lets every worker verify a key
/// during a PostgreSQL outage once any worker has read it (`SharedStash`). A private,
/// versioned encoding: the stash lives only as long as one `serve`, whose workers run
/// one binary, but a record that does not decode is simply not used.
extension KeyRecord {
    static let stashVersion: UInt8 = 1

    public var stashed: [UInt8] {
        var out: [UInt8] = [Self.stashVersion]
        func text(_ value: String?) {
            guard let value else { out.append(0); return }
            let bytes = Array(value.utf8.prefix(Int(UInt16.max)))
            out.append(1)
            out.append(UInt8(bytes.count & 0xFF)); out.append(UInt8(bytes.count >> 8))
            out.append(contentsOf: bytes)
        }
        func integer(_ value: Int64?) {
            guard let value else { out.append(0); return }
            out.append(1)
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        text(keyID)
        text(kind.rawValue)
        text(customerID)
        text(tenantID)
        text(tier)
        integer(expiresAt)
        integer(revokedAt)
        integer(rateLimit.map { Int64($0.limit) })
        integer(rateLimit.map { Int64($0.periodSeconds) })
        text(department)
        out.append(UInt8(digest.count))
        out.append(contentsOf: digest)
        return out
    }

    /// The record `stashed` encoded; nil for bytes that are not one.
    public init?(stashed bytes: [UInt8]) {
        var at = 0
        func byte() -> UInt8? {
            guard at < bytes.count else { return nil }
            defer { at += 1 }
            return bytes[at]
        }
        /// .some(nil) for an absent value, nil for malformed bytes.
        func text() -> String?? {
            guard let present = byte() else { return nil }
            if present == 0 { return .some(nil) }
            guard present == 1, let low = byte(), let high = byte() else { return nil }
            let count = Int(low) | Int(high) << 8
            guard at + count <= bytes.count else { return nil }
            defer { at += count }
            return .some(String(decoding: bytes[at..<(at + count)], as: UTF8.self))
        }
        func integer() -> Int64?? {
            guard let present = byte() else { return nil }
            if present == 0 { return .some(nil) }
            guard present == 1, at + 8 <= bytes.count else { return nil }
            var value: Int64 = 0
            for i in 0..<8 { value |= Int64(bytes[at + i]) << (8 * Int64(i)) }
            at += 8
            return .some(value)
        }
        guard byte() == Self.stashVersion,
              let keyID = text() ?? nil, let kindName = text() ?? nil, let kind = APIKeyFormat.Kind(rawValue: kindName),
              let customerID = text(), let tenantID = text(), let tier = text(),
              let expiresAt = integer(), let revokedAt = integer(), let limit = integer(), let period = integer(),
              let department = text(), let digestCount = byte(), at + Int(digestCount) == bytes.count else { return nil }
        let rateLimit = limit.flatMap { limit in period.map { RateLimitRule(limit: Int(limit), periodSeconds: Int($0)) } }
        self.init(keyID: keyID, kind: kind, customerID: customerID, tenantID: tenantID, tier: tier, expiresAt: expiresAt,
                  revokedAt: revokedAt, rateLimit: rateLimit, department: department, digest: Array(bytes[at...]))
    }
}
