import Testing
@testable import ConvergenceHTTP

@Suite struct SessionCookieTests {
    let token = String(repeating: "ab12", count: 16)

    @Test func setCookieCarriesEveryAttributeAndSecureOnlyOverTLS() {
        #expect(SessionCookie.set(token: token, maxAgeSeconds: 28800, secure: false)
            == "cv_session=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=28800")
        #expect(SessionCookie.set(token: token, maxAgeSeconds: 60, secure: true)
            == "cv_session=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure")
        #expect(SessionCookie.clear(secure: true) == "cv_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure")
    }

    @Test func tokenIsFoundAmongOtherCookiesAndOnlyInItsShape() {
        #expect(SessionCookie.token(fromCookieHeader: "cv_session=\(token)") == token)
        #expect(SessionCookie.token(fromCookieHeader: "a=b; cv_session=\(token); c=d") == token)
        #expect(SessionCookie.token(fromCookieHeader: "a=b;cv_session=\(token)") == token)
        #expect(SessionCookie.token(fromCookieHeader: nil) == nil)
        #expect(SessionCookie.token(fromCookieHeader: "xcv_session=\(token)") == nil)
        #expect(SessionCookie.token(fromCookieHeader: "cv_session=") == nil)
        #expect(SessionCookie.token(fromCookieHeader: "cv_session=\(token.uppercased())") == nil, "tokens are lowercase hex")
        #expect(SessionCookie.token(fromCookieHeader: "cv_session=\(token)00") == nil, "too long")
        #expect(SessionCookie.token(fromCookieHeader: "cv_session=zz; cv_session=\(token)") == token, "a malformed copy is skipped")
    }

    @Test func csrfRuleLetsReadsThroughAndChangesOnlyWithTheHeader() {
        for method in ["GET", "HEAD"] {
            #expect(AdminAccess.passesCSRF(method: method, csrfHeader: nil))
        }
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            #expect(!AdminAccess.passesCSRF(method: method, csrfHeader: nil))
            #expect(!AdminAccess.passesCSRF(method: method, csrfHeader: "0"))
            #expect(!AdminAccess.passesCSRF(method: method, csrfHeader: "true"))
            #expect(AdminAccess.passesCSRF(method: method, csrfHeader: "1"))
        }
        #expect(AdminAccess.isReadMethod("GET") && AdminAccess.isReadMethod("HEAD") && !AdminAccess.isReadMethod("OPTIONS"))
    }
}
