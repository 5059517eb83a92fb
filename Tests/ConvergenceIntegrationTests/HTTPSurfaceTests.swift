import ConvergenceTestSupport
import Foundation
import XCTest

/// The request layer end to end: client → nginx (shipped dev config) → FastCGI →
/// worker, checking what a client sees: status, JSON error body, X-Request-ID.
final class HTTPSurfaceTests: XCTestCase {
    nonisolated(unsafe) static var stack: TestStack!

    override class func setUp() {
        super.setUp()
        do {
            stack = try TestStack(label: "http", overrides: ["CONVERGENCE_MAX_BODY_BYTES": "4096"])
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override class func tearDown() {
        stack?.stop()
        super.tearDown()
    }

    var client: HTTPClient { HTTPSurfaceTests.stack.client }

    /// Asserts SPEC.md's error body and that its request_id is the X-Request-ID header.
    func assertErrorBody(_ response: HTTPClient.Response, status: Int, code: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(response.status, status, response.text, file: file, line: line)
        XCTAssertEqual(response.headers["content-type"], "application/json", file: file, line: line)
        let error = try XCTUnwrap(try response.json()["error"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(error["code"] as? String, code, file: file, line: line)
        XCTAssertFalse((error["message"] as? String ?? "").isEmpty, file: file, line: line)
        XCTAssertEqual(error["request_id"] as? String, response.headers["x-request-id"], file: file, line: line)
    }

    func testHealthAnswersOkWithOneRequestID() throws {
        let response = try client.get("/health")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try response.json()["status"] as? String, "ok")
        XCTAssertEqual(response.headerCounts["x-request-id"], 1)
        let id = try XCTUnwrap(response.headers["x-request-id"])
        XCTAssertNotNil(id.range(of: "^req_[0-9a-f]{32}$", options: .regularExpression), id)
        XCTAssertNotEqual(try client.get("/health").headers["x-request-id"], id)
    }

    func testUnknownPathIs404() throws {
        try assertErrorBody(try client.get("/no/such/thing"), status: 404, code: "not_found")
    }

    func testWrongMethodIs405WithAllow() throws {
        let response = try client.send("DELETE", "/health")
        try assertErrorBody(response, status: 405, code: "method_not_allowed")
        XCTAssertEqual(response.headers["allow"], "GET")
    }

    func testInvalidJSONIs400() throws {
        try assertErrorBody(try client.post("/_echo", json: "{\"a\": [1, 2"), status: 400, code: "invalid_json")
        try assertErrorBody(try client.send("POST", "/_echo", headers: ["Content-Type": "application/json"]), status: 400, code: "missing_body")
    }

    func testNonJSONContentTypeIs415() throws {
        let response = try client.send("POST", "/_echo", headers: ["Content-Type": "text/plain"], body: Data("hello".utf8))
        try assertErrorBody(response, status: 415, code: "unsupported_media_type")
    }

    func testBodyOverTheBackendLimitIs413() throws {
        let big = "{\"pad\":\"" + String(repeating: "x", count: 5000) + "\"}"
        try assertErrorBody(try client.post("/_echo", json: big), status: 413, code: "payload_too_large")
        // Just under the limit still works, and echoes the body back.
        let fits = "{\"pad\":\"" + String(repeating: "x", count: 4000) + "\"}"
        let ok = try client.post("/_echo", json: fits)
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(try ok.json()["pad"] as? String, String(repeating: "x", count: 4000))
    }

    func testBodyOverNginxLimitIs413JSONFromNginx() throws {
        let huge = "{\"pad\":\"" + String(repeating: "x", count: 1_100_000) + "\"}"
        try assertErrorBody(try client.post("/_echo", json: huge), status: 413, code: "payload_too_large")
    }

    func testRequestsNginxRefusesItselfGetTheJSONErrorToo() throws {
        let trace = try client.send("TRACE", "/v1/check")
        try assertErrorBody(trace, status: 405, code: "method_not_allowed")
        XCTAssertEqual(trace.headers["allow"], "GET, HEAD, POST, PUT, PATCH, DELETE")
        try assertErrorBody(try client.get("/" + String(repeating: "a", count: 20_000)), status: 414, code: "uri_too_long")
        try assertErrorBody(try client.get("/health", headers: ["X-Big": String(repeating: "b", count: 20_000)]), status: 400, code: "bad_request")
        // The internal error pages cannot be requested as such.
        try assertErrorBody(try client.get("/_convergence_error/405"), status: 404, code: "not_found")
        // Plain HTTP on the TLS port.
        let plainOnTLS = HTTPClient(port: HTTPSurfaceTests.stack.nginx.httpsPort)
        try assertErrorBody(try plainOnTLS.get("/health"), status: 400, code: "https_required")
    }

    func testEchoRoundTripsUnicode() throws {
        let response = try client.post("/_echo", json: #"{"text":"héllo 👋 \u0000","n":[1,2.5,true,null]}"#)
        XCTAssertEqual(response.status, 200)
        let object = try response.json()
        XCTAssertEqual(object["text"] as? String, "héllo 👋 \u{0}")
    }

    func testAccessLogIsJSONWithTheRequestID() throws {
        let response = try client.get("/health")
        let id = try XCTUnwrap(response.headers["x-request-id"])
        var line: [String: Any]?
        _ = waitUntil(timeout: 3) {
            line = HTTPSurfaceTests.stack.nginx.accessLog.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.first { ($0["request_id"] as? String) == id }
            return line != nil
        }
        let entry = try XCTUnwrap(line, "no access-log line for \(id)")
        XCTAssertEqual("\(entry["status"] ?? "")", "200")
        XCTAssertNotNil(entry["upstream_response_time"])
    }

    func testHTTPSListenerServesHealth() throws {
        let port = HTTPSurfaceTests.stack.nginx.httpsPort
        let result = try Shell.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(port)/health"], check: false)
        XCTAssertEqual(result.output, "200")
    }

    func testHeadReturnsHeadersOnly() throws {
        let response = try client.send("HEAD", "/health")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.body.isEmpty)
    }
}
