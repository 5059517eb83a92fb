import ConvergenceCore
import Foundation
import Testing
@testable import ConvergenceIdentity

@Suite struct TenantIDTests {
    @Test(arguments: ["acmeinc_23xv2", "abc", String(repeating: "a", count: 50), "Tenant_1"])
    func acceptsWellFormedIDs(_ id: String) throws { try TenantID.validate(id) }

    @Test(arguments: ["ab", String(repeating: "a", count: 51), "a-b-c", "has space", "ünïcode", "a; DROP SCHEMA x", "x\"y", ""])
    func refusesMalformedIDs(_ id: String) {
        #expect(throws: TenantID.Problem.malformed) { try TenantID.validate(id) }
    }

    @Test(arguments: ["public", "PUBLIC", "pg_catalog", "pg_toast", "information_schema", "convergence"])
    func refusesReservedNames(_ id: String) {
        #expect(throws: TenantID.Problem.reserved) { try TenantID.validate(id) }
    }

    /// `sk_live_x` would onboard, but its key `sk_live_x_api_…` reads as a live key and never authenticates.
    @Test(arguments: ["sk_live_acme", "sk_admin_x", "SK_LIVE_acme", "sk_tenant"])
    func refusesIDsInTheKeyPrefixNamespace(_ id: String) {
        #expect(throws: TenantID.Problem.keyPrefix) { try TenantID.validate(id) }
    }

    @Test func derivesFromNames() throws {
        let id = TenantID.derive(fromName: "Acme Inc.")
        #expect(id.hasPrefix("acme_inc_"))
        #expect(id.count == "acme_inc_".count + 5)
        try TenantID.validate(id)
        try TenantID.validate(TenantID.derive(fromName: "Ünïcødé — Co"))
        try TenantID.validate(TenantID.derive(fromName: ""))
        try TenantID.validate(TenantID.derive(fromName: "pg_admin"))
        try TenantID.validate(TenantID.derive(fromName: "PG"))
        try TenantID.validate(TenantID.derive(fromName: "Convergence"))
        try TenantID.validate(TenantID.derive(fromName: "SK Live Holdings"))
        try TenantID.validate(TenantID.derive(fromName: "sk"))
        try TenantID.validate(TenantID.derive(fromName: String(repeating: "Long Name ", count: 20)))
    }
}
