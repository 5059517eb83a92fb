import ConvergenceCore
import XCTest

final class HistogramTests: XCTestCase {
    let bounds: [Double] = [1, 5, 10, 50]

    func testQuantilesInterpolateInsideTheirBucket() {
        // 10 observations ≤ 1, 10 in (1, 5], none above.
        let counts: [UInt64] = [10, 10, 0, 0, 0]
        XCTAssertEqual(Histogram.quantile(0.5, bounds: bounds, counts: counts), 1, accuracy: 1e-9)
        XCTAssertEqual(Histogram.quantile(0.25, bounds: bounds, counts: counts), 0.5, accuracy: 1e-9)
        XCTAssertEqual(Histogram.quantile(0.75, bounds: bounds, counts: counts), 3, accuracy: 1e-9)
        XCTAssertEqual(Histogram.quantile(1, bounds: bounds, counts: counts), 5, accuracy: 1e-9)
        // p95 of 100 observations, 94 fast and 6 in (10, 50].
        XCTAssertEqual(Histogram.quantile(0.95, bounds: bounds, counts: [94, 0, 0, 6, 0]), 10 + 40 * (1.0 / 6), accuracy: 1e-9)
    }

    func testEmptyAndOverflowingHistograms() {
        XCTAssertEqual(Histogram.quantile(0.5, bounds: bounds, counts: [0, 0, 0, 0, 0]), 0, "no observations chart as zero")
        XCTAssertEqual(Histogram.quantile(0.5, bounds: bounds, counts: []), 0)
        XCTAssertEqual(Histogram.quantile(0.5, bounds: bounds, counts: [0, 0, 0, 0, 7]), 50, "past the last bound: reported at it")
        XCTAssertEqual(Histogram.quantile(2, bounds: bounds, counts: [1, 0, 0, 0, 0]), 1, "q is clamped")
    }

    func testBucketOfAValue() {
        XCTAssertEqual(Histogram.bucket(of: 0, bounds: bounds), 0)
        XCTAssertEqual(Histogram.bucket(of: 1, bounds: bounds), 0, "bounds are inclusive upper bounds")
        XCTAssertEqual(Histogram.bucket(of: 1.5, bounds: bounds), 1)
        XCTAssertEqual(Histogram.bucket(of: 51, bounds: bounds), 4)
    }
}
