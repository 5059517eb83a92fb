import CConvergenceSys
import COpenSSL

/// SHA-256, all of it through one C function (`cv_sha256`: OpenSSL's direct
/// SHA-256 functions). The EVP interface costs more in provider dispatch and
/// context setup than hashing an API key does.
public enum SHA256 {
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            cv_sha256(bytes.baseAddress, bytes.count, out.baseAddress!)
            count = 32
        }
    }

    public static func digest<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable({ digest(UnsafeRawBufferPointer($0)) }) { return digest }
        return Array(bytes).withUnsafeBytes { digest($0) }
    }

    public static func digest(_ text: String) -> [UInt8] {
        text.withUTF8Bytes { digest(UnsafeRawBufferPointer($0)) }
    }

    /// A SHA-256 value held inline (no allocation): a dictionary key that hashes
    /// one word (the bits are uniformly distributed already) and compares four.
    public struct Digest: Hashable, Sendable {
        let words: (UInt64, UInt64, UInt64, UInt64)

        /// From 32 bytes; shorter input is zero-padded (tests), longer is cut.
        public init(_ bytes: [UInt8]) {
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &words) { out in
                bytes.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(32))) }
            }
            self.words = words
        }

        init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

        public var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }

        public func hash(into hasher: inout Hasher) { hasher.combine(words.0) }

        public static func == (a: Digest, b: Digest) -> Bool { a.matches(b) }

        /// Equal, in time that does not depend on where the values differ.
        public func matches(_ other: Digest) -> Bool {
            ((words.0 ^ other.words.0) | (words.1 ^ other.words.1) | (words.2 ^ other.words.2) | (words.3 ^ other.words.3)) == 0
        }
    }

    /// The digest held inline, without an allocation (keys on the request path).
    public static func digestInline(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { out in
            cv_sha256(bytes.baseAddress, bytes.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return Digest(words: words)
    }

    public static func digestInline(_ text: String) -> Digest {
        text.withUTF8Bytes { digestInline(UnsafeRawBufferPointer($0)) }
    }
}

/// Comparison whose time does not depend on where the inputs differ.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { ra in b.withUnsafeBytes { rb in CRYPTO_memcmp(ra.baseAddress, rb.baseAddress, a.count) == 0 } }
}

/// AES-256-GCM (OpenSSL EVP) with a random 96-bit nonce per message.
public enum AESGCM {
    public struct Sealed: Sendable, Equatable {
        public let nonce: [UInt8]
        /// Ciphertext followed by the 16-byte tag.
        public let ciphertext: [UInt8]

        public init(nonce: [UInt8], ciphertext: [UInt8]) {
            self.nonce = nonce
            self.ciphertext = ciphertext
        }
    }

    public struct Failure: Error, Equatable {
        public let reason: String
        public init(reason: String) { self.reason = reason }
    }

    public static func seal(_ plaintext: [UInt8], key: [UInt8], associatedData: [UInt8] = []) throws(Failure) -> Sealed {
        guard key.count == 32 else { throw Failure(reason: "key must be 32 bytes") }
        let nonce = SecureRandom.bytes(12)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw Failure(reason: "no cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var length: Int32 = 0
        var total = 0
        guard EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1 else { throw Failure(reason: "init failed") }
        if !associatedData.isEmpty {
            guard EVP_EncryptUpdate(ctx, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                throw Failure(reason: "aad failed")
            }
        }
        let ok = out.withUnsafeMutableBufferPointer { buffer -> Bool in
            if !plaintext.isEmpty {
                guard EVP_EncryptUpdate(ctx, buffer.baseAddress, &length, plaintext, Int32(plaintext.count)) == 1 else { return false }
                total = Int(length)
            }
            guard EVP_EncryptFinal_ex(ctx, buffer.baseAddress! + total, &length) == 1 else { return false }
            total += Int(length)
            return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, buffer.baseAddress! + total) == 1
        }
        guard ok else { throw Failure(reason: "encryption failed") }
        return Sealed(nonce: nonce, ciphertext: Array(out[0..<(total + 16)]))
    }

    public static func open(_ sealed: Sealed, key: [UInt8], associatedData: [UInt8] = []) throws(Failure) -> [UInt8] {
        guard key.count == 32 else { throw Failure(reason: "key must be 32 bytes") }
        guard sealed.nonce.count == 12, sealed.ciphertext.count >= 16 else { throw Failure(reason: "malformed ciphertext") }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw Failure(reason: "no cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let body = Array(sealed.ciphertext.dropLast(16))
        var tag = Array(sealed.ciphertext.suffix(16))
        var out = [UInt8](repeating: 0, count: body.count + 16)
        var length: Int32 = 0
        var total = 0
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, sealed.nonce) == 1 else { throw Failure(reason: "init failed") }
        if !associatedData.isEmpty {
            guard EVP_DecryptUpdate(ctx, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                throw Failure(reason: "aad failed")
            }
        }
        let ok = out.withUnsafeMutableBufferPointer { buffer -> Bool in
            if !body.isEmpty {
                guard EVP_DecryptUpdate(ctx, buffer.baseAddress, &length, body, Int32(body.count)) == 1 else { return false }
                total = Int(length)
            }
            guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1 else { return false }
            guard EVP_DecryptFinal_ex(ctx, buffer.baseAddress! + total, &length) == 1 else { return false }
            total += Int(length)
            return true
        }
        guard ok else { throw Failure(reason: "authentication failed (wrong key or tampered data)") }
        return Array(out[0..<total])
    }
}

/// Base62 text from the CSPRNG, without modulo bias (rejection sampling).
public enum Base62 {
    public static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    public static func random(_ count: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            for byte in SecureRandom.bytes(count * 2) where byte < 248 && out.count < count { // 248 = 4 × 62
                out.append(alphabet[Int(byte % 62)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` as exactly `width` base62 digits (most significant first).
    public static func encode(_ value: UInt64, width: Int) -> String {
        var digits = [UInt8](repeating: alphabet[0], count: width)
        var rest = value
        for i in stride(from: width - 1, through: 0, by: -1) {
            digits[i] = alphabet[Int(rest % 62)]
            rest /= 62
        }
        return String(decoding: digits, as: UTF8.self)
    }
}

/// CRC-32 (IEEE, as zlib's crc32), computed in C (`cv_crc32`, slicing-by-8): key
/// checksums that catch typos without a database round trip, and the audit spool's
/// frame checksums on the request path.
public enum CRC32 {
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(cv_crc32(bytes.baseAddress, UInt(bytes.count)))
    }

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) { return crc }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }
}

public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
