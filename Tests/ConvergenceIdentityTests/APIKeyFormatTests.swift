import ConvergenceCore
import Foundation
import Testing
@testable import ConvergenceIdentity

@Suite struct APIKeyFormatTests {
    @Test func generatedKeysHaveTheDocumentedShapes() {
        let live = APIKeyFormat.newLiveKey()
        #expect(live.hasPrefix("sk_live_") && live.count == 8 + 32)
        #expect(APIKeyFormat.shape(of: live) == .live)
        let admin = APIKeyFormat.newAdminKey()
        #expect(APIKeyFormat.shape(of: admin) == .admin)
        let tenant = APIKeyFormat.newTenantKey(tenantID: "acmeinc_23xv2")
        #expect(tenant.hasPrefix("acmeinc_23xv2_api_") && tenant.count == "acmeinc_23xv2_api_".count + 16)
        #expect(APIKeyFormat.shape(of: tenant) == .tenant(tenantID: "acmeinc_23xv2"))
        #expect(APIKeyFormat.newLiveKey() != live)
    }

    @Test func aMistypedKeyFailsTheChecksum() {
        let live = APIKeyFormat.newLiveKey()
        var chars = Array(live)
        let i = 12
        chars[i] = chars[i] == "a" ? "b" : "a"
        #expect(APIKeyFormat.shape(of: String(chars)) == nil)
        #expect(APIKeyFormat.shape(of: String(live.dropLast())) == nil)
        #expect(APIKeyFormat.shape(of: "sk_live_" + String(repeating: "a", count: 32)) == nil)
    }

    @Test(arguments: ["", "Bearer x", "sk_live_", "acme_api_short", "a b_api_0123456789abcdef", "x_api_0123456789abcdef",
                      "acme_api_0123456789abcde!", String(repeating: "a", count: 300), "ünïcode_api_0123456789abcdef"])
    func garbageIsNotAKey(_ text: String) {
        #expect(APIKeyFormat.shape(of: text) == nil)
    }

    @Test func tenantIDsContainingTheMarkerStillParse() {
        let key = APIKeyFormat.newTenantKey(tenantID: "my_api_tenant")
        #expect(APIKeyFormat.shape(of: key) == .tenant(tenantID: "my_api_tenant"))
    }

    @Test func displayPartsRevealNothingSecret() {
        let key = APIKeyFormat.newLiveKey()
        let parts = APIKeyFormat.displayParts(of: key)
        #expect(parts.prefix == String(key.prefix(12)))
        #expect(parts.last4 == String(key.suffix(4)))
        #expect(APIKeyFormat.displayParts(of: "acme_01_api_0123456789abcdef").prefix == "acme_01_api_")
    }

    @Test func keysCarryAtLeast95RandomBits() {
        // 26 base62 characters ≈ 154.8 bits; 16 ≈ 95.3 bits (SPEC: ≥ 95).
        #expect(Double(APIKeyFormat.randomLength) * log2(62) >= 95)
        #expect(Double(APIKeyFormat.tenantRandomLength) * log2(62) >= 95)
    }
}
