import CConvergenceShm

/// Prometheus text exposition (format 0.0.4) of everything in the region.
public struct MetricsRenderer {
    public let region: SharedRegion
    public let families: [MetricFamily]

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public init(region: SharedRegion, families: [MetricFamily] = MetricFamilies.stored) {
        self.region = region
        self.families = families
    }

    /// A copy of one series' values, taken slot by slot (each value atomic on its own).
    struct Sample {
        var labels: Substring
        var values: [UInt64]
    }

    /// Every ready series grouped by family name; a series claimed twice (a
    /// writer that stalled past the lookup wait) is merged, never printed twice.
    func collect() -> [Substring: [Substring: Sample]] {
        var byFamily: [Substring: [Substring: Sample]] = [:]
        for index in 0..<UInt32(region.seriesCapacity) {
            guard let slot = cv_series_at(region.header, index) else { continue }
            let key = withUnsafeBytes(of: slot.pointee.key) { raw in
                String(decoding: raw.prefix(Int(slot.pointee.key_len)), as: UTF8.self)
            }
            let (name, labels) = MetricsKey.split(key)
            let values = withUnsafeBytes(of: slot.pointee.values) { raw in
                (0..<Int(CV_SERIES_VALUES)).map { i in
                    cv_atomic_load(UnsafeMutableRawPointer(mutating: raw.baseAddress!).assumingMemoryBound(to: UInt64.self) + i)
                }
            }
            if var existing = byFamily[name, default: [:]][labels] {
                for i in existing.values.indices where i != Int(CV_SERIES_VALUES) - 1 { existing.values[i] &+= values[i] }
                byFamily[name]![labels] = existing
            } else {
                byFamily[name, default: [:]][labels] = Sample(labels: labels, values: values)
            }
        }
        return byFamily
    }

    public func render(extra: [(MetricFamily, Double)] = []) -> [UInt8] {
        let collected = collect()
        var out = TextBuffer()
        for family in families {
            let samples = collected[Substring(family.name)].map { $0.values.sorted { $0.labels < $1.labels } } ?? []
            out.header(family) // also for families without samples yet: scrapers learn every name and type
            // A family without labels shows 0 before its first event, so alerts and panels have a series.
            if samples.isEmpty && !family.labels.isEmpty { continue }
            if samples.isEmpty {
                if case .histogram = family.kind {
                    histogram(family, Sample(labels: "", values: Array(repeating: 0, count: Int(CV_SERIES_VALUES))), into: &out)
                } else {
                    out.line(family.name, "", "0")
                }
                continue
            }
            for sample in samples {
                switch family.kind {
                case .counter: out.line(family.name, sample.labels, String(sample.values[0]))
                case .gauge: out.line(family.name, sample.labels, Self.format(Double(bitPattern: sample.values[0])))
                case .histogram: histogram(family, sample, into: &out)
                }
            }
        }
        for (family, value) in extra {
            out.header(family)
            out.line(family.name, "", Self.format(value))
        }
        return out.bytes
    }

    private func histogram(_ family: MetricFamily, _ sample: Sample, into out: inout TextBuffer) {
        let buckets = family.buckets
        var cumulative: UInt64 = 0
        let labelPrefix = sample.labels.isEmpty ? "" : sample.labels + ","
        for (i, bound) in buckets.enumerated() {
            cumulative &+= sample.values[i]
            out.line(family.name + "_bucket", Substring(labelPrefix + "le=\"\(Self.format(bound))\""), String(cumulative))
        }
        cumulative &+= sample.values[buckets.count]
        out.line(family.name + "_bucket", Substring(labelPrefix + "le=\"+Inf\""), String(cumulative))
        out.line(family.name + "_sum", sample.labels, Self.format(Double(bitPattern: sample.values[Int(CV_SERIES_VALUES) - 1])))
        out.line(family.name + "_count", sample.labels, String(cumulative))
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

struct TextBuffer {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(64 * 1024) }

    mutating func header(_ family: MetricFamily) {
        append("# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.typeName)\n")
    }

    mutating func line(_ name: String, _ labels: Substring, _ value: String) {
        append(name)
        if !labels.isEmpty {
            append("{")
            bytes.append(contentsOf: labels.utf8)
            append("}")
        }
        append(" ")
        append(value)
        append("\n")
    }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }
}
