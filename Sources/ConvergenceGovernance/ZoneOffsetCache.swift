import ConvergenceCore
import Foundation
import Synchronization

/// A zone's UTC offset for the last quarter hour asked, packed into one atomic word, so that
/// the checks of a policy with a weekly window read it with one load instead of asking ICU
/// (about 250 ns a check). An offset changes only at a transition, and transitions fall on
/// quarter hours of UTC wherever offsets are whole quarter hours — every zone since the
/// early 20th century; an offset that is not (a historical local mean time) is not kept.
final class ZoneOffsetCache: Sendable {
    /// (quarter hour since the epoch + 1) << 8 | (offset in quarter hours + 128); 0: empty.
    private let packed = Atomic<UInt64>(0)

    func offset(_ zone: TimeZone, at seconds: Int64) -> Int64 {
        let quarter = seconds.floorDiv(900)
        let word = packed.load(ordering: .relaxed)
        if word != 0, Int64(word >> 8) - 1 == quarter { return (Int64(word & 0xFF) - 128) * 900 }
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
        if offset % 900 == 0, abs(offset / 900) < 100, quarter >= 0, quarter < 1 << 50 {
            packed.store(UInt64(quarter + 1) << 8 | UInt64(offset / 900 + 128), ordering: .relaxed)
        }
        return offset
    }
}
