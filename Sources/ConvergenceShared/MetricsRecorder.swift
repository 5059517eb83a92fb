import CConvergenceShm

/// Records metrics into the shared region. One per thread (it caches slot
/// addresses, so the hot path is a dictionary lookup and an atomic add).
/// Every process adds into the same slots, so /metrics is the sum over all
/// workers, and a slot outlives the worker that created it.
public final class MetricsRecorder {
    public let region: SharedRegion
    let customerCap: Int
    /// Slots by family and label values: no key string is built on a hit.
    private var slots: [SeriesKey: UnsafeMutablePointer<cv_series>] = [:]
    private var customerLabels: [String: String] = [:]

    public static let otherCustomer = "_other"

    public init(region: SharedRegion, customerCap: Int) {
        self.region = region
        self.customerCap = customerCap
    }

    public func add(_ family: MetricFamily, _ labelValues: [String] = [], _ value: UInt64 = 1) {
        guard let slot = series(family, labelValues) else { return }
        _ = cv_atomic_add(valuePointer(slot, 0), value)
    }

    public func set(_ family: MetricFamily, _ labelValues: [String] = [], _ value: Double) {
        guard let slot = series(family, labelValues) else { return }
        cv_atomic_store(valuePointer(slot, 0), value.bitPattern)
    }

    public func observe(_ family: MetricFamily, _ labelValues: [String] = [], _ value: Double) {
        guard let slot = series(family, labelValues) else { return }
        let buckets = family.buckets
        var index = buckets.count // +Inf
        for (i, bound) in buckets.enumerated() where value <= bound {
            index = i
            break
        }
        _ = cv_atomic_add(valuePointer(slot, index), 1)
        cv_atomic_add_double(valuePointer(slot, Int(CV_SERIES_VALUES) - 1), value)
    }

    /// The `customer` label value for a customer: itself for the first
    /// `metrics_customer_cap` customers the region sees, `_other` beyond, so a
    /// tenant explosion cannot blow up Prometheus.
    public func customerLabel(_ customer: String) -> String {
        if let cached = customerLabels[customer] { return cached }
        let marker = MetricsKey.make("__customer", ["customer"], [customer])
        var label = Self.otherCustomer
        if withKey(marker, { cv_series_find(region.header, $0, $1) }) != nil {
            label = customer
        } else if region.addCounter(Int32(CV_COUNTER_CUSTOMER_LABELS)) <= UInt64(customerCap) {
            var created: Int32 = 0
            let slot = withKey(marker) { cv_series_get(region.header, $0, $1, &created) }
            if slot != nil { label = customer }
            // Lost a race to another thread that registered the same customer: count it once.
            if created == 0 { region.subtractCounter(Int32(CV_COUNTER_CUSTOMER_LABELS)) }
        } else {
            region.subtractCounter(Int32(CV_COUNTER_CUSTOMER_LABELS))
            // At the cap another thread may have just registered this very customer.
            if withKey(marker, { cv_series_find(region.header, $0, $1) }) != nil { label = customer }
        }
        if customerLabels.count > 4 * max(customerCap, 256) { customerLabels.removeAll(keepingCapacity: true) }
        customerLabels[customer] = label
        return label
    }

    struct SeriesKey: Hashable {
        let family: Int
        let labels: [String]
    }

    func series(_ family: MetricFamily, _ labelValues: [String]) -> UnsafeMutablePointer<cv_series>? {
        let cacheKey = SeriesKey(family: family.id, labels: labelValues)
        if let slot = slots[cacheKey] { return slot }
        let key = MetricsKey.make(family.name, family.labels, labelValues)
        guard key.utf8.count <= Int(CV_SERIES_KEY_MAX) else { return nil } // never a truncated (malformed) series
        guard let slot = withKey(key, { cv_series_get(region.header, $0, $1, nil) }) else { return nil }
        if slots.count > 65_536 { slots.removeAll(keepingCapacity: true) }
        slots[cacheKey] = slot
        return slot
    }

    private func withKey<R>(_ key: String, _ body: (UnsafePointer<CChar>, UInt16) -> R) -> R {
        var key = key
        return key.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { body($0.baseAddress!, UInt16(min(bytes.count, Int(CV_SERIES_KEY_MAX)))) }
        }
    }

    private func valuePointer(_ slot: UnsafeMutablePointer<cv_series>, _ index: Int) -> UnsafeMutablePointer<UInt64> {
        let base = UnsafeMutableRawPointer(slot) + MemoryLayout<cv_series>.offset(of: \.values)!
        return base.assumingMemoryBound(to: UInt64.self) + index
    }
}

/// Series keys: exactly the exposition form, `name{a="x",b="y"}`.
enum MetricsKey {
    static let maxValueBytes = 64

    static func make(_ name: String, _ labels: [String], _ values: [String]) -> String {
        guard !labels.isEmpty else { return name }
        var key = name
        key.reserveCapacity(name.utf8.count + 48)
        key += "{"
        for (i, label) in labels.enumerated() {
            if i > 0 { key += "," }
            key += label
            key += "=\""
            escape(i < values.count ? values[i] : "", into: &key)
            key += "\""
        }
        key += "}"
        return key
    }

    /// Prometheus label escaping (backslash, quote, newline), bounded in length.
    static func escape(_ value: String, into key: inout String) {
        var bytes = 0
        for scalar in value.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > maxValueBytes { break }
            switch scalar {
            case "\\": key += "\\\\"
            case "\"": key += "\\\""
            case "\n": key += "\\n"
            default: key.unicodeScalars.append(scalar)
            }
        }
    }

    /// Splits a stored key into family name and label part (without braces).
    static func split(_ key: String) -> (name: Substring, labels: Substring) {
        guard let brace = key.firstIndex(of: "{") else { return (key[...], "") }
        return (key[..<brace], key[key.index(after: brace)..<key.index(before: key.endIndex)])
    }
}
