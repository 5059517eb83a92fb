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

    func testCivilTimeIsTheInverseOfParsing() {
        XCTAssertEqual(RFC3339.civil(unixSeconds: 0), CivilTime(year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0))
        XCTAssertEqual(RFC3339.civil(unixSeconds: -1), CivilTime(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59))
        XCTAssertEqual(WallClock.rfc3339(seconds: 951_782_400, milliseconds: 5), "2000-02-29T00:00:00.005Z")
        for text in ["0001-01-01T00:00:00.000Z", "2024-02-29T12:34:56.789Z", "9999-12-31T23:59:59.999Z"] {
            let micros = RFC3339.parseMicros(text)!
            XCTAssertEqual(WallClock.rfc3339(seconds: micros / 1_000_000, milliseconds: Int(micros % 1_000_000 / 1000)), text)
        }
    }
}
