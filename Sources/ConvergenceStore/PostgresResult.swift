import CLibPQ

/// The rows of a completed statement, copied out of libpq's PGresult so the
/// result can outlive it and cross into value-type code.
public struct PostgresResult: Sendable {
    public let columns: [String]
    public let rows: [PostgresRow]
    /// Rows affected for INSERT/UPDATE/DELETE/COPY (0 when not applicable).
    public let affectedRows: Int

    init(_ result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        let names = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        let rowCount = Int(PQntuples(result))
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
            }
            rows.append(PostgresRow(columnIndex: index, values: values))
        }
        self.columns = names
        self.rows = rows
        self.affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public var first: PostgresRow? { rows.first }
}

/// One result row; decode columns by name into Swift types.
public struct PostgresRow: Sendable {
    let columnIndex: [String: Int]
    let values: [String?]

    /// The column decoded as `T`; throws when it is missing, NULL or malformed.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let value = try decodeIfPresent(column, as: type) else {
            throw .decoding(column: column, expected: "non-null \(T.self)")
        }
        return value
    }

    /// The column decoded as `T`, nil when NULL.
    /// Whether the result has this column (rows shared by several queries' decoders).
    public func has(_ column: String) -> Bool { columnIndex[column] != nil }

    public func decodeIfPresent<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T? {
        guard let i = columnIndex[column] else { throw .missingColumn(column) }
        guard let text = values[i] else { return nil }
        guard let value = T(postgresText: text) else { throw .decoding(column: column, expected: "\(T.self)") }
        return value
    }
}
