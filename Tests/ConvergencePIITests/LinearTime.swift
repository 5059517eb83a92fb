import Testing
@testable import ConvergencePII

/// Linear time: about 1 MiB of `unit` repeated must scan in a few seconds at most, spans recorded and not, even in a
/// debug build (quadratic work would take hours). Failures name the unit, not the megabyte.
func expectLinearTime(_ unit: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let text = String(repeating: unit, count: (1 << 20) / unit.utf8.count)
    for spans in [true, false] {
        let start = ContinuousClock.now
        _ = spans ? PIIDetector.spans(in: text).count : PIIDetector.kinds(in: text).count
        #expect(ContinuousClock.now - start < .seconds(5), "\(unit) repeated, spans: \(spans)", sourceLocation: sourceLocation)
    }
}
