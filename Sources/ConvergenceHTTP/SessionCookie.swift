/// The dashboard's session cookie (`cv_session`): reading it from a `Cookie` header
/// and writing its `Set-Cookie` lines. Pure, so the attributes are unit-tested.
public enum SessionCookie {
    public static let name = "cv_session"
    /// Tokens are 32 random bytes in lowercase hex; anything else is not ours and is
    /// refused before any lookup.
    public static let tokenLength = 64

    /// `Set-Cookie` for a new session. HttpOnly: page scripts never see the token;
    /// SameSite=Strict: browsers do not send it on cross-site requests at all;
    /// Secure only when the request came over TLS, so plain-HTTP development works.
    public static func set(token: String, maxAgeSeconds: Int, secure: Bool) -> String {
        "\(name)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAgeSeconds)" + (secure ? "; Secure" : "")
    }

    /// `Set-Cookie` that makes the browser drop the cookie at once (sign-out).
    public static func clear(secure: Bool) -> String { set(token: "", maxAgeSeconds: 0, secure: secure) }

    /// The session token in a `Cookie` header (`a=b; cv_session=…`), if one of the right shape is there.
    public static func token(fromCookieHeader header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " || $0 == "\t" }
            guard trimmed.hasPrefix(name + "=") else { continue }
            let value = trimmed.dropFirst(name.utf8.count + 1).prefix { $0 != " " && $0 != "\t" }
            guard value.utf8.count == tokenLength, value.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
                continue
            }
            return String(value)
        }
        return nil
    }
}
