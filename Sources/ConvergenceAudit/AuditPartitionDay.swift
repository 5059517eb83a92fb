import ConvergenceCore

/// One UTC day of the audit trail, the unit `convergence.audit_log` is partitioned by
/// (migration 14): the partition `audit_log_p20261205` holds [2026-12-05, 2026-12-06).
/// Pure day arithmetic and naming; `AuditPartitions` does the I/O.
public struct AuditPartitionDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (UTC).
    public let number: Int64

    public init(number: Int64) { self.number = number }

    static let microsPerDay: Int64 = 86_400_000_000

    /// The day an instant (µs since the epoch) falls in; floor division, so instants before 1970 work too.
    public init(micros: Int64) {
        number = micros >= 0 ? micros / AuditPartitionDay.microsPerDay : (micros + 1) / AuditPartitionDay.microsPerDay - 1
    }

    public var startMicros: Int64 { number * AuditPartitionDay.microsPerDay }
    public func adding(days: Int64) -> AuditPartitionDay { AuditPartitionDay(number: number + days) }
    public static func < (a: AuditPartitionDay, b: AuditPartitionDay) -> Bool { a.number < b.number }

    /// `2026-12-05`: what `convergence.audit_partition_ensure(date)` takes.
    public var dateText: String {
        let c = RFC3339.civil(unixSeconds: number * 86_400)
        return AuditPartitionDay.pad(c.year, 4) + "-" + AuditPartitionDay.pad(c.month, 2) + "-" + AuditPartitionDay.pad(c.day, 2)
    }

    /// `20261205`
    var compactText: String { dateText.filter { $0 != "-" } }

    public var description: String { dateText }

    /// The daily partition's table name (schema `convergence`).
    public var partitionName: String { "audit_log_p" + compactText }

    /// The distinct days of some capture times (µs), ascending.
    public static func days(of times: [Int64]) -> [AuditPartitionDay] {
        var seen = Set<AuditPartitionDay>()
        for t in times { seen.insert(AuditPartitionDay(micros: t)) }
        return seen.sorted()
    }

    /// Parses `YYYYMMDD`.
    static func parse(compact text: Substring) -> AuditPartitionDay? {
        guard text.count == 8, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else { return nil }
        let dashed = "\(text.prefix(4))-\(text.dropFirst(4).prefix(2))-\(text.suffix(2))"
        guard let micros = RFC3339.parseMicros(dashed) else { return nil }
        return AuditPartitionDay(micros: micros)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// What one partition of `convergence.audit_log` covers, read back from its name:
/// `audit_log_p20261205` one day, `audit_log_before_20261206` everything before a day
/// (the table that existed before migration 14, attached whole).
public struct AuditPartitionSpan: Equatable, Sendable {
    public let name: String
    /// nil: unbounded below (MINVALUE).
    public let lower: AuditPartitionDay?
    /// Exclusive.
    public let upper: AuditPartitionDay

    static let dailyPrefix = "audit_log_p"
    static let legacyPrefix = "audit_log_before_"

    /// nil for a name Convergence does not make (such a table is left alone).
    public init?(name: String) {
        if name.hasPrefix(AuditPartitionSpan.legacyPrefix),
           let day = AuditPartitionDay.parse(compact: name.dropFirst(AuditPartitionSpan.legacyPrefix.count)) {
            lower = nil
            upper = day
        } else if name.hasPrefix(AuditPartitionSpan.dailyPrefix),
                  let day = AuditPartitionDay.parse(compact: name.dropFirst(AuditPartitionSpan.dailyPrefix.count)) {
            lower = day
            upper = day.adding(days: 1)
        } else {
            return nil
        }
        self.name = name
    }

    public func covers(_ day: AuditPartitionDay) -> Bool { (lower.map { $0 <= day } ?? true) && day < upper }
}

/// Which partitions a retention cut-off removes whole. A partition goes when every
/// instant it can hold is before the cut-off; the one the cut-off falls inside stays
/// and is pruned row by row, so the cut-off stays exact to the microsecond.
public enum AuditRetentionPlan {
    public static func partitionsToDrop(_ names: [String], beforeMicros cutoff: Int64) -> [AuditPartitionSpan] {
        names.compactMap(AuditPartitionSpan.init(name:))
            .filter { $0.upper.startMicros <= cutoff }
            .sorted { $0.upper < $1.upper }
    }
}
