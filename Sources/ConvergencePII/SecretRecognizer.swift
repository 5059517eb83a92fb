/// Credentials that must never reach an external model: private-key blocks,
/// provider tokens with a fixed prefix and shape, JWTs, Convergence's own API
/// keys, `password=…`-style assignments, Authorization headers and URLs that
/// carry a password. Every rule is a strict shape (prefix, length, alphabet) or
/// a credential's key name next to a value that is not a placeholder: a long
/// random-looking string alone (hashes, UUIDs, git SHAs, base64 data) is not flagged.
enum SecretRecognizer {
    typealias Bytes = ASCII.Bytes

    /// Three cheap passes, each only when the text could hold what it looks for.
    static func scan(_ b: Bytes, profile: ByteProfile, into sink: inout PIISink) {
        scanTokens(b, into: &sink)
        guard sink.wants(.secret) else { return }
        if profile.has(ByteProfile.dash) {
            scanPrivateKeyHeaders(b, into: &sink)
            guard sink.wants(.secret) else { return }
        }
        if profile.has(ByteProfile.colon | ByteProfile.equals) {
            scanAssignments(b, into: &sink)
            guard sink.wants(.secret) else { return }
        }
        // "the wifi password is Tiger798!": a token with a digit or a symbol, or a passphrase in double quotes, after a space.
        if profile.has(ByteProfile.space), profile.digits > 0 || profile.has(ByteProfile.at | ByteProfile.symbol | ByteProfile.quote) {
            PasswordPhrase.scan(b, into: &sink)
        }
    }

    /// Every shaped token is a run of 20 token bytes ([A-Za-z0-9_.-]) or more, so a run worth a look holds one of
    /// every 20th byte: sample those, and widen only the samples that land in a token (English words are short).
    static func scanTokens(_ b: Bytes, into sink: inout PIISink) {
        let n = b.count
        var i = 19
        while i < n {
            guard isTokenByte(b[i]) else { i += 20; continue }
            var start = i
            while start > 0, isTokenByte(b[start - 1]) { start -= 1 } // stops at the last sample or run end: linear
            var end = i + 1
            while end < n, isTokenByte(b[end]) { end += 1 }
            if end - start >= 20, let span = token(b, start, end) {
                sink.report(.secret, span.start, span.end)
                if !sink.wants(.secret) { return }
            }
            i = end + 20 // a run starting after `end` and 20 long covers end + 20
        }
    }

    /// A header begins with five dashes, so one of every fifth byte is a dash of it: sample those.
    static func scanPrivateKeyHeaders(_ b: Bytes, into sink: inout PIISink) {
        var k = 4
        while k < b.count {
            guard b[k] == 0x2D else { k += 5; continue }
            var start = k
            while start > 0, k - start < 4, b[start - 1] == 0x2D { start -= 1 }
            if let end = privateKeyHeader(b, start) {
                sink.report(.secret, start, end)
                if !sink.wants(.secret) { return }
                k = end + 4
            } else {
                k += 5
            }
        }
    }

    /// Each '=' or ':' outside a judged value may be `key=value` or `scheme://user:pass@`.
    static func scanAssignments(_ b: Bytes, into sink: inout PIISink) {
        var judgedEnd = 0 // bytes before this belong to a value already judged: their '=' and ':' start nothing
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == 0x3D || c == 0x3A, i >= judgedEnd, let span = assignment(b, i, judgedEnd: &judgedEnd), !isShapedToken(b, span) {
                sink.report(.secret, span.start, span.end)
                if !sink.wants(.secret) { return }
            } else if c == 0x3A, i >= judgedEnd, let span = telegramBotToken(b, i) {
                sink.report(.secret, span.start, span.end)
                if !sink.wants(.secret) { return }
                judgedEnd = span.end
            }
            i += 1
        }
    }

    /// A Telegram bot token around its ':': the bot's id (8–10 digits), then "AA" and 33 base64url bytes.
    static func telegramBotToken(_ b: Bytes, _ colon: Int) -> (start: Int, end: Int)? {
        var s = colon
        while s > 0, colon - s < 10, ASCII.isDigit(b[s - 1]) { s -= 1 }
        let end = colon + 36
        guard colon - s >= 8, s == 0 || !isTokenByte(b[s - 1]), end <= b.count, b[colon + 1] == 0x41, b[colon + 2] == 0x41,
              all(b, colon + 3, end, isBase64URL), end == b.count || !isBase64URL(b[end]) else { return nil }
        return (s, end)
    }

    /// `api_key=ghp_…`: the token scan has reported the value already.
    static func isShapedToken(_ b: Bytes, _ span: (start: Int, end: Int)) -> Bool {
        span.end - span.start >= 20 && all(b, span.start, span.end, isTokenByte) && token(b, span.start, span.end) != nil
    }

    /// [A-Za-z0-9_.-] as two 64-bit masks: the per-byte test is a shift, no table load.
    @inline(__always) static func isTokenByte(_ c: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6000_0000_0000 // '-' 45, '.' 46, '0'...'9' 48...57
        let high: UInt64 = 0x07FF_FFFE_87FF_FFFE // 'A'...'Z' 65...90, '_' 95, 'a'...'z' 97...122
        let mask = c < 64 ? low : (c < 128 ? high : 0)
        return (mask >> UInt64(c & 63)) & 1 != 0
    }

    @inline(__always) static func isBase62(_ c: UInt8) -> Bool { ASCII.isAlnum(c) }
    @inline(__always) static func isBase64URL(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == 0x2D || c == 0x5F }
    /// Key bytes: ASCII identifiers and UTF-8 letters ("contraseña", "hasło").
    @inline(__always) static func isKeyByte(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == 0x5F || c == 0x2D || c == 0x2E || c >= 0x80 }

    static func all(_ t: Bytes, _ from: Int, _ to: Int, _ test: (UInt8) -> Bool) -> Bool {
        guard from <= to, to <= t.count else { return false }
        for k in from..<to where !test(t[k]) { return false }
        return true
    }

    /// Case-sensitive: provider prefixes are exact.
    static func starts(_ t: Bytes, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard t.count >= n else { return false }
        let p = prefix.utf8Start
        for k in 0..<n where t[k] != p[k] { return false }
        return true
    }

    /// A digit, an upper-case and a lower-case letter: what random keys have and slugs or words lack.
    static func mixesClasses(_ t: Bytes, _ from: Int) -> Bool {
        var digit = false, upper = false, lower = false
        for k in from..<t.count {
            let c = t[k]
            digit = digit || ASCII.isDigit(c)
            upper = upper || ASCII.isUpper(c)
            lower = lower || ASCII.isLower(c)
        }
        return digit && upper && lower
    }

    static func hasLetterAndDigit(_ t: Bytes) -> Bool {
        var digit = false, letter = false
        for c in t {
            digit = digit || ASCII.isDigit(c)
            letter = letter || ASCII.isAlpha(c)
        }
        return digit && letter
    }

    // MARK: - Tokens with a known shape

    /// The secret's span in the run `b[start..<runEnd]` (20 bytes or more), or nil.
    static func token(_ b: Bytes, _ start: Int, _ runEnd: Int) -> (start: Int, end: Int)? {
        var s = start
        // A JSON-escaped line break before the token ("…\n-----BEGIN", "\nghp_…") glues an 'n' to it.
        if s > 0, b[s - 1] == 0x5C, b[s] == 0x6E || b[s] == 0x72 || b[s] == 0x74 { s += 1 }
        var e = runEnd
        while e > s, b[e - 1] == 0x2E { e -= 1 } // a sentence's full stop
        guard e > s else { return nil }
        guard e - s >= 20 else { return nil }
        let t = ASCII.slice(b, s, e)
        if isProviderToken(t) || isConvergenceTenantKey(t) { return (s, e) }
        if isWebhookSecret(b, s), hasLetterAndDigit(t) { return (s, e) } // not ".../XXXXXXXXXXXXXXXXXXXXXXXX" in docs
        // `Bearer <opaque token>` in prose or a header dump.
        if s >= 7, ASCII.hasPrefix(b, at: s - 7, "bearer "), hasLetterAndDigit(t) { return (s, e) }
        return nil
    }

    /// The last path segment of a Slack or Discord webhook URL, which is the credential:
    /// `https://hooks.slack.com/services/T…/B…/<secret>`, `https://discord.com/api/webhooks/<id>/<secret>`.
    static func isWebhookSecret(_ b: Bytes, _ s: Int) -> Bool {
        guard s > 0, b[s - 1] == 0x2F else { return false }
        var k = s - 1
        while k > 0, s - k < 96, isTokenByte(b[k - 1]) || b[k - 1] == 0x2F && b[k] != 0x2F { k -= 1 } // stops at "//"
        if b[k] == 0x2F { k += 1 }
        return ASCII.hasPrefix(b, at: k, "hooks.slack.com/services/") || ASCII.hasPrefix(b, at: k, "discord.com/api/webhooks/")
            || ASCII.hasPrefix(b, at: k, "discordapp.com/api/webhooks/")
    }

    static func isProviderToken(_ t: Bytes) -> Bool {
        let n = t.count
        switch t[0] {
        case 0x41: // A: AWS access key ids, Google API keys
            if n == 20, isAWSKeyIDPrefix(t) { return all(t, 4, 20) { ASCII.isUpper($0) || ASCII.isDigit($0) } }
            return n == 39 && starts(t, "AIza") && all(t, 4, 39, isBase64URL)
        case 0x53: // S: Twilio API key SIDs, SendGrid
            if n == 34, t[1] == 0x4B { return all(t, 2, 34, isLowerHex) && hasLetterAndDigit(ASCII.slice(t, 2, 34)) }
            return n == 69 && starts(t, "SG.") && t[25] == 0x2E && all(t, 3, 25, isBase64URL) && all(t, 26, 69, isBase64URL)
        case 0x65: return isJWT(t)
        case 0x67: // g: GitHub, GitLab
            if n == 40, starts(t, "gh"), t[3] == 0x5F, isGitHubKind(t[2]) { return all(t, 4, 40, isBase62) }
            if n == 93, starts(t, "github_pat_") { return all(t, 11, 93) { isBase62($0) || $0 == 0x5F } }
            if n == 56, starts(t, "gsk_") { return all(t, 4, 56, isBase62) && mixesClasses(t, 4) } // Groq
            return starts(t, "glpat-") && n >= 26 && all(t, 6, n) { isBase64URL($0) || $0 == 0x2E }
        case 0x78: // x: Slack bot, user, app … tokens
            let slack = (starts(t, "xox") && t[4] == 0x2D && isSlackKind(t[3])) || starts(t, "xapp-")
            return slack && n >= 24 && all(t, 5, n) { ASCII.isAlnum($0) || $0 == 0x2D } && hasLetterAndDigit(ASCII.slice(t, 5, n))
        case 0x73: // s: Stripe and Convergence (sk_live_, sk_test_), Convergence admin (sk_admin_), OpenAI and Anthropic (sk-)
            if starts(t, "sk_live_") || starts(t, "sk_test_") { return n >= 28 && all(t, 8, n, isBase62) }
            // Convergence admin keys (Sources/ConvergenceIdentity/APIKeyFormat.swift): 26 random base62 + 6 checksum.
            if starts(t, "sk_admin_") { return n == 41 && all(t, 9, 41, isBase62) }
            if n == 38, starts(t, "shp"), t[5] == 0x5F, isShopifyKind(t) { return all(t, 6, 38, isLowerHex) } // Shopify
            if starts(t, "sq0atp-") || starts(t, "sq0csp-") { return n >= 29 && all(t, 7, n, isBase64URL) } // Square
            if n == 50, starts(t, "secret_") { return all(t, 7, 50, isBase62) && mixesClasses(t, 7) } // Notion integrations
            guard starts(t, "sk-") else { return false }
            var body = 3
            if starts(t, "sk-ant-") { body = 7 } else if starts(t, "sk-proj-") { body = 8 }
            return n - body >= 20 && all(t, body, n, isBase64URL) && mixesClasses(t, body)
        case 0x72:
            if n == 40, starts(t, "r8_") { return all(t, 3, 40, isBase62) && mixesClasses(t, 3) }            // Replicate
            return (starts(t, "rk_live_") || starts(t, "rk_test_")) && n >= 28 && all(t, 8, n, isBase62) // Stripe restricted
        case 0x77: return starts(t, "whsec_") && n >= 30 && all(t, 6, n, isBase62)                          // Stripe webhook signing
        case 0x6E: // npm, Notion (ntn_)
            if n >= 46, n <= 60, starts(t, "ntn_") { return all(t, 4, n, isBase62) && mixesClasses(t, 4) }
            return n == 40 && starts(t, "npm_") && all(t, 4, 40, isBase62)
        case 0x6C: return n == 48 && starts(t, "lin_api_") && all(t, 8, 48, isBase62) && mixesClasses(t, 8) // Linear
        case 0x68: return n == 37 && starts(t, "hf_") && all(t, 3, 37, isBase62)                            // Hugging Face
        case 0x70: return n >= 60 && starts(t, "pypi-AgE") && all(t, 5, n, isBase64URL)                     // PyPI (a macaroon)
        case 0x64: // DigitalOcean personal, OAuth and refresh tokens; Databricks personal access tokens
            if n == 36 || n == 38 && t[36] == 0x2D && t[37] == 0x32, starts(t, "dapi") {
                return all(t, 4, 36, isLowerHex) && hasLetterAndDigit(ASCII.slice(t, 4, 36))
            }
            return n == 71 && (starts(t, "dop_v1_") || starts(t, "doo_v1_") || starts(t, "dor_v1_")) && all(t, 7, 71, isLowerHex)
        default: return false
        }
    }

    /// Lower-case hex only: provider tokens print it so (ASCII.isHex takes either case).
    @inline(__always) static func isLowerHex(_ c: UInt8) -> Bool { ASCII.isDigit(c) || c &- 97 < 6 }

    /// shpat_ admin API, shpca_ custom app, shppa_ private app, shpss_ shared secret.
    static func isShopifyKind(_ t: Bytes) -> Bool {
        starts(t, "shpat_") || starts(t, "shpca_") || starts(t, "shppa_") || starts(t, "shpss_")
    }

    /// AKIA (long-term), ASIA (temporary) and the other IAM unique-id prefixes.
    static func isAWSKeyIDPrefix(_ t: Bytes) -> Bool {
        starts(t, "AKIA") || starts(t, "ASIA") || starts(t, "AGPA") || starts(t, "AIDA") || starts(t, "AROA") || starts(t, "AIPA")
            || starts(t, "ANPA") || starts(t, "ANVA") || starts(t, "APKA") || starts(t, "ABIA") || starts(t, "ACCA")
    }

    /// ghp_ personal, gho_ OAuth, ghu_ user-to-server, ghs_ server-to-server, ghr_ refresh.
    static func isGitHubKind(_ c: UInt8) -> Bool { c == 0x70 || c == 0x6F || c == 0x75 || c == 0x73 || c == 0x72 }

    /// xoxb bot, xoxp user, xoxa app, xoxr refresh, xoxs session, xoxe rotating.
    static func isSlackKind(_ c: UInt8) -> Bool { c == 0x62 || c == 0x70 || c == 0x61 || c == 0x72 || c == 0x73 || c == 0x65 }

    /// header.payload.signature, base64url; header and payload are JSON objects, so both begin `eyJ` (`{"`).
    static func isJWT(_ t: Bytes) -> Bool {
        guard starts(t, "eyJ") else { return false }
        var dots = 0, first = 0, second = 0
        for k in 0..<t.count {
            let c = t[k]
            if c == 0x2E {
                dots += 1
                if dots == 1 { first = k } else if dots == 2 { second = k } else { return false }
            } else if !isBase64URL(c) {
                return false
            }
        }
        guard dots == 2, first >= 10, second - first - 1 >= 10, t.count - second - 1 >= 16 else { return false }
        return t[first + 1] == 0x65 && t[first + 2] == 0x79 && t[first + 3] == 0x4A
    }

    /// Convergence onboarding keys (Sources/ConvergenceIdentity/APIKeyFormat.swift, TenantID.swift):
    /// `{tenant_id}_api_` + 16 random base62, the tenant id being [A-Za-z0-9_]{3,50} and never `sk_…`.
    static func isConvergenceTenantKey(_ t: Bytes) -> Bool {
        let n = t.count
        guard n >= 24, n <= 71 else { return false }
        let tenantEnd = n - 21
        guard t[tenantEnd] == 0x5F, t[tenantEnd + 1] == 0x61, t[tenantEnd + 2] == 0x70, t[tenantEnd + 3] == 0x69, t[tenantEnd + 4] == 0x5F,
              all(t, 0, tenantEnd, { isBase62($0) || $0 == 0x5F }), all(t, n - 16, n, isBase62),
              !ASCII.hasPrefix(t, at: 0, "sk_") else { return false }
        return looksRandom(ASCII.slice(t, n - 16, n))
    }

    /// Random base62 switches between digits, upper and lower case about nine times in sixteen
    /// characters; a camelCase identifier (`responseTimeouts`) two or three times.
    static func looksRandom(_ t: Bytes) -> Bool {
        func kind(_ c: UInt8) -> Int { ASCII.isDigit(c) ? 0 : ASCII.isUpper(c) ? 1 : 2 }
        var switches = 0
        for k in 1..<t.count where kind(t[k]) != kind(t[k - 1]) { switches += 1 }
        return switches >= 5
    }

    /// `-----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----`: the end of the header, or nil.
    /// Public keys and certificates are not secrets.
    static func privateKeyHeader(_ b: Bytes, _ s: Int) -> Int? {
        let t = ASCII.slice(b, s, min(b.count, s + 48))
        guard starts(t, "-----BEGIN ") else { return nil }
        var k = 11
        for kind: StaticString in ["RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED ", "PGP "] where starts(ASCII.slice(t, k, t.count), kind) {
            k += kind.utf8CodeUnitCount
            break
        }
        guard starts(ASCII.slice(t, k, t.count), "PRIVATE KEY") else { return nil }
        k += 11
        if starts(ASCII.slice(t, k, t.count), " BLOCK") { k += 6 }
        guard starts(ASCII.slice(t, k, t.count), "-----") else { return nil }
        return s + k + 5
    }

    // MARK: - key = value

    enum Cue { case credential, token, authorization, workingDirectory }

    /// The credential a key names, by how it ends once folded (case, `_`, `-`, `.` ignored): `DB_PASSWORD`,
    /// `client-secret`, `x.api.key` all count; `password_hint`, `tokens` do not. The last letter picks the few
    /// words to compare, so a key that names nothing costs one comparison.
    static func cue(_ b: Bytes, _ from: Int, _ to: Int) -> Cue? {
        var last = to
        while last > from, b[last - 1] == 0x5F || b[last - 1] == 0x2D || b[last - 1] == 0x2E { last -= 1 }
        guard last > from else { return nil }
        switch ASCII.lower(b[last - 1]) {
        case 0x64: // d
            if foldedEnds(b, from, to, "password") || foldedEnds(b, from, to, "passwd") || foldedEnds(b, from, to, "wachtwoord") {
                return .credential
            }
            return foldedEnds(b, from, to, "pwd") ? .workingDirectory : nil
        case 0x65: // e: "mot de passe" is three words, the key scan sees "passe"
            if foldedEnds(b, from, to, "passphrase") { return .credential }
            return last - from == 5 && foldedEnds(b, from, last, "passe") && from >= 7 && ASCII.hasPrefix(b, at: from - 7, "mot de ")
                ? .credential : nil
        case 0x61:
            let key = foldedEnds(b, from, to, "senha") || foldedEnds(b, from, to, "contrasena") || foldedEnds(b, from, to, "contraseña")
            return key ? .credential : nil
        case 0x6F: return foldedEnds(b, from, to, "hasło") || foldedEnds(b, from, to, "haslo") ? .credential : nil
        case 0x73: return last - from == 4 && foldedEnds(b, from, last, "pass") ? .credential : nil // `pass: …`, never `bypass`
        case 0x74: return foldedEnds(b, from, to, "secret") || foldedEnds(b, from, to, "passwort") ? .credential : nil
        case 0x79:
            let key = foldedEnds(b, from, to, "apikey") || foldedEnds(b, from, to, "secretkey") || foldedEnds(b, from, to, "privatekey")
                || foldedEnds(b, from, to, "accesskey") || foldedEnds(b, from, to, "accountkey")
            return key ? .credential : nil
        case 0x6E:
            if foldedEnds(b, from, to, "token") { return .token }
            return foldedEnds(b, from, to, "authorization") ? .authorization : nil
        default: return nil
        }
    }

    /// `b[from..<to]`, lower-cased and without `_`, `-`, `.`, ends with `word`.
    static func foldedEnds(_ b: Bytes, _ from: Int, _ to: Int, _ word: StaticString) -> Bool {
        let w = word.utf8Start
        var k = to, m = word.utf8CodeUnitCount
        while m > 0 {
            while k > from, b[k - 1] == 0x5F || b[k - 1] == 0x2D || b[k - 1] == 0x2E { k -= 1 }
            guard k > from, ASCII.lower(b[k - 1]) == w[m - 1] else { return false }
            k -= 1
            m -= 1
        }
        return true
    }

    /// Where a bare value ends; '&' only after '=' (`?password=x&next=/`), a `key: value` password may hold one.
    static func isValueEnd(_ c: UInt8, afterEquals: Bool) -> Bool {
        c <= 0x20 || c == 0x22 || c == 0x27 || c == 0x2C || c == 0x3B || (c == 0x26 && afterEquals) || c == 0x3C || c == 0x3E
            || c == 0x28 || c == 0x29 || c == 0x5B || c == 0x5D || c == 0x7D || c == 0x60
    }

    /// A credential assignment around the separator `b[sep]` ('=' or ':'): the value's span, or nil.
    /// `judgedEnd` is moved past the value, so its own '=' and ':' start nothing (linear on `a=a=a=…`).
    static func assignment(_ b: Bytes, _ sep: Int, judgedEnd: inout Int) -> (start: Int, end: Int)? {
        let n = b.count
        let next: UInt8 = sep + 1 < n ? b[sep + 1] : 0
        let previous: UInt8 = sep > 0 ? b[sep - 1] : 0
        if b[sep] == 0x3A {
            if next == 0x2F { return urlCredentials(b, sep, judgedEnd: &judgedEnd) }
            if next == 0x3A || previous == 0x3A { return nil } // `::` (C++, IPv6)
        } else if next == 0x3D || next == 0x3E || previous == 0x3D || previous == 0x21 || previous == 0x3C || previous == 0x3E {
            return nil // ==, =>, !=, <=, >=: comparisons and arrows, not assignments
        }
        // The key: optional spaces, an optional closing quote, then up to 48 key bytes.
        var k = sep
        while k > 0, sep - k < 3, b[k - 1] == 0x20 { k -= 1 }
        let spacedBefore = k < sep
        var quotedKey = false
        if k > 0, b[k - 1] == 0x22 || b[k - 1] == 0x27 { k -= 1; quotedKey = true }
        let keyEnd = k
        while k > 0, keyEnd - k < 48, isKeyByte(b[k - 1]) { k -= 1 }
        guard k < keyEnd, k == 0 || !isKeyByte(b[k - 1]), let cue = cue(b, k, keyEnd) else { return nil }
        // The value: optional spaces, then a quoted string or a bare token.
        var v = sep + 1
        while v < n, v - sep <= 3, b[v] == 0x20 || b[v] == 0x09 { v += 1 }
        let spacedAfter = v > sep + 1
        guard v < n else { return nil }
        if cue == .authorization { return authorizationValue(b, v, judgedEnd: &judgedEnd) }
        let quote = b[v]
        let quoted = quote == 0x22 || quote == 0x27
        var start = v, end = v
        if quoted {
            start = v + 1
            end = start
            while end < n, end - start < 256, b[end] != quote { end += 1 }
            judgedEnd = end + 1
            guard end < n, b[end] == quote else { return nil }
        } else {
            while end < n, end - start < 256, !isValueEnd(b[end], afterEquals: b[sep] == 0x3D) { end += 1 }
            judgedEnd = end
            while end > start, b[end - 1] == 0x2E { end -= 1 } // a sentence's full stop
        }
        let value = ASCII.slice(b, start, end)
        guard !value.isEmpty else { return nil }
        switch cue { // the cheap tests first, the placeholder lists last
        case .token:
            guard value.count >= 16, hasLetterAndDigit(value), !hasSpace(value) else { return nil }
        case .workingDirectory: // PWD=/home/…, "pwd: C:\src": a directory
            guard value[0] != 0x7E, !value.contains(0x2F), !value.contains(0x5C), !value.contains(0x3A) else { return nil }
            fallthrough
        default:
            guard !hasSpace(value) else { return nil } // "password": "This field is required."
            // `password: String`, `Password: see below`, `password = hashed`: prose and code. Unquoted values after
            // ':' or a spaced '=' must look like a password (a digit or a symbol); `password=letmein` (env, query) need not.
            // `"x-api-key": key` is code, and JSON would quote a string value.
            let bare = !quoted && (b[sep] == 0x3A || spacedBefore || spacedAfter || quotedKey)
            if bare, !(value.count >= 4 && hasDigitOrSymbol(value)) { return nil }
        }
        return isPlaceholder(value) ? nil : (start, end)
    }

    static func hasSpace(_ t: Bytes) -> Bool {
        for c in t where c == 0x20 || c == 0x09 { return true }
        return false
    }

    /// A digit, or a symbol passwords have and type names do not (`String?`, `Int!` end in theirs).
    static func hasDigitOrSymbol(_ t: Bytes) -> Bool {
        for k in 0..<t.count {
            let c = t[k]
            if ASCII.isDigit(c) || c == 0x23 || c == 0x24 || c == 0x25 || c == 0x2A || c == 0x2B || c == 0x2F || c == 0x3D || c == 0x40
                || c == 0x5E || c == 0x7E || c == 0x26 || (c == 0x21 && k < t.count - 1) { return true }
        }
        return false
    }

    /// Not a credential: empty, masked (`***`, `xxxx`), a template or reference (`<password>`, `${DB_PASS}`, `%s`,
    /// `{{ secret }}`), a literal (`null`, `true`, `changeme`), or an identifier naming one (`user.password`, `API_KEY`).
    static func isPlaceholder(_ v: Bytes) -> Bool {
        guard let first = v.first else { return true }
        if first == 0x3C || first == 0x5B || first == 0x7B || first == 0x24 || first == 0x28 || first == 0x5C { return true }
        // `%s`, `%(password)s`, `%DB_PASS%` are templates; "%iK92D^K4YK7US" is a password that starts with a '%'.
        if first == 0x25, v.count <= 3 || v[1] == 0x28 || v[v.count - 1] == 0x25 { return true }
        var same = true, identifier = true, dotted = false
        for c in v {
            same = same && c == first
            identifier = identifier && (ASCII.isAlpha(c) || c == 0x5F || c == 0x2E || c == 0x2D)
            dotted = dotted || c == 0x2E
        }
        if same, first == 0x2A || first == 0x78 || first == 0x58 || first == 0x2E || first == 0x23 || first == 0x2D || first == 0x3F { return true }
        if v.count >= 3, v[0] == 0xE2, v[1] == 0x80 { return true } // •••
        for k in 0..<v.count where v[k] == 0xE2 && k + 2 < v.count && v[k + 1] == 0x80 && v[k + 2] == 0xA6 { return true } // `acme_api_…`
        if v.count >= 3, v[v.count - 1] == 0x2E, v[v.count - 2] == 0x2E, v[v.count - 3] == 0x2E { return true }
        if v.count <= 11 { // "placeholder", the longest
            let initial = ASCII.lower(first)
            for word in placeholders where word.utf8Start[0] == initial && ASCII.equals(v, 0, v.count, word) { return true }
        }
        guard identifier else { return false }
        if dotted { return true } // self.password, config.db.secret
        for k in 0..<v.count {
            switch ASCII.lower(v[k]) {
            case 0x70: if ASCII.hasPrefix(v, at: k, "passw") || ASCII.hasPrefix(v, at: k, "pwd") { return true }
            case 0x73: if ASCII.hasPrefix(v, at: k, "secret") { return true }
            case 0x74: if ASCII.hasPrefix(v, at: k, "token") { return true }
            case 0x61:
                if ASCII.hasPrefix(v, at: k, "apikey") || ASCII.hasPrefix(v, at: k, "api_key") || ASCII.hasPrefix(v, at: k, "api-key") { return true }
            default: break
            }
        }
        return false
    }

    static let placeholders: [StaticString] = [
        "null", "nil", "none", "undefined", "true", "false", "yes", "no", "on", "off", "empty", "redacted", "removed",
        "hidden", "masked", "secret", "password", "passwd", "pass", "changeme", "change_me", "changeit", "example", "sample",
        "placeholder", "dummy", "todo", "tbd", "n/a", "na", "unset", "required", "optional", "string", "str", "int", "value",
    ]

    /// `Authorization: Bearer <token>`, `Basic <base64>`, `Token <token>` or a bare token.
    static func authorizationValue(_ b: Bytes, _ from: Int, judgedEnd: inout Int) -> (start: Int, end: Int)? {
        let n = b.count
        var v = from
        if b[v] == 0x22 || b[v] == 0x27 { v += 1 }
        var scheme = 0 // 1 bearer/token, 2 basic
        if ASCII.hasPrefix(b, at: v, "bearer ") { scheme = 1; v += 7 } else if ASCII.hasPrefix(b, at: v, "token ") { scheme = 1; v += 6 }
        else if ASCII.hasPrefix(b, at: v, "basic ") { scheme = 2; v += 6 }
        while v < n, b[v] == 0x20 { v += 1 }
        var end = v
        while end < n, end - v < 4096, isCredentialByte(b[end]) { end += 1 }
        judgedEnd = end
        while end > v, b[end - 1] == 0x2E { end -= 1 }
        let value = ASCII.slice(b, v, end)
        switch scheme { // the cheap tests first, the placeholder lists last
        case 1: guard value.count >= 12, hasLetterAndDigit(value) || value.count >= 20 else { return nil }
        case 2:
            guard value.count >= 8, all(value, 0, value.count, { ASCII.isAlnum($0) || $0 == 0x2B || $0 == 0x2F || $0 == 0x3D }) else { return nil }
        default: guard value.count >= 16, hasLetterAndDigit(value) else { return nil }
        }
        return isPlaceholder(value) ? nil : (v, end)
    }

    /// RFC 6750 b64token bytes.
    static func isCredentialByte(_ c: UInt8) -> Bool {
        ASCII.isAlnum(c) || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x7E || c == 0x2B || c == 0x2F || c == 0x3D
    }

    /// `scheme://user:password@host` at the ':' of "://": the `user:password` span when there is a real password.
    static func urlCredentials(_ b: Bytes, _ colon: Int, judgedEnd: inout Int) -> (start: Int, end: Int)? {
        let n = b.count
        guard colon + 2 < n, b[colon + 2] == 0x2F else { return nil }
        var s = colon
        while s > 0, colon - s < 16, ASCII.isAlnum(b[s - 1]) || b[s - 1] == 0x2B || b[s - 1] == 0x2E || b[s - 1] == 0x2D { s -= 1 }
        guard colon - s >= 2, ASCII.isAlpha(b[s]) else { return nil }
        let user = colon + 3
        var k = user, passwordStart = -1
        while k < n, k - user < 256 {
            let c = b[k]
            if c == 0x40 || c <= 0x20 || c == 0x2F || c == 0x3F || c == 0x23 || c == 0x22 || c == 0x27 || c == 0x3C || c == 0x3E { break }
            if c == 0x3A, passwordStart < 0 { passwordStart = k + 1 }
            k += 1
        }
        judgedEnd = k
        guard k + 1 < n, b[k] == 0x40, passwordStart > 0, passwordStart < k, ASCII.isAlnum(b[k + 1]) || b[k + 1] == 0x5B else { return nil }
        let password = ASCII.slice(b, passwordStart, k)
        guard !isPlaceholder(password) else { return nil }
        return (user, k)
    }
}
