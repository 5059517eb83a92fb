import ConvergenceCore
import Foundation

/// The keyset position of `GET /logs` pages: the last row's `(created_at, id)`.
///
/// Opaque to clients: base64url of `v1|<created µs>|<uuid>|<scope>` plus a
/// SHA-256 check over it. The scope (who asks and which filters) binds a cursor
/// to its query, so a cursor pasted into another query or edited by hand is
/// refused with 400. It needs no secret: every query re-applies the caller's
/// tenant filter, so even a well-formed forged cursor only moves the start
/// within rows the caller may see anyway.
public struct AuditCursor: Equatable, Sendable {
    public let createdAtMicros: Int64
    public let id: String

    public init(createdAtMicros: Int64, id: String) {
        self.createdAtMicros = createdAtMicros
        self.id = id
    }

    static let checkBytes = 12

    public func encode(scope: String) -> String {
        let body = "v1|\(createdAtMicros)|\(id)"
        var bytes = Array(body.utf8)
        bytes += AuditCursor.check(body, scope: scope)
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// nil when the text is not a cursor this server made for this scope.
    public static func decode(_ text: String, scope: String) -> AuditCursor? {
        guard (1...200).contains(text.utf8.count),
              text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), data.count > checkBytes else { return nil }
        let bytes = [UInt8](data)
        let bodyBytes = Array(bytes[..<(bytes.count - checkBytes)])
        guard let body = String(validatingUTF8CString: bodyBytes) else { return nil }
        guard constantTimeEquals(Array(bytes[(bytes.count - checkBytes)...]), check(body, scope: scope)) else { return nil }
        let parts = body.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let micros = Int64(parts[1]), micros >= 0,
              UUID(uuidString: String(parts[2])) != nil else { return nil }
        return AuditCursor(createdAtMicros: micros, id: String(parts[2]).lowercased())
    }

    static func check(_ body: String, scope: String) -> [UInt8] {
        Array(SHA256.digest(Array("convergence-audit-cursor|\(scope)|\(body)".utf8)).prefix(checkBytes))
    }
}

extension String {
    /// Decodes UTF-8 bytes without a NUL; nil when invalid.
    init?(validatingUTF8CString bytes: [UInt8]) {
        guard !bytes.contains(0), let text = String(bytes: bytes, encoding: .utf8) else { return nil }
        self = text
    }
}
