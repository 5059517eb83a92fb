import ConvergenceCore
import Foundation

/// Master keys for credentials at rest. Text form, from `CONVERGENCE_MASTER_KEY`
/// or `master_key_file`: one or more `key_id:base64(32 bytes)` entries separated
/// by newlines or commas. The first encrypts; all decrypt, so a key can be
/// rotated by putting the new one first and re-encrypting at leisure.
public struct MasterKeyring: Sendable {
    public struct Key: Sendable {
        public let id: String
        let bytes: [UInt8]
    }

    public let keys: [Key]

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case malformed(entry: Int)
        case duplicateID(String)

        public var description: String {
            switch self {
            case .empty: "no master key given"
            case .malformed(let entry): "master key entry \(entry) is not key_id:base64-of-32-bytes"
            case .duplicateID(let id): "master key id \(id) appears twice"
            }
        }
    }

    public init(text: String) throws(Problem) {
        var keys: [Key] = []
        let entries = text.split(whereSeparator: { $0 == "\n" || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        for (index, entry) in entries.enumerated() {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, TenantID.isWellFormed(String(parts[0])) || parts[0].count >= 1,
                  parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }),
                  let data = Data(base64Encoded: String(parts[1])), data.count == 32
            else { throw .malformed(entry: index + 1) }
            let id = String(parts[0])
            if keys.contains(where: { $0.id == id }) { throw .duplicateID(id) }
            keys.append(Key(id: id, bytes: [UInt8](data)))
        }
        guard !keys.isEmpty else { throw .empty }
        self.keys = keys
    }

    public var active: Key { keys[0] }

    public func key(id: String) -> Key? { keys.first { $0.id == id } }

    /// Encrypts under the active key; `context` (e.g. tenant and provider) is bound
    /// as associated data so a ciphertext cannot be moved to another row.
    public func seal(_ plaintext: [UInt8], context: String) throws(AESGCM.Failure) -> (keyID: String, sealed: AESGCM.Sealed) {
        (active.id, try AESGCM.seal(plaintext, key: active.bytes, associatedData: Array(context.utf8)))
    }

    public func open(_ sealed: AESGCM.Sealed, keyID: String, context: String) throws(AESGCM.Failure) -> [UInt8] {
        guard let key = key(id: keyID) else { throw AESGCM.Failure(reason: "unknown master key id \(keyID)") }
        return try AESGCM.open(sealed, key: key.bytes, associatedData: Array(context.utf8))
    }

    /// A fresh keyring text (for `convergence admin generate-master-key` and dev setups).
    public static func generateText(id: String = "k1") -> String {
        "\(id):" + Data(SecureRandom.bytes(32)).base64EncodedString()
    }
}
