import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity

/// `/admin/session`: the dashboard's sign-in. An admin key (full or read-only) is
/// exchanged for an HttpOnly cookie, so the page never keeps the key itself; the
/// server stores only the token's digest. The token appears in the `Set-Cookie`
/// header and nowhere else: not in logs, not in the audit trail (which names the key).
enum SessionRoutes {
    struct SignIn: Decodable {
        let key: String?
    }

    static func register(on router: inout Router<RequestContext>) {
        router.post("/admin/session") { request, context in
            let body = try request.decodeJSON(SignIn.self)
            // Wrong, unknown, revoked, expired or customer key: one answer, no cookie, nothing stored.
            guard let key = body.key, APIKeyFormat.shape(of: key) == .admin,
                  let found = try context.identity.lookup(digest: SHA256.digest(key)), found.kind.isAdmin,
                  found.matches(SHA256.digestInline(key)), found.isUsable(nowMicros: WallClock.unixMicros()) else {
                throw Authenticator.refuse(Authenticator.invalidKey, context)
            }
            let token = SecureRandom.hex(byteCount: 32)
            let ttl = context.config.dashboardSessionTTLSeconds
            guard let session = try SessionRepository(db: context.database).create(digest: SHA256.digest(token), keyID: found.keyID,
                                                                                  ttlSeconds: ttl) else {
                throw Authenticator.refuse(Authenticator.invalidKey, context) // the key was revoked in between
            }
            AdminAudit.record(context, request, actor: found, action: "session.create", target: "key:\(found.keyID)")
            var response = try Response.json(session, status: .created)
            response.headers.append(HTTPField("Set-Cookie", SessionCookie.set(token: token, maxAgeSeconds: ttl, secure: request.isTLS)))
            response.headers.append(HTTPField("Cache-Control", "no-store"))
            return response
        }
        router.get("/admin/session") { request, context in
            // Straight to PostgreSQL, not the cache: the page asks this once, and must learn of a sign-out at once.
            guard let token = SessionCookie.token(fromCookieHeader: request.headers["cookie"]),
                  let session = try SessionRepository(db: context.database).describe(digest: SHA256.digest(token)) else {
                throw Authenticator.refuse(Authenticator.invalidKey, context)
            }
            var response = try Response.json(session)
            response.headers.append(HTTPField("Cache-Control", "no-store"))
            return response
        }
        // Sign-out: idempotent (no or a dead cookie also answers 204 and clears it), but a
        // cookie-carrying request needs the CSRF header like every other cookie change.
        router.delete("/admin/session") { request, context in
            let token = SessionCookie.token(fromCookieHeader: request.headers["cookie"])
            if token != nil, !AdminAccess.passesCSRF(method: request.method, csrfHeader: request.headers[AdminAccess.csrfHeader]) {
                throw Authenticator.refuse(AdminAccess.csrfRefusal, context)
            }
            if let token, let keyID = try SessionRepository(db: context.database).revoke(digest: SHA256.digest(token)) {
                // Every worker of this host drops its cached copy now, every other host's on the notification.
                CacheInvalidation.apply(.sessions, to: context.shared)
                do { try CacheInvalidation.notifyHosts(.sessions, database: context.database) } catch {
                    context.logger.warning("cannot notify other hosts of a sign-out; their caches expire by TTL",
                                           ["error": .string(String(describing: error))])
                }
                AdminAudit.record(context, request, actor: nil, action: "session.delete", target: "key:\(keyID)", actorKeyID: keyID)
            }
            return Response(status: .noContent, headers: [HTTPField("Set-Cookie", SessionCookie.clear(secure: request.isTLS))])
        }
    }
}
