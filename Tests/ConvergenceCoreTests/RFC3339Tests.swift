import ConvergenceCore
import XCTest

final class RFC3339Tests: XCTestCase {
    func testRFC3339AcceptsOnlyRealInstants() {
        XCTAssertEqual(RFC3339.parseMicros("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(RFC3339.parseMicros("1970-01-01"), 0)
        XCTAssertEqual(RFC3339.parseMicros("2024-02-29T12:00:00.000001Z"), 1_709_208_000_000_001)
        XCTAssertNil(RFC3339.parseMicros("2023-02-29T12:00:00Z"))
        XCTAssertNil(RFC3339.parseMicros("2024-01-01T12:00:00"), "a time without zone is ambiguous")
        XCTAssertNil(RFC3339.parseMicros("2024-01-01T12:00:00Zjunk"))
        XCTAssertNil(RFC3339.parseMicros("2024-01-01T12:00:00.1234567890Z"))
        XCTAssertNil(RFC3339.parseMicros("2024-01-01", allowDate: false), "a date where a time is required")
    }
}
