import CConvergenceShm

/// One series resolved once, for code that records from many threads without a
/// per-thread recorder (the audit spool, the flusher): every update is a single
/// atomic operation on the slot.
///
/// @unchecked Sendable: `slot` points into the shared region, which is mapped
/// for the life of the process and never unmapped while handles exist; the
/// handle only ever touches it through the C layer's atomics.
public struct MetricHandle: @unchecked Sendable {
    let slot: UnsafeMutablePointer<cv_series>
    let buckets: [Double]

    init(slot: UnsafeMutablePointer<cv_series>, buckets: [Double]) {
        self.slot = slot
        self.buckets = buckets
    }

    private func value(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        (UnsafeMutableRawPointer(slot) + MemoryLayout<cv_series>.offset(of: \.values)!).assumingMemoryBound(to: UInt64.self) + index
    }

    public func add(_ n: UInt64 = 1) { _ = cv_atomic_add(value(0), n) }

    public func set(_ v: Double) { cv_atomic_store(value(0), v.bitPattern) }

    /// A gauge's current value (what `set` stored last, from any process).
    public var gaugeValue: Double { Double(bitPattern: cv_atomic_load(value(0))) }

    public func observe(_ v: Double) {
        let index = buckets.firstIndex { v <= $0 } ?? buckets.count
        _ = cv_atomic_add(value(index), 1)
        cv_atomic_add_double(value(Int(CV_SERIES_VALUES) - 1), v)
    }
}

extension MetricsRecorder {
    /// A handle on one series (claimed now); nil when the series table is full.
    public func handle(_ family: MetricFamily, _ labelValues: [String] = []) -> MetricHandle? {
        series(family, labelValues).map { MetricHandle(slot: $0, buckets: family.buckets) }
    }
}
