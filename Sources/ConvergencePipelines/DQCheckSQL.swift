/// The SQL behind each data-quality check. Every query returns one row with
/// `passed boolean` and `observed text`; table and column names are validated
/// identifiers (quoted), limits are bound parameters.
public enum DQCheckSQL {
    public struct Query: Equatable, Sendable {
        public let sql: String
        public let parameters: [String?]
        /// The column this result is about (nil for whole-table checks).
        public let column: String?
        /// What the check wanted, for `dq_results.expected_value`.
        public let expected: String
    }

    /// One query per result row: not_null over several columns yields one per column.
    public static func queries(for check: DQCheck, table: String) -> [Query] {
        let t = SQLIdentifier.quoted(table)
        switch check.kind {
        case .notNull:
            return check.columns.map { column in
                let c = SQLIdentifier.quoted(column)
                return Query(sql: """
                    SELECT n = 0 AS passed, n || ' null values' AS observed
                    FROM (SELECT count(*) FILTER (WHERE \(c) IS NULL) AS n FROM \(t)) s
                    """, parameters: [], column: column, expected: "0 null values")
            }
        case .unique:
            let key = check.columns.map(SQLIdentifier.quoted).joined(separator: ", ")
            return [Query(sql: """
                SELECT n = 0 AS passed, n || ' duplicate rows' AS observed
                FROM (SELECT coalesce(sum(c - 1), 0)::bigint AS n
                      FROM (SELECT count(*) AS c FROM \(t) GROUP BY \(key) HAVING count(*) > 1) d) s
                """, parameters: [], column: check.columns.joined(separator: ","), expected: "0 duplicate rows")]
        case .rowCount:
            return [Query(sql: """
                SELECT (n >= coalesce($1::numeric, n) AND n <= coalesce($2::numeric, n)) AS passed, n || ' rows' AS observed
                FROM (SELECT count(*) AS n FROM \(t)) s
                """, parameters: [check.min.map(text), check.max.map(text)], column: nil,
                expected: bounds(check.min, check.max, unit: " rows"))]
        case .range:
            let column = check.columns[0]
            let c = SQLIdentifier.quoted(column)
            return [Query(sql: """
                SELECT bad = 0 AS passed,
                       'min ' || coalesce(lo::text, 'none') || ', max ' || coalesce(hi::text, 'none') || ', '
                           || bad || ' out of range' AS observed
                FROM (SELECT count(*) FILTER (WHERE \(c) < $1::numeric OR \(c) > $2::numeric) AS bad,
                             min(\(c)) AS lo, max(\(c)) AS hi FROM \(t)) s
                """, parameters: [check.min.map(text), check.max.map(text)], column: column,
                expected: bounds(check.min, check.max, unit: ""))]
        case .freshness:
            let column = check.columns[0]
            let c = SQLIdentifier.quoted(column)
            let maxAge = check.maxAgeSeconds ?? 0
            return [Query(sql: """
                SELECT coalesce(age <= $1::bigint, false) AS passed,
                       CASE WHEN latest IS NULL THEN 'no rows'
                            ELSE 'latest ' || to_char(latest AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                                 || ', age ' || age || ' s' END AS observed
                FROM (SELECT max(\(c))::timestamptz AS latest,
                             floor(extract(epoch FROM now() - max(\(c))::timestamptz))::bigint AS age FROM \(t)) s
                """, parameters: [String(maxAge)], column: column, expected: "age at most \(maxAge) s")]
        }
    }

    static func text(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 9.0e15 ? String(Int64(value)) : String(value)
    }

    static func bounds(_ min: Double?, _ max: Double?, unit: String) -> String {
        switch (min, max) {
        case let (lo?, hi?): "between \(text(lo)) and \(text(hi))\(unit)"
        case let (lo?, nil): "at least \(text(lo))\(unit)"
        case let (nil, hi?): "at most \(text(hi))\(unit)"
        case (nil, nil): "any"
        }
    }
}
