import ConvergenceCore
import ConvergenceHTTP
@testable import ConvergenceServer
import XCTest

/// `GET /logs` filters and cursors: every malformed input is a 400 naming it.
final class AuditLogQueryTests: XCTestCase {
    let customer = "0b7e3c1a-1111-4000-8000-000000000001"
    let other = "0b7e3c1a-2222-4000-8000-000000000002"

    func code(_ parameters: [String: String], own: String? = nil) -> String? {
        do { _ = try AuditLogQuery.parse(parameters, ownCustomer: own); return nil } catch { return error.code }
    }

    func testValidFiltersParse() throws {
        let q = try AuditLogQuery.parse(["customer_id": customer.uppercased(), "decision": "block", "since": "2026-01-01T00:00:00Z",
                                         "until": "2026-01-02T00:00:00.5+01:00", "limit": "1000", "request_id": "req_abc"],
                                        ownCustomer: nil)
        XCTAssertEqual(q.customerID, customer)
        XCTAssertEqual(q.decision, "block")
        XCTAssertEqual(q.since, 1_767_225_600_000_000)
        XCTAssertEqual(q.until, 1_767_225_600_000_000 + 86_400_000_000 - 3_600_000_000 + 500_000)
        XCTAssertEqual(q.limit, 1000)
    }

    func testMalformedValuesAreRefused() {
        XCTAssertEqual(code(["limit": "0"]), "invalid_limit")
        XCTAssertEqual(code(["limit": "-5"]), "invalid_limit")
        XCTAssertEqual(code(["limit": "1001"]), "invalid_limit")
        XCTAssertEqual(code(["limit": "99999999999999999999999"]), "invalid_limit")
        XCTAssertEqual(code(["since": "yesterday"]), "invalid_since")
        XCTAssertEqual(code(["since": "2026-02-30T00:00:00Z"]), "invalid_since")
        XCTAssertEqual(code(["until": "2026-01-01T25:00:00Z"]), "invalid_until")
        XCTAssertEqual(code(["since": "2026-01-02", "until": "2026-01-01"]), "invalid_range")
        XCTAssertEqual(code(["decision": "maybe"]), "invalid_decision")
        XCTAssertEqual(code(["customer_id": "not-a-uuid"]), "invalid_customer_id")
        XCTAssertEqual(code(["request_id": String(repeating: "x", count: 129)]), "invalid_request_id")
        // A misspelt filter is refused by the router's one rule, with the parameters /logs declares.
        XCTAssertThrowsError(try QueryRule.check("customr_id=\(customer)", allowed: AuditLogQuery.parameters)) { error in
            XCTAssertEqual((error as? APIError)?.code, "invalid_parameter")
        }
        XCTAssertEqual(code(["cursor": "AAAA"]), "invalid_cursor")
    }

    func testACustomerKeyIsConfinedToItsOwnCustomersChecks() throws {
        XCTAssertEqual(code(["customer_id": other], own: customer), "customer_mismatch")
        XCTAssertEqual(code(["kind": "admin"], own: customer), "invalid_kind")
        let q = try AuditLogQuery.parse([:], ownCustomer: customer)
        XCTAssertEqual(q.customerID, customer)
        XCTAssertEqual(q.kind, "check")
    }

    func testCursorsRoundTripAndRefuseTamperingAndOtherQueries() throws {
        let cursor = AuditCursor(createdAtMicros: 1_767_225_600_123_456, id: "0b7e3c1a-3333-4000-8000-000000000003")
        let scope = try AuditLogQuery.parse(["customer_id": customer], ownCustomer: nil).scope
        let text = cursor.encode(scope: scope)
        XCTAssertEqual(AuditCursor.decode(text, scope: scope), cursor)
        let parsed = try AuditLogQuery.parse(["customer_id": customer, "cursor": text, "limit": "5"], ownCustomer: nil)
        XCTAssertEqual(parsed.cursor, cursor, "the page size may change between pages")

        XCTAssertNil(AuditCursor.decode(text, scope: try AuditLogQuery.parse(["customer_id": other], ownCustomer: nil).scope),
                     "a cursor is bound to its filters")
        var bytes = Array(text.utf8)
        for i in bytes.indices {
            let original = bytes[i]
            bytes[i] = original == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            XCTAssertNil(AuditCursor.decode(String(decoding: bytes, as: UTF8.self), scope: scope), "edit at \(i) accepted")
            bytes[i] = original
        }
        XCTAssertNil(AuditCursor.decode("", scope: scope))
        XCTAssertNil(AuditCursor.decode("a b", scope: scope))
        XCTAssertNil(AuditCursor.decode(String(repeating: "A", count: 500), scope: scope))
    }

    func testRFC3339RefusesInstantsWithoutAFourDigitUTCYear() {
        XCTAssertNotNil(RFC3339.parseMicros("0001-01-01T00:00:00Z"))
        XCTAssertNotNil(RFC3339.parseMicros("9999-12-31T23:59:59.999999Z"))
        XCTAssertNil(RFC3339.parseMicros("0000-01-01"), "there is no year 0")
        XCTAssertNil(RFC3339.parseMicros("0000-01-01T00:00:00Z"))
        XCTAssertNil(RFC3339.parseMicros("0001-01-01T00:00:00+01:00"), "year 0 in UTC")
        XCTAssertNil(RFC3339.parseMicros("9999-12-31T23:59:59-23:59"), "year 10000 in UTC")
        // The query answers 400 naming the parameter, before PostgreSQL sees it.
        for name in ["since", "until"] {
            XCTAssertThrowsError(try AuditLogQuery.parse([name: "0000-01-01"], ownCustomer: nil)) { error in
                XCTAssertEqual((error as? APIError)?.code, "invalid_\(name)")
            }
        }
    }
}
