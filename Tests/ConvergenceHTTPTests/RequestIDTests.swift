import ConvergenceHTTP
import Testing

@Suite struct RequestIDTests {
    @Test func acceptsNginxIdsAndPrefixesThem() {
        #expect(RequestIDs.accept("0123456789abcdef0123456789abcdef") == "req_0123456789abcdef0123456789abcdef")
        #expect(RequestIDs.accept("req_abc") == "req_abc")
    }

    @Test func refusesIdsThatCouldInjectIntoLogsOrHeaders() {
        #expect(RequestIDs.accept("abc\r\nSet-Cookie: x") == nil)
        #expect(RequestIDs.accept("") == nil)
        #expect(RequestIDs.accept(String(repeating: "a", count: 200)) == nil)
        #expect(RequestIDs.accept("a b") == nil)
    }

    @Test func generatedIdsHaveTheDocumentedShape() {
        let id = RequestIDs.generate()
        #expect(id.hasPrefix("req_"))
        #expect(id.count == 36)
    }
}
