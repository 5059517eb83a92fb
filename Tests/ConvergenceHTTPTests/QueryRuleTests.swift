import Testing
@testable import ConvergenceHTTP

@Suite struct QueryRuleTests {
    func check(_ query: String, _ allowed: Set<String>) -> String? {
        do { try QueryRule.check(query, allowed: allowed); return nil } catch { return error.message }
    }

    @Test func declaredParametersPassAndOthersAreNamed() {
        #expect(check("customer_id=x&limit=3", ["customer_id", "limit"]) == nil)
        #expect(check("tenant_id=acme", ["customer_id"])?.contains("Unknown parameter tenant_id; this endpoint takes customer_id") == true)
        #expect(check("foo=1", [])?.contains("takes no query parameters") == true)
    }

    @Test func undecodableNamesAndValuesAreRefused() {
        #expect(check("%ZZ=1", ["a"])?.contains("not valid percent-encoded") == true)
        #expect(check("%C3=1", ["a"])?.contains("not valid percent-encoded") == true, "half a UTF-8 sequence")
        #expect(check("a=%FF", ["a"])?.contains("value of a") == true)
    }

    @Test func longNamesComeBackTruncated() throws {
        let message = try #require(check(String(repeating: "n", count: 20_000) + "=1", []))
        #expect(message.utf8.count < 150)
    }

    @Test func aKeyInTheURLGetsItsOwnMessage() {
        #expect(check("api_key=sk_live_abc", [])?.contains("never in the URL") == true)
        #expect(check("api_key=sk_live_abc", [])?.contains("sk_live_abc") == false)
    }
}
