import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceShared
import ConvergenceStore

/// Who is calling: resolves `Authorization: Bearer …` or `X-API-Key` to a key
/// record, using the thread's cache so the hot path does one SHA-256 and one
/// dictionary lookup; PostgreSQL is asked only on a miss.
package enum Authenticator {
    /// Every failure looks the same to the caller: which part failed is not its business.
    static let invalidKey = APIError(.unauthorized, code: "invalid_api_key", message: "Missing or invalid API key.")

    static func presentedKey(_ request: Request) -> String? {
        guard var value = request.headers["authorization"] else { return request.headers["x-api-key"] } // names arrive lowercased
        // `Bearer <token>`, the scheme in any case; byte-level, as this runs on every request.
        return value.withUTF8 { bytes -> String? in
            let scheme = "bearer".utf8
            guard bytes.count > scheme.count + 1, bytes[scheme.count] == 0x20,
                  zip(bytes, scheme).allSatisfy({ ($0 >= 65 && $0 <= 90 ? $0 + 32 : $0) == $1 }) else { return nil }
            var start = scheme.count + 1
            var end = bytes.count
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }

    /// The caller's key, rate-limited when it is a customer key (every customer-API route comes through here).
    static func authenticate(_ request: Request, _ context: RequestContext) throws(APIError) -> KeyRecord {
        let record = try verify(request, context)
        if record.kind == .customer { try RateLimitGate.admit(record, context) }
        return record
    }

    static func refuse(_ error: APIError, _ context: RequestContext) -> APIError {
        context.metrics.add(MetricFamilies.authFailures, [error.code])
        return error
    }

    package static func verify(_ request: Request, _ context: RequestContext) throws(APIError) -> KeyRecord {
        guard let key = presentedKey(request) else { throw refuse(invalidKey, context) }
        let digest = SHA256.digestInline(key)
        let record: KeyRecord?
        let generation = CacheInvalidation.keysGeneration(context)
        switch context.caches.key(digest, generation: generation, front: &context.cacheFront) {
        case .hit(let cached):
            // Only keys that passed the shape checks below are cached (the digest is of
            // the whole key), so a hit needs neither the checksum nor the tenant test again.
            record = cached
        case .miss:
            guard let shape = APIKeyFormat.shape(of: key) else { throw refuse(invalidKey, context) }
            do {
                record = try context.identity.lookup(digest: digest.bytes).flatMap { found in
                    // A tenant-format key must belong to the tenant its text names.
                    if case .tenant(let tenantID) = shape, found.tenantID != tenantID { return nil }
                    return found
                }
            } catch let error as PostgresError where error.isConnectionFailure {
                // PostgreSQL down: a recently verified key keeps working (KeyCache.staleOnOutageMs).
                guard case .hit(let stale) = context.caches.staleKey(digest) else {
                    context.logger.error("key lookup failed", ["error": .string(String(describing: error))], requestID: request.requestID)
                    throw APIError(.serviceUnavailable, code: "database_unavailable", message: "The key store is unreachable; retry shortly.")
                }
                guard let stale, stale.matches(digest), stale.isUsable(nowMicros: WallClock.unixMicros()) else {
                    throw refuse(invalidKey, context)
                }
                return stale
            } catch {
                context.logger.error("key lookup failed", ["error": .string(String(describing: error))], requestID: request.requestID)
                throw APIError(.serviceUnavailable, code: "database_unavailable", message: "The key store is unreachable; retry shortly.")
            }
            context.caches.storeKey(record, for: digest, generation: generation, front: &context.cacheFront)
        }
        let now = WallClock.unixMicros()
        guard let record, record.matches(digest), record.isUsable(nowMicros: now) else {
            throw refuse(invalidKey, context)
        }
        noteUse(record.keyID, at: now, context)
        return record
    }

    /// An admin key. Checked before any rate limiting: a customer key is refused with 403
    /// without spending a token (admin keys are not rate limited). A read-only admin key
    /// passes only for GET/HEAD: every admin mutation comes through here before it reads
    /// its body, so a refused request changes nothing.
    ///
    /// Without a key header, the dashboard's session cookie stands for the admin key that
    /// signed in; a change made that way must carry `X-Convergence-CSRF: 1` (a cross-site
    /// form cannot), checked before the session is even looked up.
    static func requireAdmin(_ request: Request, _ context: RequestContext) throws(APIError) -> KeyRecord {
        let record: KeyRecord
        if request.headers["authorization"] == nil, request.headers["x-api-key"] == nil,
           let token = SessionCookie.token(fromCookieHeader: request.headers["cookie"]) {
            guard AdminAccess.passesCSRF(method: request.method, csrfHeader: request.headers[AdminAccess.csrfHeader]) else {
                throw refuse(AdminAccess.csrfRefusal, context)
            }
            record = try verifySession(token, request, context)
        } else {
            record = try verify(request, context)
        }
        guard record.kind.isAdmin else {
            throw refuse(APIError(.forbidden, code: "admin_only", message: "This endpoint needs an admin key."), context)
        }
        if record.kind == .adminReadOnly, !AdminAccess.isReadMethod(request.method) {
            throw refuse(AdminAccess.readOnlyRefusal, context)
        }
        return record
    }

    /// The admin key a session cookie's token stands for: the same cache-then-PostgreSQL
    /// path as a key, in a table of its own. The token is only ever hashed, never logged.
    static func verifySession(_ token: String, _ request: Request, _ context: RequestContext) throws(APIError) -> KeyRecord {
        let digest = SHA256.digestInline(token)
        let generation = CacheInvalidation.sessionsGeneration(context)
        let record: KeyRecord?
        switch context.caches.session(digest, generation: generation, front: &context.cacheFront) {
        case .hit(let cached): record = cached
        case .miss:
            do {
                record = try SessionRepository(db: context.database).lookup(digest: digest.bytes)
            } catch let error as PostgresError where error.isConnectionFailure {
                // As for keys: during an outage a session verified in the last minutes keeps working.
                guard case .hit(let stale) = context.caches.staleSession(digest), let stale, stale.matches(digest),
                      stale.isUsable(nowMicros: WallClock.unixMicros()) else {
                    throw APIError(.serviceUnavailable, code: "database_unavailable", message: "The key store is unreachable; retry shortly.")
                }
                return stale
            } catch {
                context.logger.error("session lookup failed", ["error": .string(String(describing: error))], requestID: request.requestID)
                throw APIError(.serviceUnavailable, code: "database_unavailable", message: "The key store is unreachable; retry shortly.")
            }
            context.caches.storeSession(record, for: digest, generation: generation, front: &context.cacheFront)
        }
        let now = WallClock.unixMicros()
        guard let record, record.matches(digest), record.isUsable(nowMicros: now) else { throw refuse(invalidKey, context) }
        noteUse(record.keyID, at: now, context)
        return record
    }

    /// A customer key of exactly `tenantID` (from the path).
    static func requireTenant(_ tenantID: String, _ request: Request, _ context: RequestContext) throws(APIError) -> KeyRecord {
        let record = try authenticate(request, context)
        guard record.kind == .customer, record.tenantID == tenantID else {
            throw refuse(APIError(.forbidden, code: "tenant_mismatch", message: "This key does not belong to the tenant in the path."), context)
        }
        return record
    }

    /// Batches `last_used_at`: at most one UPDATE per thread per minute, carrying each
    /// key's time of use (not the flush's: a key revoked in between must not read as
    /// used after its revocation).
    static func noteUse(_ keyID: String, at micros: Int64, _ context: RequestContext) {
        if context.lastUsedKey != keyID { // one dictionary write per key change, not per request
            if let previous = context.lastUsedKey { context.usedKeys[previous] = context.lastUsedAt }
            context.lastUsedKey = keyID
        }
        context.lastUsedAt = micros
        let now = MonotonicInstant.now()
        guard now.milliseconds(since: context.lastUsageFlush) >= Double(context.config.keyUsageFlushSeconds * 1000) else { return }
        context.lastUsageFlush = now
        context.usedKeys[keyID] = micros
        let uses = context.usedKeys
        context.usedKeys.removeAll(keepingCapacity: true)
        context.lastUsedKey = nil
        do { try context.identity.touch(uses) } catch {
            context.logger.warning("last_used_at update failed", ["error": .string(String(describing: error))])
        }
    }
}
