@testable import ConvergenceAudit
import XCTest

final class AuditPartitionDayTests: XCTestCase {
    let dayMicros: Int64 = 86_400_000_000

    func testDaysAreUTCDaysAndNamesFollowTheCalendar() {
        // 2026-12-05T00:00:00Z = 1_796_428_800 s
        let start: Int64 = 1_796_428_800_000_000
        let day = AuditPartitionDay(micros: start)
        XCTAssertEqual(day.dateText, "2026-12-05")
        XCTAssertEqual(day.partitionName, "audit_log_p20261205")
        XCTAssertEqual(AuditPartitionDay(micros: start + dayMicros - 1), day, "the last microsecond of the day")
        XCTAssertEqual(AuditPartitionDay(micros: start - 1).dateText, "2026-12-04")
        XCTAssertEqual(day.startMicros, start)
        XCTAssertEqual(day.adding(days: 27).dateText, "2027-01-01")
        XCTAssertEqual(AuditPartitionDay(micros: 0).dateText, "1970-01-01")
        XCTAssertEqual(AuditPartitionDay(micros: -1).dateText, "1969-12-31", "floor, not truncation")
        XCTAssertEqual(AuditPartitionDay(number: 20_513).dateText, "2026-03-01")
        XCTAssertEqual(AuditPartitionDay(number: 20_512).dateText, "2026-02-28")
    }

    func testTheDaysOfABatchAreDistinctAndAscending() {
        let start: Int64 = 1_796_428_800_000_000
        let days = AuditPartitionDay.days(of: [start + 5, start - 10, start + 7, start + dayMicros, start - 3 * dayMicros])
        XCTAssertEqual(days.map(\.dateText), ["2026-12-02", "2026-12-04", "2026-12-05", "2026-12-06"])
        XCTAssertEqual(AuditPartitionDay.days(of: []), [])
    }

    func testSpansAreReadBackFromNames() throws {
        let daily = try XCTUnwrap(AuditPartitionSpan(name: "audit_log_p20261205"))
        XCTAssertEqual(daily.lower?.dateText, "2026-12-05")
        XCTAssertEqual(daily.upper.dateText, "2026-12-06")
        XCTAssertTrue(daily.covers(daily.lower!))
        XCTAssertFalse(daily.covers(daily.upper))
        let legacy = try XCTUnwrap(AuditPartitionSpan(name: "audit_log_before_20261206"))
        XCTAssertNil(legacy.lower)
        XCTAssertEqual(legacy.upper.dateText, "2026-12-06")
        XCTAssertTrue(legacy.covers(AuditPartitionDay(micros: 0)))
        for name in ["audit_log", "audit_log_p2026120", "audit_log_p20261305", "audit_log_pabcdefgh", "audit_log_before_", "audit_log_p20261205x",
                     "audit_staging", "audit_log_p２０２６１２０５"] {
            XCTAssertNil(AuditPartitionSpan(name: name), name)
        }
    }

    func testRetentionDropsOnlyPartitionsEntirelyBeforeTheCutoff() {
        let names = ["audit_log_p20261203", "audit_log_before_20261201", "audit_log_p20261201", "audit_log_p20261202", "other_table"]
        let midnight = AuditPartitionDay(micros: 1_796_428_800_000_000).adding(days: -2).startMicros // 2026-12-03T00:00Z
        XCTAssertEqual(AuditRetentionPlan.partitionsToDrop(names, beforeMicros: midnight).map(\.name),
                       ["audit_log_before_20261201", "audit_log_p20261201", "audit_log_p20261202"],
                       "a cut-off at midnight drops the day before it whole")
        XCTAssertEqual(AuditRetentionPlan.partitionsToDrop(names, beforeMicros: midnight + 1).map(\.name),
                       ["audit_log_before_20261201", "audit_log_p20261201", "audit_log_p20261202"],
                       "one microsecond later the day it falls in stays (rows are deleted in it)")
        XCTAssertEqual(AuditRetentionPlan.partitionsToDrop(names, beforeMicros: midnight - 1).map(\.name),
                       ["audit_log_before_20261201", "audit_log_p20261201"])
        XCTAssertEqual(AuditRetentionPlan.partitionsToDrop(names, beforeMicros: 0), [])
    }
}
