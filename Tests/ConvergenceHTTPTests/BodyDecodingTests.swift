import ConvergenceJSON
import Foundation
import Testing
@testable import ConvergenceHTTP

@Suite struct BodyDecodingTests {
    struct Payload: Decodable, Equatable {
        let name: String
        let count: Int
    }

    func request(_ body: String, contentType: String? = "application/json") -> Request {
        var headers: HTTPHeaders = [:]
        if let contentType { headers["content-type"] = contentType }
        return Request(method: "POST", path: "/x", headers: headers, requestID: "req_t", body: Array(body.utf8))
    }

    @Test func decodesValidJSON() throws {
        #expect(try request(#"{"name":"a","count":2}"#).decodeJSON(Payload.self) == Payload(name: "a", count: 2))
        #expect(try request(#"{"name":"a","count":2}"#, contentType: "application/json; charset=utf-8").decodeJSON(Payload.self).count == 2)
    }

    @Test func nonJSONContentTypeIs415() {
        #expect(throws: APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "Send the body as JSON with Content-Type: application/json.")) {
            try request("name=a", contentType: "application/x-www-form-urlencoded").decodeJSON(Payload.self)
        }
        #expect((try? request("{}", contentType: nil).decodeJSON(Payload.self)) == nil)
    }

    @Test(arguments: [
        ("", "missing_body", "needs a JSON body"),
        ("{not json", "invalid_json", "not valid JSON"),
        (#"{"name":"a"}"#, "invalid_json", "Field count is required"),
        (#"{"name":"a","count":"two"}"#, "invalid_json", "Field count must be an integer"),
        (#"[1,2]"#, "invalid_json", "must be an object"),
    ])
    func malformedBodiesAre400NamingTheProblem(body: String, code: String, fragment: String) {
        do {
            _ = try request(body).decodeJSON(Payload.self)
            Issue.record("expected failure")
        } catch {
            #expect(error.status == .badRequest)
            #expect(error.code == code)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func invalidUTF8DoesNotCrash() {
        var bad = request("")
        bad.body = [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]
        #expect(throws: APIError.self) { try bad.decodeJSON(JSONValue.self) }
    }

    @Test func queryParametersAreDecoded() {
        let r = Request(method: "GET", path: "/", query: "a=1&b=x%20y&c=&d=a+b", requestID: "r")
        #expect(r.queryParameters == ["a": "1", "b": "x y", "c": "", "d": "a b"])
    }

    @Test func errorResponseEscapesMessages() throws {
        let response = Response.error(APIError(.badRequest, code: "x", message: "a \"quoted\"\nline"), requestID: "req_1")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]])
        #expect(object["error"]?["message"] == "a \"quoted\"\nline")
    }
}
