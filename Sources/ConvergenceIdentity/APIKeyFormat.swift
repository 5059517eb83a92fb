import ConvergenceCore
import Foundation

/// The shapes of API keys and how a presented key is recognised before any
/// database access.
///
/// * customer keys from `/admin/keys`: `sk_live_` + 26 random base62 + 6-char checksum;
/// * admin keys from `convergence admin create-key`: `sk_admin_` + the same;
/// * onboarding keys (seed 000): `{tenant_id}_api_` + 16 random base62 (95 bits).
///
/// The checksum (CRC-32 of the random part, as GitHub's tokens carry) lets a
/// mistyped or made-up `sk_` key be refused without touching PostgreSQL.
public enum APIKeyFormat {
    public static let livePrefix = "sk_live_"
    public static let adminPrefix = "sk_admin_"
    static let randomLength = 26
    static let checksumLength = 6
    static let tenantRandomLength = 16

    public enum Kind: String, Sendable, Codable, Equatable {
        case admin
        /// An operator key that may read every admin route but change nothing (the dashboard's viewers).
        case adminReadOnly = "admin_read_only"
        case customer

        /// Both admin kinds: same `sk_admin_` format, same routes; only the methods differ.
        public var isAdmin: Bool { self != .customer }
    }

    public static func newLiveKey() -> String { livePrefix + checksummed(Base62.random(randomLength)) }
    public static func newAdminKey() -> String { adminPrefix + checksummed(Base62.random(randomLength)) }
    public static func newTenantKey(tenantID: String) -> String { "\(tenantID)_api_" + Base62.random(tenantRandomLength) }

    static func checksummed(_ random: String) -> String {
        random + Base62.encode(UInt64(CRC32.checksum(random.utf8)), width: checksumLength)
    }

    /// What a presented key claims to be, or nil when it cannot be a key of ours.
    public enum Shape: Equatable {
        case live
        case admin
        case tenant(tenantID: String)
    }

    public static func shape(of key: String) -> Shape? {
        var key = key
        return key.withUTF8(shape(bytes:))
    }

    /// Byte-level: it runs on every authenticated request.
    static func shape(bytes b: UnsafeBufferPointer<UInt8>) -> Shape? {
        guard b.count <= 128, b.allSatisfy(isKeyByte) else { return nil }
        if starts(b, adminPrefix) { return validChecksum(UnsafeBufferPointer(rebasing: b[adminPrefix.utf8.count...])) ? .admin : nil }
        if starts(b, livePrefix) { return validChecksum(UnsafeBufferPointer(rebasing: b[livePrefix.utf8.count...])) ? .live : nil }
        // {tenant_id}_api_{16}: the tenant id may itself contain "_api_", so split from the end.
        let suffixLength = "_api_".utf8.count + tenantRandomLength
        guard b.count > suffixLength + 2 else { return nil }
        let tenantEnd = b.count - suffixLength
        guard starts(UnsafeBufferPointer(rebasing: b[tenantEnd...]), "_api_"),
              b[(tenantEnd + 5)...].allSatisfy(isBase62) else { return nil }
        let tenantID = String(decoding: UnsafeBufferPointer(rebasing: b[..<tenantEnd]), as: UTF8.self)
        guard TenantID.isWellFormed(tenantID) else { return nil }
        return .tenant(tenantID: tenantID)
    }

    static func starts(_ b: UnsafeBufferPointer<UInt8>, _ prefix: String) -> Bool {
        b.count >= prefix.utf8.count && zip(b, prefix.utf8).allSatisfy { $0 == $1 }
    }

    /// The last six characters are the base62 CRC-32 of the 26 before them.
    static func validChecksum(_ body: UnsafeBufferPointer<UInt8>) -> Bool {
        guard body.count == randomLength + checksumLength, body.allSatisfy(isBase62) else { return false }
        var value = UInt64(CRC32.checksum(body[..<randomLength]))
        for i in stride(from: body.count - 1, through: randomLength, by: -1) {
            guard body[i] == Base62.alphabet[Int(value % 62)] else { return false }
            value /= 62
        }
        return true
    }

    static func isBase62(_ b: UInt8) -> Bool { (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) }
    static func isKeyByte(_ b: UInt8) -> Bool { isBase62(b) || b == UInt8(ascii: "_") }

    /// Non-secret display parts: a prefix that names the kind and the last four characters.
    public static func displayParts(of key: String) -> (prefix: String, last4: String) {
        let prefix: String
        if key.hasPrefix(adminPrefix) { prefix = String(key.prefix(adminPrefix.count + 4)) }
        else if key.hasPrefix(livePrefix) { prefix = String(key.prefix(livePrefix.count + 4)) }
        else if let range = key.range(of: "_api_", options: .backwards) { prefix = String(key[..<range.upperBound]) }
        else { prefix = "" }
        return (prefix, String(key.suffix(4)))
    }

    /// Public identifier of a key (safe to log and show).
    public static func newKeyID() -> String { "key_" + SecureRandom.hex(byteCount: 8) }
}
