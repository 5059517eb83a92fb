import ConvergenceCore

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
        case customer
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
        let bytes = Array(key.utf8)
        guard bytes.count <= 128, bytes.allSatisfy(isKeyByte) else { return nil }
        if key.hasPrefix(adminPrefix) { return validChecksum(bytes.dropFirst(adminPrefix.utf8.count)) ? .admin : nil }
        if key.hasPrefix(livePrefix) { return validChecksum(bytes.dropFirst(livePrefix.utf8.count)) ? .live : nil }
        // {tenant_id}_api_{16}: the tenant id may itself contain "_api_", so split from the end.
        let suffixLength = "_api_".utf8.count + tenantRandomLength
        guard bytes.count > suffixLength + 2 else { return nil }
        let tenantPart = bytes.dropLast(suffixLength)
        let marker = bytes.dropFirst(tenantPart.count).prefix(5)
        let random = bytes.suffix(tenantRandomLength)
        guard marker.elementsEqual("_api_".utf8), random.allSatisfy(isBase62) else { return nil }
        let tenantID = String(decoding: tenantPart, as: UTF8.self)
        guard TenantID.isWellFormed(tenantID) else { return nil }
        return .tenant(tenantID: tenantID)
    }

    static func validChecksum(_ body: ArraySlice<UInt8>) -> Bool {
        guard body.count == randomLength + checksumLength, body.allSatisfy(isBase62) else { return false }
        let random = body.prefix(randomLength)
        let expected = Base62.encode(UInt64(CRC32.checksum(random)), width: checksumLength)
        return body.suffix(checksumLength).elementsEqual(expected.utf8)
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

import Foundation
