import ConvergenceCore

/// Tenant identifiers double as PostgreSQL schema names, so they are checked
/// strictly: `^[A-Za-z0-9_]{3,50}$`, and never a name PostgreSQL or we use.
public enum TenantID {
    public static let controlSchema = "convergence"

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case malformed
        case reserved
        case keyPrefix

        public var description: String {
            switch self {
            case .malformed: "tenant_id must be 3 to 50 characters of A-Z, a-z, 0-9 and _."
            case .reserved: "This tenant_id is reserved."
            case .keyPrefix: "tenant_id must not begin with sk_ (reserved for API key prefixes)."
            }
        }
    }

    public static func isWellFormed(_ value: String) -> Bool {
        let bytes = value.utf8
        return (3...50).contains(bytes.count) && bytes.allSatisfy { b in
            (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == UInt8(ascii: "_")
        }
    }

    public static func validate(_ value: String) throws(Problem) {
        guard isWellFormed(value) else { throw .malformed }
        let lower = value.lowercased()
        if lower == "public" || lower == "information_schema" || lower == controlSchema || lower.hasPrefix("pg_") {
            throw .reserved
        }
        // A tenant's keys are `{tenant_id}_api_…`: one beginning `sk_live_` or `sk_admin_`
        // would be read as the other kind and never authenticate. The whole `sk_`
        // namespace is kept for key kinds.
        if lower.hasPrefix(keyNamespace) { throw .keyPrefix }
    }

    static let keyNamespace = "sk_"

    /// A tenant id from a display name: lowercase, runs of other characters to
    /// `_`, then a short random suffix (`Acme Inc.` → `acme_inc_23xv2`).
    public static func derive(fromName name: String) -> String {
        var base = ""
        var lastWasSeparator = true
        for scalar in name.lowercased().unicodeScalars {
            if scalar.isASCII, (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) {
                base.unicodeScalars.append(scalar)
                lastWasSeparator = false
            } else if !lastWasSeparator {
                base += "_"
                lastWasSeparator = true
            }
        }
        while base.hasSuffix("_") { base.removeLast() }
        base = String(base.prefix(40))
        if base.count < 2 || base == "pg" || base.hasPrefix("pg_") || base == "public" || base == controlSchema
            || base == "information_schema" || base == "sk" || base.hasPrefix(keyNamespace) {
            base = "tenant" + (base.isEmpty ? "" : "_" + base)
        }
        let suffix = String(Base62.random(16).lowercased().filter { $0.isLetter || $0.isNumber }.prefix(5))
        return "\(base)_\(suffix)"
    }

    /// The schema name as a quoted SQL identifier. Only for validated ids:
    /// identifiers cannot be bound as parameters, so validation is the guard.
    public static func quotedSchema(_ tenantID: String) -> String {
        precondition(isWellFormed(tenantID), "unvalidated tenant id reached SQL")
        return "\"\(tenantID)\""
    }
}
