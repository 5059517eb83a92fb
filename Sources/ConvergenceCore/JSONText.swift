/// Minimal JSON string escaping for hot paths (logs, precomputed bodies)
/// where going through JSONEncoder would cost an allocation-heavy round trip.
public enum JSONText {
    /// `value` as a quoted JSON string literal.
    public static func quoted(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u00"
                out += hexDigit(scalar.value >> 4)
                out += hexDigit(scalar.value & 0xF)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    private static func hexDigit(_ v: UInt32) -> String {
        String(UnicodeScalar(UInt8(v < 10 ? 48 + v : 87 + v)))
    }
}
