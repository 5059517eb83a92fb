/// Quantiles from a fixed-bucket histogram (pure): how /admin/stats reads the
/// shared-memory latency histograms and /admin/usage its rollups' latency counts.
public enum Histogram {
    /// The `q`-quantile (0…1) of a histogram whose `counts[i]` observations were ≤ `bounds[i]`
    /// and above `bounds[i - 1]` (`counts[bounds.count]`: above the last bound).
    /// Interpolated linearly inside the bucket, as Prometheus's `histogram_quantile`
    /// does; observations past the last bound are reported at that bound (the
    /// histogram knows nothing larger). 0 for an empty histogram: the caller's
    /// zero-filled buckets chart as zero.
    public static func quantile(_ q: Double, bounds: [Double], counts: [UInt64]) -> Double {
        let total = counts.reduce(0, &+)
        guard total > 0, !bounds.isEmpty else { return 0 }
        let rank = min(max(q, 0), 1) * Double(total)
        var below: UInt64 = 0
        for (i, count) in counts.enumerated() where count > 0 {
            guard Double(below + count) >= rank else {
                below += count
                continue
            }
            guard i < bounds.count else { return bounds[bounds.count - 1] }
            let lower = i == 0 ? 0 : bounds[i - 1]
            let fraction = (rank - Double(below)) / Double(count)
            return lower + (bounds[i] - lower) * fraction
        }
        return bounds[bounds.count - 1]
    }

    /// The index of the bucket `value` falls into (`bounds.count`: past the last bound).
    public static func bucket(of value: Double, bounds: [Double]) -> Int {
        bounds.firstIndex { value <= $0 } ?? bounds.count
    }
}
