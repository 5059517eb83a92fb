import ConvergenceCore
import Glibc

/// Request identifiers: nginx's `req_$request_id`, or our own when absent.
public enum RequestIDs {
    public static func generate() -> String { "req_" + SecureRandom.hex(byteCount: 16) }

    /// Accepts an upstream id only if it is short and plain, so it is safe in logs and headers.
    public static func accept(_ value: String) -> String? {
        var value = value
        return value.withUTF8 { accept($0) }
    }

    package static func accept(_ value: UnsafeBufferPointer<UInt8>) -> String? {
        guard (1...128).contains(value.count),
              value.allSatisfy({ $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || ($0 >= 48 && $0 <= 57)
                  || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) })
        else { return nil }
        let hasPrefix = value.count >= 4 && memcmp(value.baseAddress!, "req_", 4) == 0
        return String(unsafeUninitializedCapacity: value.count + (hasPrefix ? 0 : 4)) { out in
            var o = 0
            if !hasPrefix { for byte in "req_".utf8 { out[o] = byte; o += 1 } }
            for byte in value { out[o] = byte; o += 1 }
            return o
        }
    }
}
