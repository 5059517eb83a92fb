import ConvergenceJSON
import ConvergenceStore
import Glibc

/// The usage rollups of a batch whose every row is new (its COPY went in without a
/// conflict), counted here from the spooled rows instead of by PostgreSQL reading back
/// the rows it just inserted: `UsageRollup`'s statements probe the primary key once per
/// row for each of the three tables, about a quarter of the flusher's time in
/// PostgreSQL (docs/performance.md). The counts are the same as `UsageRollup`'s SQL —
/// `UsageTallyEquivalenceTests` runs both on one batch — and a replayed batch, whose
/// rows may be partly stored already, still takes the SQL path (only the rows this
/// transaction inserted count there).
package struct UsageTally: Equatable {
    package struct SeriesKey: Hashable, Comparable {
        package let seconds: Int
        package let scope: String
        package let start: Int64 // Unix seconds

        package static func < (a: Self, b: Self) -> Bool { (a.seconds, a.scope, a.start) < (b.seconds, b.scope, b.start) }
    }

    package struct SeriesCounts: Equatable {
        package var checks = 0, allowed = 0, blocked = 0, wouldBlock = 0, pii = 0
        package var latency = [Int](repeating: 0, count: UsageRollup.latencyBoundsMicros.count + 1)
    }

    package struct RuleKey: Hashable, Comparable {
        package let series: SeriesKey
        package let policyID: String
        package let rule: String

        package static func < (a: Self, b: Self) -> Bool { (a.series, a.policyID, a.rule) < (b.series, b.policyID, b.rule) }
    }

    package struct PolicyKey: Hashable, Comparable {
        package let policyID: String
        package let hourStart: Int64

        package static func < (a: Self, b: Self) -> Bool { (a.policyID, a.hourStart) < (b.policyID, b.hourStart) }
    }

    /// Blocked by an enforced rule / would have been blocked by a monitor-mode one.
    package struct BlockCounts: Equatable {
        package var blocked = 0, wouldBlock = 0
    }

    package private(set) var series: [SeriesKey: SeriesCounts] = [:]
    package private(set) var rules: [RuleKey: BlockCounts] = [:]
    package private(set) var policies: [PolicyKey: BlockCounts] = [:]

    /// One check row's fields that the rollups read.
    package struct Check {
        package var micros: Int64
        package var customerID: String?
        package var keyID: String?
        package var decision: String?
        package var wouldBlock: Bool?
        package var latencyMicros: Int?
        package var personalData: Bool
        /// (policy, rule, mode) per violation, as the record lists them.
        package var violations: [(policyID: String, rule: String, mode: String)]
    }

    package init() {}

    /// Tallies spooled COPY text rows (`times`: their capture times, one per row). Nil when
    /// a row does not read as the rollups expect; the caller then uses the SQL path.
    package init?(rows: [UInt8], times: [Int64]) {
        var index = 0
        var ok = true
        rows.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count, ok {
                guard let end = buffer[start...].firstIndex(of: 10), index < times.count else { ok = false; return }
                switch UsageTally.check(UnsafeBufferPointer(rebasing: buffer[start..<end]), micros: times[index]) {
                case .check(let check): add(check)
                case .notACheck: break
                case .unreadable: ok = false
                }
                index += 1
                start = end + 1
            }
        }
        guard ok, index == times.count else { return nil }
    }

    /// Adds one check: to every series granularity for the installation, hours and days
    /// for its customer and key; its violations to the rules and policies.
    package mutating func add(_ check: Check) {
        let seconds = check.micros >= 0 ? check.micros / 1_000_000 : (check.micros - 999_999) / 1_000_000
        // The installation, the customer and the key (no array per check: this runs for every row).
        let customerScope = check.customerID.map { "c:" + $0 }, keyScope = check.keyID.map { "k:" + $0 }
        let latencyBucket = check.latencyMicros.map { latency in
            UsageRollup.latencyBoundsMicros.firstIndex { latency <= $0 } ?? UsageRollup.latencyBoundsMicros.count
        }
        for granularity in UsageRollup.seriesBuckets {
            let start = UsageTally.binStart(seconds, granularity)
            func bump(_ scope: String) {
                UsageTally.count(check, latencyBucket: latencyBucket,
                                 into: &series[SeriesKey(seconds: granularity, scope: scope, start: start), default: SeriesCounts()])
            }
            bump("*")
            guard granularity >= UsageRollup.scopedBucketSeconds else { continue }
            if let customerScope { bump(customerScope) }
            if let keyScope { bump(keyScope) }
        }
        guard !check.violations.isEmpty else { return }
        let scopes = ["*"] + [customerScope, keyScope].compactMap { $0 }
        // Per (policy, rule) once per check, enforced and monitored each if any entry was.
        var perRule: [String: [String: (enforced: Bool, monitored: Bool)]] = [:]
        for violation in check.violations {
            var flags = perRule[violation.policyID, default: [:]][violation.rule] ?? (false, false)
            if violation.mode == "enforce" { flags.enforced = true }
            if violation.mode == "monitor" { flags.monitored = true }
            perRule[violation.policyID, default: [:]][violation.rule] = flags
        }
        for granularity in UsageRollup.ruleBuckets {
            let start = UsageTally.binStart(seconds, granularity)
            for scope in scopes where scope == "*" || granularity >= UsageRollup.scopedBucketSeconds {
                for (policy, ruleFlags) in perRule {
                    for (rule, flags) in ruleFlags {
                        let key = RuleKey(series: SeriesKey(seconds: granularity, scope: scope, start: start), policyID: policy, rule: rule)
                        rules[key, default: BlockCounts()].blocked += flags.enforced ? 1 : 0
                        rules[key, default: BlockCounts()].wouldBlock += flags.monitored ? 1 : 0
                    }
                }
            }
        }
        let hour = UsageTally.binStart(seconds, 3600)
        for (policy, ruleFlags) in perRule {
            let key = PolicyKey(policyID: policy, hourStart: hour)
            policies[key, default: BlockCounts()].blocked += ruleFlags.values.contains(where: \.enforced) ? 1 : 0
            policies[key, default: BlockCounts()].wouldBlock += ruleFlags.values.contains(where: \.monitored) ? 1 : 0
        }
    }

    private static func count(_ check: Check, latencyBucket: Int?, into counts: inout SeriesCounts) {
        counts.checks += 1
        if check.decision == "allow" { counts.allowed += 1 }
        if check.decision == "block" { counts.blocked += 1 }
        if check.wouldBlock == true { counts.wouldBlock += 1 }
        if check.personalData { counts.pii += 1 }
        if let latencyBucket { counts.latency[latencyBucket] += 1 }
    }

    /// `date_bin(granularity, t, epoch)` for Unix seconds.
    static func binStart(_ seconds: Int64, _ granularity: Int) -> Int64 {
        let g = Int64(granularity)
        return (seconds >= 0 ? seconds / g : (seconds - g + 1) / g) * g
    }

    // MARK: - Reading a COPY row

    enum RowReading {
        case check(Check)
        case notACheck
        case unreadable
    }

    /// Field positions in `AuditRecord.columns`.
    static let kindField = AuditRecord.columns.firstIndex(of: "kind")!
    static let customerField = AuditRecord.columns.firstIndex(of: "customer_id")!
    static let keyField = AuditRecord.columns.firstIndex(of: "key_id")!
    static let decisionField = AuditRecord.columns.firstIndex(of: "decision")!
    static let reasonsField = AuditRecord.columns.firstIndex(of: "reasons")!
    static let wouldBlockField = AuditRecord.columns.firstIndex(of: "would_block")!
    static let latencyField = AuditRecord.columns.firstIndex(of: "latency_us")!
    static let violationsField = AuditRecord.columns.firstIndex(of: "violations")!

    static func check(_ row: UnsafeBufferPointer<UInt8>, micros: Int64) -> RowReading {
        // Field boundaries by memchr, then only the fields the rollups read, compared as
        // bytes where they hold no escape: only the key and the customer become Strings
        // (and the violations, when there are any). This runs for every spooled check.
        let columns = AuditRecord.columns.count
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: columns + 1) { starts -> RowReading in
            guard CopyTextRow.fieldStarts(row, columns: columns, into: starts) else { return .unreadable }
            func field(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: row[starts[i]..<(starts[i + 1] - 1)]) }
            return check(field: field, micros: micros)
        }
    }

    private static func check(field: (Int) -> UnsafeBufferPointer<UInt8>, micros: Int64) -> RowReading {
        guard FieldBytes(field(kindField)).equals("check") else { return .notACheck }
        var check = Check(micros: micros, customerID: nil, keyID: copyValue(field(keyField)), decision: nil,
                          wouldBlock: nil, latencyMicros: nil, personalData: false, violations: [])
        let decision = FieldBytes(field(decisionField))
        check.decision = decision.equals("allow") ? "allow" : decision.equals("block") ? "block" : decision.string
        let customer = FieldBytes(field(customerField))
        if !customer.isNull {
            guard let canonical = customer.canonicalUUID ?? customer.string.flatMap(canonicalUUID) else { return .unreadable }
            check.customerID = canonical
        }
        let wouldBlock = FieldBytes(field(wouldBlockField))
        if wouldBlock.equals("t") || wouldBlock.equals("true") {
            check.wouldBlock = true
        } else if wouldBlock.equals("f") || wouldBlock.equals("false") {
            check.wouldBlock = false
        } else if !wouldBlock.isNull {
            return .unreadable
        }
        let latency = FieldBytes(field(latencyField))
        if !latency.isNull {
            guard let value = latency.integer ?? latency.string.flatMap({ Int($0) }) else { return .unreadable }
            check.latencyMicros = value
        }
        // As the SQL: `reasons::text LIKE '%"factor":"personal_data"%'` (the worker writes it
        // compactly). Searched in the escaped bytes: the needle holds no byte COPY escapes.
        let reasons = field(reasonsField)
        check.personalData = personalDataNeedle.withUnsafeBufferPointer { contains(reasons, $0) }
        let listed = FieldBytes(field(violationsField))
        if !listed.isNull, !listed.equals("[]") {
            guard let text = listed.string, let violations = violations(text) else { return .unreadable }
            check.violations = violations
        }
        return .check(check)
    }

    static let personalDataNeedle = Array(#""factor":"personal_data""#.utf8)

    /// Whether `needle` (not empty) occurs in `haystack`: memchr to each candidate first byte.
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = haystack.baseAddress, let first = needle.first, needle.count <= haystack.count else { return false }
        var at = 0
        let last = haystack.count - needle.count
        while at <= last, let hit = memchr(base + at, Int32(first), last - at + 1) {
            at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + at, needle.baseAddress!, needle.count) == 0 { return true }
            at += 1
        }
        return false
    }

    /// One COPY text field, read without making a String where it can.
    struct FieldBytes {
        let bytes: UnsafeBufferPointer<UInt8>
        let escaped: Bool

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            escaped = bytes.count > 0 && memchr(bytes.baseAddress!, 92, bytes.count) != nil
        }

        var isNull: Bool { CopyTextRow.isNull(bytes) }

        /// The value (escapes undone), nil for NULL.
        var string: String? { copyValue(bytes) }

        /// Whether the value is exactly `word` (ASCII; never true for NULL).
        func equals(_ word: StaticString) -> Bool {
            if escaped { return string == word.description }
            guard bytes.count == word.utf8CodeUnitCount else { return false }
            return bytes.isEmpty || memcmp(bytes.baseAddress!, word.utf8Start, bytes.count) == 0
        }

        /// A plain decimal (the caller then asks `Int(string)` for any other spelling).
        var integer: Int? { escaped ? nil : CopyTextRow.plainInteger(bytes) }

        /// The value when it is already `uuid::text` (36 bytes, lower-case hex, hyphens in place).
        var canonicalUUID: String? {
            guard !escaped, bytes.count == 36 else { return nil }
            for (i, byte) in bytes.enumerated() {
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    guard byte == 45 else { return nil }
                } else {
                    guard (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) else { return nil }
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// `[{"policy_id":…,"rule":…,"mode":…}, …]`; nil unless every entry names a policy and a rule as strings.
    static func violations(_ text: String) -> [(policyID: String, rule: String, mode: String)]? {
        guard let document = try? JSONDocument.parse(Array(text.utf8)), document.kind(document.root) == .array else { return nil }
        var out: [(policyID: String, rule: String, mode: String)] = []
        for entry in document.elements(document.root) {
            guard document.kind(entry) == .object,
                  let policy = document.member(entry, "policy_id"), document.kind(policy) == .string,
                  let rule = document.member(entry, "rule"), document.kind(rule) == .string else { return nil }
            let mode = document.member(entry, "mode").flatMap { document.kind($0) == .string ? document.string($0) : nil } ?? ""
            out.append((document.string(policy), document.string(rule), mode))
        }
        return out
    }

    /// A COPY text field's value: nil for `\N`, escapes undone.
    static func copyValue(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.count == 2, bytes[0] == 92, bytes[1] == 78 { return nil }
        guard bytes.contains(92) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 92, i + 1 < bytes.count {
                switch bytes[i + 1] {
                case 110: out.append(10)
                case 114: out.append(13)
                case 116: out.append(9)
                default: out.append(bytes[i + 1])
                }
                i += 2
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `uuid::text`: 32 hex digits, lower case, grouped 8-4-4-4-12 (PostgreSQL also reads braces and no hyphens).
    static func canonicalUUID(_ text: String) -> String? {
        let hex = text.utf8.filter { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: "{") && $0 != UInt8(ascii: "}") }
        guard hex.count == 32, hex.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }) else { return nil }
        var out: [UInt8] = []
        for (i, byte) in hex.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append(UInt8(ascii: "-")) }
            out.append(byte >= 65 && byte <= 70 ? byte | 0x20 : byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Writing

    /// Adds the tally to the rollup tables (inside the flusher's transaction), three statements.
    package func write(_ connection: PostgresConnection) throws(PostgresError) {
        if !series.isEmpty {
            let keys = series.keys.sorted()
            try connection.query("""
                INSERT INTO convergence.usage_rollup AS u (bucket_seconds, scope, bucket_start, checks, allowed, blocked, would_block,
                                                           pii_findings, latency)
                SELECT s, sc, to_timestamp(b), c, a, bl, w, p, l::bigint[]
                FROM unnest($1::integer[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
                            $9::text[]) AS t(s, sc, b, c, a, bl, w, p, l)
                ON CONFLICT (bucket_seconds, scope, bucket_start) DO UPDATE SET
                    checks = u.checks + excluded.checks, allowed = u.allowed + excluded.allowed, blocked = u.blocked + excluded.blocked,
                    would_block = u.would_block + excluded.would_block, pii_findings = u.pii_findings + excluded.pii_findings,
                    latency = convergence.add_counts(u.latency, excluded.latency)
                """, [
                    UsageTally.array(keys.map { String($0.seconds) }), UsageTally.array(keys.map(\.scope), quoted: true),
                    UsageTally.array(keys.map { String($0.start) }),
                    UsageTally.array(keys.map { String(series[$0]!.checks) }), UsageTally.array(keys.map { String(series[$0]!.allowed) }),
                    UsageTally.array(keys.map { String(series[$0]!.blocked) }), UsageTally.array(keys.map { String(series[$0]!.wouldBlock) }),
                    UsageTally.array(keys.map { String(series[$0]!.pii) }),
                    UsageTally.array(keys.map { UsageTally.array(series[$0]!.latency.map(String.init)) }, quoted: true),
                ])
        }
        if !rules.isEmpty {
            let keys = rules.keys.sorted()
            try connection.query("""
                INSERT INTO convergence.usage_rules AS r (bucket_seconds, scope, bucket_start, policy_id, rule, blocked, would_block)
                SELECT s, sc, to_timestamp(b), p, ru, bl, w
                FROM unnest($1::integer[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
                    AS t(s, sc, b, p, ru, bl, w)
                ON CONFLICT (bucket_seconds, scope, bucket_start, policy_id, rule) DO UPDATE SET
                    blocked = r.blocked + excluded.blocked, would_block = r.would_block + excluded.would_block
                """, [
                    UsageTally.array(keys.map { String($0.series.seconds) }), UsageTally.array(keys.map(\.series.scope), quoted: true),
                    UsageTally.array(keys.map { String($0.series.start) }), UsageTally.array(keys.map(\.policyID), quoted: true),
                    UsageTally.array(keys.map(\.rule), quoted: true),
                    UsageTally.array(keys.map { String(rules[$0]!.blocked) }), UsageTally.array(keys.map { String(rules[$0]!.wouldBlock) }),
                ])
        }
        if !policies.isEmpty {
            let keys = policies.keys.sorted()
            try connection.query("""
                INSERT INTO convergence.usage_policy_hours AS p (policy_id, bucket_start, blocked, would_block)
                SELECT po, to_timestamp(b), bl, w FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS t(po, b, bl, w)
                ON CONFLICT (policy_id, bucket_start) DO UPDATE SET
                    blocked = p.blocked + excluded.blocked, would_block = p.would_block + excluded.would_block
                """, [
                    UsageTally.array(keys.map(\.policyID), quoted: true), UsageTally.array(keys.map { String($0.hourStart) }),
                    UsageTally.array(keys.map { String(policies[$0]!.blocked) }),
                    UsageTally.array(keys.map { String(policies[$0]!.wouldBlock) }),
                ])
        }
    }

    /// A PostgreSQL array literal; `quoted` elements are double-quoted with `"` and `\` escaped.
    static func array(_ elements: [String], quoted: Bool = false) -> String {
        guard quoted else { return "{" + elements.joined(separator: ",") + "}" }
        return "{" + elements.map { element in
            var out = "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { out.append("\\") }
                out.unicodeScalars.append(character)
            }
            return out + "\""
        }.joined(separator: ",") + "}"
    }
}
