/// Names that become file paths or SQL identifiers, checked byte by byte so
/// nothing a client sends can leave `configs/` or the tenant's schema.
public enum PipelineName {
    /// Provider, domain and template names: `^[A-Za-z0-9_-]{1,64}$` (no dots, so no `..`, no `/`).
    public static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        return (1...64).contains(bytes.count) && bytes.allSatisfy { b in
            (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 95 || b == 45
        }
    }
}

/// Table and column names in templates: lowercase `^[a-z_][a-z0-9_]{0,62}$`,
/// so a quoted identifier and the same name written bare in SQL are one object.
public enum SQLIdentifier {
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, (97...122).contains(first) || first == 95 else { return false }
        return bytes.allSatisfy { b in (48...57).contains(b) || (97...122).contains(b) || b == 95 }
    }

    /// `"name"`: only for names that passed `isValid` (identifiers cannot be bound as parameters).
    public static func quoted(_ name: String) -> String {
        precondition(isValid(name), "unvalidated identifier reached SQL")
        return "\"\(name)\""
    }
}

/// A data file under the configured data folder: relative segments of
/// `[A-Za-z0-9_.-]`, none of them `.` or `..`, ending in `.csv`.
public enum DataFilePath {
    public static func isValid(_ path: String) -> Bool {
        guard path.utf8.count <= 255, !path.hasPrefix("/"), path.hasSuffix(".csv") else { return false }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return segments.allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".." && !segment.hasPrefix(".") && segment.utf8.allSatisfy { b in
                (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 95 || b == 45 || b == 46
            }
        }
    }
}
