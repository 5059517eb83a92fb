import CConvergenceShm

/// Every series in the region read once and summed by family, optionally narrowed
/// to one label value: the JSON view of the counters behind /metrics (/admin/stats).
public struct MetricsSnapshot {
    private let samples: [[UInt8]: [MetricsRenderer.Sample]]

    public init(region: SharedRegion) { samples = MetricsRenderer(region: region).collect() }

    /// The family's series, those with label `name="value"` when `label` is given.
    private func series(_ family: MetricFamily, _ label: (name: String, value: String)?) -> [MetricsRenderer.Sample] {
        let all = samples[Array(family.name.utf8)] ?? []
        guard let label else { return all }
        var pair = label.name + "=\""
        MetricsKey.escape(label.value, into: &pair)
        let needle = Array((pair + "\"").utf8)
        return all.filter { Self.hasLabel($0.labels, needle) }
    }

    /// Whether `labels` (`a="x",b="y"`) holds `needle` as one whole pair.
    static func hasLabel(_ labels: [UInt8], _ needle: [UInt8]) -> Bool {
        guard labels.count >= needle.count else { return false }
        for start in 0...(labels.count - needle.count) where start == 0 || labels[start - 1] == UInt8(ascii: ",") {
            let end = start + needle.count
            if labels[start..<end].elementsEqual(needle), end == labels.count || labels[end] == UInt8(ascii: ",") { return true }
        }
        return false
    }

    /// A counter summed over its series.
    public func counter(_ family: MetricFamily, label: (name: String, value: String)? = nil) -> UInt64 {
        series(family, label).reduce(0) { $0 &+ $1.values[0] }
    }

    /// A gauge's value (the largest, should two writers hold one series); nil when never set.
    public func gauge(_ family: MetricFamily, label: (name: String, value: String)? = nil) -> Double? {
        series(family, label).map { Double(bitPattern: $0.values[0]) }.max()
    }

    /// A histogram's per-bucket counts summed over its series (the last is past the last bound).
    public func histogram(_ family: MetricFamily, label: (name: String, value: String)? = nil) -> [UInt64] {
        let width = family.buckets.count + 1
        return series(family, label).reduce(into: [UInt64](repeating: 0, count: width)) { total, sample in
            for i in 0..<width { total[i] &+= sample.values[i] }
        }
    }
}
