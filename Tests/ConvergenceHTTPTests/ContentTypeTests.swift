import Foundation
import Testing
@testable import ConvergenceHTTP

@Suite struct ContentTypeTests {
    @Test(arguments: ["application/json", "application/json; charset=utf-8", " Application/JSON ", "application/problem+json",
                      "application/vnd.api+json;charset=UTF-8"])
    func acceptsJSONMediaTypes(_ value: String) { #expect(Request.isJSON(value)) }

    @Test(arguments: ["text/plain", "application/jsonx", "application/", "json", "", "application/+json", "text/json"])
    func refusesOthers(_ value: String) { #expect(!Request.isJSON(value)) }
}
