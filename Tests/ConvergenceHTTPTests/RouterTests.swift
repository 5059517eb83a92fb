import Foundation
import Testing
@testable import ConvergenceHTTP

@Suite struct RouterTests {
    func makeRouter() -> Router<Void> {
        var router = Router<Void>()
        router.get("/health") { _, _ in .rawJSON(Array(#"{"status":"ok"}"#.utf8)) }
        router.post("/admin/keys/{key_id}/rotate") { request, _ in
            .rawJSON(Array("{\"key\":\"\(request.pathParameters["key_id"]!)\"}".utf8))
        }
        router.delete("/admin/keys/{key_id}") { _, _ in Response(status: .noContent) }
        router.get("/boom") { _, _ in throw CocoaError(.fileNoSuchFile) }
        router.get("/teapot") { _, _ in throw APIError(.conflict, code: "already_exists", message: "It exists.") }
        return router
    }

    func respond(_ method: String, _ path: String, unexpected: ((any Error) -> Void)? = nil) -> Response {
        makeRouter().respond(to: Request(method: method, path: path, requestID: "req_test"), context: ()) { unexpected?($0) }
    }

    func errorBody(_ response: Response) throws -> [String: String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        return try #require(object["error"] as? [String: String])
    }

    @Test func everyRouteRefusesQueryParametersItDoesNotDeclare() throws {
        var router = makeRouter()
        router.get("/list", query: ["limit"]) { _, _ in .rawJSON(Array("{}".utf8)) }
        func status(_ path: String, _ query: String) -> HTTPStatus {
            router.respond(to: Request(method: "GET", path: path, query: query, requestID: "req_test"), context: ()) { _ in }.status
        }
        #expect(status("/list", "limit=5") == .ok)
        #expect(status("/list", "limt=5") == .badRequest)
        #expect(status("/health", "verbose=1") == .badRequest, "a route that declares none takes none")
        #expect(status("/health", "") == .ok)
    }

    @Test func matchesLiteralAndParameterSegments() throws {
        let response = respond("POST", "/admin/keys/key_123/rotate")
        #expect(response.status == .ok)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"key":"key_123"}"#)
        #expect(respond("DELETE", "/admin/keys/key_123").status == .noContent)
    }

    @Test func percentEncodedParametersAreDecoded() {
        let response = respond("POST", "/admin/keys/a%20b/rotate")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"key":"a b"}"#)
        let plus = respond("POST", "/admin/keys/a+b/rotate")
        #expect(String(decoding: plus.body, as: UTF8.self) == #"{"key":"a+b"}"#, "a plus in a path is a plus")
    }

    @Test func unknownPathIs404WithTheErrorBody() throws {
        let response = respond("GET", "/nope")
        #expect(response.status == .notFound)
        let error = try errorBody(response)
        #expect(error["code"] == "not_found")
        #expect(error["request_id"] == "req_test")
        #expect(response.headers.contains { $0 == HTTPField("X-Request-ID", "req_test") })
    }

    @Test func wrongMethodIs405WithAllow() throws {
        let response = respond("PUT", "/health")
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers.contains { $0 == HTTPField("Allow", "GET") })
        #expect(try errorBody(response)["code"] == "method_not_allowed")
    }

    @Test func headIsServedByGet() {
        #expect(respond("HEAD", "/health").status == .ok)
    }

    @Test func apiErrorsKeepTheirStatusAndUnexpectedErrorsBecome500() throws {
        #expect(respond("GET", "/teapot").status == .conflict)
        var reported = false
        let response = respond("GET", "/boom") { _ in reported = true }
        #expect(response.status == .internalServerError)
        #expect(try errorBody(response)["code"] == "internal_error")
        #expect(reported)
    }

    /// Only canonical paths route (issue 13, item 1): `/metrics/` reached the
    /// metrics handler while nginx's `location = /metrics` rule never saw it.
    @Test(arguments: ["/health/", "//health", "/health//", "/./health", "/health/.", "/x/../health", "/health/..",
                      "/admin/keys//rotate", "/admin/keys/k1/rotate/", "/admin//keys/k1/rotate", "/admin/keys/./rotate",
                      "/admin/keys/../rotate", "/admin/keys/a%2Fb/rotate", "/admin/keys/a%2fb/rotate", "/admin/keys/%2E/rotate",
                      "/admin/keys/%2e%2e/rotate", "/admin/keys/a%2eb/rotate", "/admin%2Fkeys/k1", "health", ""])
    func nonCanonicalPathsAre404(path: String) throws {
        let response = respond(path.contains("rotate") ? "POST" : "GET", path)
        #expect(response.status == .notFound, "\(path)")
        #expect(try errorBody(response)["code"] == "not_found")
    }

    @Test func canonicalPathsStillRoute() {
        #expect(respond("GET", "/health").status == .ok)
        #expect(respond("POST", "/admin/keys/a.b/rotate").status == .ok, "a dot inside a segment is fine")
        #expect(respond("POST", "/admin/keys/.../rotate").status == .ok, "three dots are not a dot segment")
        #expect(respond("POST", "/admin/keys/a%20b/rotate").status == .ok)
        #expect(respond("POST", "/admin/keys/%252F/rotate").status == .ok, "an encoded percent sign is not an encoded slash")
        #expect(Router<Void>.isCanonical("/"))
        #expect(!Router<Void>.isCanonical("/a/"))
    }
}
