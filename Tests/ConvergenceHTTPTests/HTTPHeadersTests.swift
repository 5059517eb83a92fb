import Testing
@testable import ConvergenceHTTP

@Suite struct HTTPHeadersTests {
    @Test func cgiNamesAreNormalisedAndLookupsTakeTheLastValue() {
        var headers = HTTPHeaders()
        func add(_ name: String, _ value: String) {
            let entry = Array((name + "=" + value).utf8)
            entry.withUnsafeBufferPointer { headers.appendCGI(entry: $0, nameLength: name.utf8.count) }
        }
        add("X_API_KEY", "k1")
        add("CONTENT_TYPE", "application/json")
        add("X_API_KEY", "k2")
        #expect(headers["x-api-key"] == "k2")
        #expect(headers["content-type"] == "application/json")
        #expect(headers["authorization"] == nil)
        #expect(headers["x-api"] == nil, "whole names only")
        headers["x-api-key"] = nil
        #expect(headers["x-api-key"] == nil)
        #expect(headers["content-type"] == "application/json")
        let literal: HTTPHeaders = ["authorization": "Bearer t"]
        #expect(literal["authorization"] == "Bearer t")
        #expect(literal.withValue("authorization") { $0?.count } == 8)
        #expect(literal.withValue("x-api-key") { $0 == nil })
    }
}
