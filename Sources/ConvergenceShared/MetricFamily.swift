/// A metric as Prometheus sees it: name, type, help text and label names.
public struct MetricFamily: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case counter
        case gauge
        /// Upper bounds of the buckets (ascending); +Inf is implicit.
        case histogram(buckets: [Double])

        var typeName: String {
            switch self {
            case .counter: "counter"
            case .gauge: "gauge"
            case .histogram: "histogram"
            }
        }
    }

    public let name: String
    public let help: String
    public let kind: Kind
    public let labels: [String]
    /// Identifies the family in per-thread caches (computed once per family).
    let id: Int

    public init(_ name: String, _ kind: Kind, labels: [String] = [], help: String) {
        if case .histogram(let buckets) = kind {
            // A series slot holds the buckets, +Inf and the sum (cv_shm.h CV_SERIES_VALUES = 20).
            precondition(buckets.count <= 18, "histogram \(name) has more buckets than a series slot holds")
        }
        self.id = name.hashValue
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
    }

    public var buckets: [Double] {
        if case .histogram(let buckets) = kind { return buckets }
        return []
    }
}
