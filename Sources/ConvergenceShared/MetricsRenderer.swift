import CConvergenceShm

/// Prometheus text exposition (format 0.0.4) of everything in the region.
/// Written straight into a byte buffer: with a thousand customers the
/// exposition is ~20,000 lines, and per-line String building cost milliseconds.
public struct MetricsRenderer {
    public let region: SharedRegion
    public let families: [MetricFamily]

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public init(region: SharedRegion, families: [MetricFamily] = MetricFamilies.stored) {
        self.region = region
        self.families = families
    }

    /// A copy of one series' values (each value read atomically on its own).
    struct Sample {
        var labels: [UInt8]
        var values: [UInt64]
    }

    /// Every ready series grouped by family name, sorted by labels; a series
    /// claimed twice (a writer that stalled past the lookup wait) is merged,
    /// never printed twice.
    func collect() -> [[UInt8]: [Sample]] {
        var byFamily: [[UInt8]: [Sample]] = [:]
        let valuesOffset = MemoryLayout<cv_series>.offset(of: \.values)!
        let keyOffset = MemoryLayout<cv_series>.offset(of: \.key)!
        for index in 0..<UInt32(region.seriesCapacity) {
            guard let slot = cv_series_at(region.header, index) else { continue }
            let raw = UnsafeMutableRawPointer(mutating: slot)
            let key = UnsafeBufferPointer(start: (raw + keyOffset).assumingMemoryBound(to: UInt8.self), count: Int(slot.pointee.key_len))
            let brace = key.firstIndex(of: UInt8(ascii: "{")) ?? key.count
            let name = Array(key[0..<brace])
            let labels = brace < key.count ? Array(key[(brace + 1)..<(key.count - 1)]) : []
            let values = (raw + valuesOffset).assumingMemoryBound(to: UInt64.self)
            byFamily[name, default: []].append(Sample(labels: labels, values: (0..<Int(CV_SERIES_VALUES)).map { cv_atomic_load(values + $0) }))
        }
        for (name, samples) in byFamily {
            byFamily[name] = samples.sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
        }
        return byFamily
    }

    /// Folds series claimed twice (same labels, adjacent after sorting) the way
    /// their kind adds up: counts as integers, a histogram's sum as a double, a
    /// gauge by its larger value (two writers of one gauge have no "sum").
    static func merge(_ samples: [Sample], kind: MetricFamily.Kind) -> [Sample] {
        let sumIndex = Int(CV_SERIES_VALUES) - 1
        var merged: [Sample] = []
        merged.reserveCapacity(samples.count)
        for sample in samples {
            guard let last = merged.last, last.labels == sample.labels else {
                merged.append(sample)
                continue
            }
            var values = last.values
            switch kind {
            case .gauge:
                values[0] = max(Double(bitPattern: values[0]), Double(bitPattern: sample.values[0])).bitPattern
            case .counter, .histogram:
                for i in 0..<sumIndex { values[i] &+= sample.values[i] }
                values[sumIndex] = (Double(bitPattern: values[sumIndex]) + Double(bitPattern: sample.values[sumIndex])).bitPattern
            }
            merged[merged.count - 1].values = values
        }
        return merged
    }

    public func render(extra: [(MetricFamily, Double)] = []) -> [UInt8] {
        let collected = collect()
        var out = ExpositionBuffer()
        let sumIndex = Int(CV_SERIES_VALUES) - 1
        for family in families {
            out.header(family) // also for families without samples yet: scrapers learn every name and type
            let name = Array(family.name.utf8)
            var samples = Self.merge(collected[name] ?? [], kind: family.kind)
            if samples.isEmpty {
                // A family without labels shows 0 before its first event, so alerts and panels have a series.
                guard family.labels.isEmpty else { continue }
                samples = [Sample(labels: [], values: Array(repeating: 0, count: Int(CV_SERIES_VALUES)))]
            }
            switch family.kind {
            case .counter:
                for s in samples { out.sample(name, s.labels, le: nil, suffix: nil) { $0.integer(s.values[0]) } }
            case .gauge:
                for s in samples { out.sample(name, s.labels, le: nil, suffix: nil) { $0.double(Double(bitPattern: s.values[0])) } }
            case .histogram(let buckets):
                let bounds = buckets.map { Array(Self.format($0).utf8) } + [Array("+Inf".utf8)]
                for s in samples {
                    var cumulative: UInt64 = 0
                    for (i, bound) in bounds.enumerated() {
                        cumulative &+= s.values[i]
                        out.sample(name, s.labels, le: bound, suffix: "_bucket") { $0.integer(cumulative) }
                    }
                    out.sample(name, s.labels, le: nil, suffix: "_sum") { $0.double(Double(bitPattern: s.values[sumIndex])) }
                    out.sample(name, s.labels, le: nil, suffix: "_count") { $0.integer(cumulative) }
                }
            }
        }
        for (family, value) in extra {
            out.header(family)
            out.sample(Array(family.name.utf8), [], le: nil, suffix: nil) { $0.double(value) }
        }
        return out.bytes
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

struct ExpositionBuffer {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(256 * 1024) }

    mutating func header(_ family: MetricFamily) {
        bytes.append(contentsOf: "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.kind.typeName)\n".utf8)
    }

    /// `name[suffix]{labels[,le="bound"]} value\n`
    mutating func sample(_ name: [UInt8], _ labels: [UInt8], le: [UInt8]?, suffix: StaticString?, value: (inout ExpositionBuffer) -> Void) {
        bytes.append(contentsOf: name)
        if let suffix { bytes.append(contentsOf: UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount)) }
        if !labels.isEmpty || le != nil {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels)
            if let le {
                if !labels.isEmpty { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: #"le=""#.utf8)
                bytes.append(contentsOf: le)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        value(&self)
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func integer(_ value: UInt64) {
        guard value > 0 else { bytes.append(UInt8(ascii: "0")); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while n > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            }
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    mutating func double(_ value: Double) {
        if value >= 0, value == value.rounded(), value < 1e15 { integer(UInt64(value)); return }
        bytes.append(contentsOf: MetricsRenderer.format(value).utf8)
    }
}
