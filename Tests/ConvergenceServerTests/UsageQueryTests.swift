import ConvergenceAudit
import ConvergenceCore
import ConvergenceHTTP
@testable import ConvergenceServer
import XCTest

/// `GET /admin/usage`: parameters, bucket arithmetic, zero filling and percentiles.
final class UsageQueryTests: XCTestCase {
    let minute: Int64 = 60_000_000
    let noon = RFC3339.parseMicros("2026-03-10T12:00:00Z")!

    func parse(_ parameters: [String: String]) throws(APIError) -> UsageQuery {
        try UsageQuery.parse(parameters, nowMicros: noon + 7 * minute + 30_000_000)
    }

    func code(_ parameters: [String: String]) -> String? {
        do {
            _ = try parse(parameters)
            return nil
        } catch { return error.code }
    }

    func testDefaultsAreTheLastDayInFiveMinuteBuckets() throws {
        let query = try parse([:])
        XCTAssertEqual(query.bucket, .fiveMinutes)
        XCTAssertEqual(query.until, noon + 7 * minute + 30_000_000)
        XCTAssertEqual(query.since, query.until - 1440 * minute)
        // 12:07:30 yesterday → the bucket from 12:05; until 12:07:30 today → the bucket from 12:05.
        XCTAssertEqual(query.firstStart, noon - 1440 * minute + 5 * minute)
        XCTAssertEqual(query.bucketCount, 289, "an unaligned day touches 289 five-minute buckets")
        XCTAssertEqual(query.bucketStarts.last, noon + 5 * minute)
    }

    func testAlignedRangesHaveExactlyTheirBuckets() throws {
        let day = try parse(["since": "2026-03-09T12:00:00Z", "until": "2026-03-10T12:00:00Z"])
        XCTAssertEqual(day.bucketCount, 288)
        XCTAssertEqual(day.bucketStarts.first, day.since)
        XCTAssertEqual(try parse(["since": "2026-03-09", "until": "2026-03-10", "bucket": "1h"]).bucketCount, 24)
        let days = try parse(["since": "2026-03-01T06:00:00Z", "until": "2026-03-03T00:00:01Z", "bucket": "1d"])
        XCTAssertEqual(days.bucketStarts, [RFC3339.parseMicros("2026-03-01")!, RFC3339.parseMicros("2026-03-02")!, RFC3339.parseMicros("2026-03-03")!],
                       "days start at UTC midnight")
        XCTAssertEqual(try parse(["since": "2026-03-10T12:01:00+01:00", "until": "2026-03-10T11:02:00Z"]).bucketCount, 1)
    }

    func testLimitsAndMalformedValues() throws {
        XCTAssertEqual(code(["bucket": "15m"]), "invalid_bucket")
        XCTAssertEqual(code(["since": "soon"]), "invalid_since")
        XCTAssertEqual(code(["until": "2026-03-10T12:00:00"]), "invalid_until", "a time without a zone")
        XCTAssertEqual(code(["since": "2026-03-10", "until": "2026-03-10"]), "invalid_range")
        XCTAssertEqual(code(["since": "2026-03-11"]), "invalid_range", "since after the default until (now)")
        XCTAssertNil(code(["since": "2026-01-01", "until": "2026-01-07T22:40:00Z", "bucket": "5m"]), "2,000 buckets")
        XCTAssertEqual(code(["since": "2026-01-01", "until": "2026-01-07T22:40:01Z", "bucket": "5m"]), "invalid_range", "2,001 buckets")
        XCTAssertEqual(code(["key_id": "pol_1"]), "invalid_key_id")
        XCTAssertEqual(try parse(["key_id": "key_ab12", "customer_id": "acme_1"]).keyID, "key_ab12")
    }

    func testCustomersAndKeysAreKeptByHourAndDay() throws {
        XCTAssertEqual(try parse(["customer_id": "acme_1"]).bucket, .hour, "one customer: hourly by default")
        XCTAssertEqual(try parse(["key_id": "key_ab12"]).bucket, .hour)
        XCTAssertEqual(try parse([:]).bucket.seconds, 300, "everything: 5-minute buckets by default")
        XCTAssertEqual(code(["customer_id": "acme_1", "bucket": "5m"]), "invalid_bucket")
        XCTAssertEqual(code(["key_id": "key_ab12", "bucket": "5m"]), "invalid_bucket")
        XCTAssertNil(code(["key_id": "key_ab12", "bucket": "1d"]))
    }

    func testTopListsCanBeLeftOut() throws {
        XCTAssertTrue(try parse([:]).includesTopLists)
        XCTAssertFalse(try parse(["top": "false"]).includesTopLists)
        XCTAssertEqual(code(["top": "no"]), "invalid_top")
    }

    func testTopListsUseWholeHoursUpToTwoDaysThenWholeDays() throws {
        let day = try parse(["since": "2026-03-09T12:30:00Z", "until": "2026-03-10T12:30:00Z"]).topLists
        XCTAssertEqual(day.seconds, 3600)
        XCTAssertEqual(day.from, RFC3339.parseMicros("2026-03-09T12:00:00Z"))
        XCTAssertEqual(day.to, RFC3339.parseMicros("2026-03-10T13:00:00Z"))
        let aligned = try parse(["since": "2026-03-09T12:00:00Z", "until": "2026-03-10T12:00:00Z"]).topLists
        XCTAssertEqual(aligned.to, RFC3339.parseMicros("2026-03-10T12:00:00Z"), "an aligned end is not rounded up")
        let week = try parse(["since": "2026-03-01T05:00:00Z", "until": "2026-03-08T05:00:00Z", "bucket": "1h"]).topLists
        XCTAssertEqual(week.seconds, 86_400)
        XCTAssertEqual(week.from, RFC3339.parseMicros("2026-03-01"))
        XCTAssertEqual(week.to, RFC3339.parseMicros("2026-03-09"))
    }

    func testSeriesAreZeroFilledAndTotalsAddUp() throws {
        let query = try parse(["since": "2026-03-10T11:00:00Z", "until": "2026-03-10T11:20:00Z"])
        var busy = UsageCounts(checks: 4, allowed: 3, blocked: 1, wouldBlock: 2, piiFindings: 1)
        busy.latency[1] = 4 // four checks between 0.5 and 1 ms
        let series = UsageCounts.series(starts: query.bucketStarts, rows: [query.since + 5 * minute: busy])
        XCTAssertEqual(series.map(\.counts.checks), [0, 4, 0, 0])
        XCTAssertEqual(series.map(\.start), query.bucketStarts)
        var totals = UsageCounts()
        for bucket in series { totals.add(bucket.counts) }
        XCTAssertEqual(totals, busy)
        let body = series[1].counts.body(start: series[1].start)
        XCTAssertEqual(body.start, "2026-03-10T11:05:00.000Z")
        XCTAssertEqual(body.latencyMs.p50, 0.75, accuracy: 1e-9)
        XCTAssertEqual(body.rateLimited, 0)
        XCTAssertEqual(series[0].counts.body(start: nil).latencyMs.p95, 0, "a quiet bucket charts as zero")
    }

    func testTheRollupsHistogramSQLMatchesItsBounds() {
        XCTAssertEqual(UsageCounts().latency.count, UsageRollup.latencyBoundsMicros.count + 1)
    }
}
