@testable import ConvergenceShared
import Testing

@Suite struct MetricsTests {
    func text(_ region: SharedRegion, _ families: [MetricFamily] = MetricFamilies.stored) -> String {
        String(decoding: MetricsRenderer(region: region, families: families).render(), as: UTF8.self)
    }

    @Test func countersFromSeveralRecordersAreSummed() {
        let region = SharedRegion.inMemory(buckets: 64, series: 256)
        let a = MetricsRecorder(region: region, customerCap: 10)
        let b = MetricsRecorder(region: region, customerCap: 10) // another worker, same region
        a.add(MetricFamilies.requests, ["/v1/check", "200"])
        b.add(MetricFamilies.requests, ["/v1/check", "200"], 2)
        b.add(MetricFamilies.requests, ["/v1/check", "429"])
        let out = text(region)
        #expect(out.contains("# TYPE convergence_requests_total counter\n"))
        #expect(out.contains("convergence_requests_total{endpoint=\"/v1/check\",status=\"200\"} 3\n"))
        #expect(out.contains("convergence_requests_total{endpoint=\"/v1/check\",status=\"429\"} 1\n"))
    }

    @Test func histogramsAreCumulativeWithSumAndCount() {
        let region = SharedRegion.inMemory(buckets: 64, series: 256)
        let m = MetricsRecorder(region: region, customerCap: 10)
        for score in [0.0, 15, 15, 85, 100] { m.observe(MetricFamilies.riskScore, ["acme"], score) }
        let out = text(region)
        #expect(out.contains("governance_risk_score_bucket{customer=\"acme\",le=\"0\"} 1\n"))
        #expect(out.contains("governance_risk_score_bucket{customer=\"acme\",le=\"10\"} 1\n"))
        #expect(out.contains("governance_risk_score_bucket{customer=\"acme\",le=\"20\"} 3\n"))
        #expect(out.contains("governance_risk_score_bucket{customer=\"acme\",le=\"90\"} 4\n"))
        #expect(out.contains("governance_risk_score_bucket{customer=\"acme\",le=\"+Inf\"} 5\n"))
        #expect(out.contains("governance_risk_score_sum{customer=\"acme\"} 215\n"))
        #expect(out.contains("governance_risk_score_count{customer=\"acme\"} 5\n"))
    }

    @Test func customerLabelsAreCappedAcrossRecorders() {
        let region = SharedRegion.inMemory(buckets: 64, series: 256)
        let a = MetricsRecorder(region: region, customerCap: 2)
        let b = MetricsRecorder(region: region, customerCap: 2)
        #expect(a.customerLabel("one") == "one")
        #expect(b.customerLabel("one") == "one") // already registered: no second count
        #expect(b.customerLabel("two") == "two")
        #expect(a.customerLabel("three") == MetricsRecorder.otherCustomer)
        #expect(b.customerLabel("four") == MetricsRecorder.otherCustomer)
        #expect(a.customerLabel("two") == "two")
    }

    @Test func labelValuesAreEscapedAndBounded() {
        let region = SharedRegion.inMemory(buckets: 64, series: 256)
        let m = MetricsRecorder(region: region, customerCap: 10)
        m.add(MetricFamilies.checks, ["we\"ird\\name\nx"])
        m.add(MetricFamilies.checks, [String(repeating: "é", count: 500)])
        let out = text(region)
        #expect(out.contains(#"governance_checks_total{customer="we\"ird\\name\nx"} 1"#))
        let long = out.split(separator: "\n").first { $0.contains("éé") }
        #expect(long != nil && long!.utf8.count < 120)
    }

    @Test func labelFreeFamiliesShowZeroBeforeTheirFirstEvent() {
        let region = SharedRegion.inMemory(buckets: 64, series: 256)
        let out = text(region)
        #expect(out.contains("convergence_workers_alive 0\n"))
        #expect(!out.contains("governance_checks_total{")) // labelled: absent until used
    }

    @Test func seriesClaimedTwiceAreMergedByKind() {
        typealias S = MetricsRenderer.Sample
        func values(_ v: [UInt64], sum: Double) -> [UInt64] {
            var all = v + Array(repeating: 0, count: 20 - v.count)
            all[19] = sum.bitPattern
            return all
        }
        let a = S(labels: Array("a=\"1\"".utf8), values: values([1, 2], sum: 1.5))
        let b = S(labels: Array("a=\"1\"".utf8), values: values([3, 4], sum: 2.25))
        let histogram = MetricsRenderer.merge([a, b], kind: .histogram(buckets: [1]))
        #expect(histogram.count == 1 && histogram[0].values[0] == 4 && histogram[0].values[1] == 6)
        #expect(Double(bitPattern: histogram[0].values[19]) == 3.75)
        let g1 = S(labels: [], values: values([Double(7).bitPattern], sum: 0))
        let g2 = S(labels: [], values: values([Double(3).bitPattern], sum: 0))
        let gauge = MetricsRenderer.merge([g1, g2], kind: .gauge)
        #expect(gauge.count == 1 && Double(bitPattern: gauge[0].values[0]) == 7)
    }

    @Test func fullSeriesTableDropsAndCounts() {
        let region = SharedRegion.inMemory(buckets: 64, series: 64)
        let m = MetricsRecorder(region: region, customerCap: 1000)
        for i in 0..<100 { m.add(MetricFamilies.checks, ["c\(i)"]) }
        let out = text(region, MetricFamilies.stored)
        #expect(out.split(separator: "\n").filter { $0.hasPrefix("governance_checks_total{") }.count == 64)
    }
}

@Suite struct MetricsSnapshotTests {
    @Test func sumsCountersGaugesAndHistogramsByLabel() {
        let region = SharedRegion.inMemory(buckets: 64, series: 256)
        let a = MetricsRecorder(region: region, customerCap: 10)
        let b = MetricsRecorder(region: region, customerCap: 10)
        a.add(MetricFamilies.decisions, ["acme", "allow"], 3)
        b.add(MetricFamilies.decisions, ["beta", "allow"], 2)
        b.add(MetricFamilies.decisions, ["beta", "block"], 4)
        a.add(MetricFamilies.rateLimited, ["free"])
        a.set(MetricFamilies.workersAlive, [], 3)
        a.observe(MetricFamilies.duration, ["/v1/check"], 0.0005)
        b.observe(MetricFamilies.duration, ["/v1/check"], 0.02)
        b.observe(MetricFamilies.duration, ["/health"], 0.02)
        let snapshot = MetricsSnapshot(region: region)
        #expect(snapshot.counter(MetricFamilies.decisions) == 9)
        #expect(snapshot.counter(MetricFamilies.decisions, label: ("decision", "allow")) == 5)
        #expect(snapshot.counter(MetricFamilies.decisions, label: ("customer", "beta")) == 6)
        #expect(snapshot.counter(MetricFamilies.rateLimited, label: ("tier", "pro")) == 0)
        #expect(snapshot.gauge(MetricFamilies.workersAlive) == 3)
        #expect(snapshot.gauge(MetricFamilies.workersConfigured) == nil)
        let latency = snapshot.histogram(MetricFamilies.duration, label: ("endpoint", "/v1/check"))
        #expect(latency.count == MetricFamilies.duration.buckets.count + 1)
        #expect(latency.reduce(0, +) == 2)
        #expect(latency[0] == 1, "0.5 ms is in the first (1 ms) bucket")
    }

    @Test func labelsMatchWholePairsOnly() {
        let labels = Array(#"customer="a,b",decision="allow""#.utf8)
        #expect(MetricsSnapshot.hasLabel(labels, Array(#"decision="allow""#.utf8)))
        #expect(!MetricsSnapshot.hasLabel(labels, Array(#"decision="al""#.utf8)))
        #expect(!MetricsSnapshot.hasLabel(Array(#"xdecision="allow""#.utf8), Array(#"decision="allow""#.utf8)))
    }
}
