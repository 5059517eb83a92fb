import ConvergencePipelines
import XCTest

/// CSV checking before COPY, and the SQL behind data-quality checks.
final class CSVAndDQTests: XCTestCase {
    let columns = [CSVColumn(name: "id", type: .integer, nullable: false), CSVColumn(name: "amount", type: .numeric, nullable: true),
                   CSVColumn(name: "label", type: .text, nullable: true), CSVColumn(name: "at", type: .timestamp, nullable: true)]

    func validate(_ text: String, header: Bool = true) throws -> Int {
        try CSVValidator.validate(Array(text.utf8), columns: columns, header: header).rows
    }

    func failure(_ text: String) -> CSVValidator.Failure? {
        do { _ = try validate(text); return nil } catch { return error as? CSVValidator.Failure }
    }

    func testGoodFilesCountTheirRows() throws {
        XCTAssertEqual(try validate("id,amount,label,at\n1,1.5,a,2025-10-01 00:00:00 UTC\n2,,\"b, \"\"quoted\"\"\",\n"), 2)
        XCTAssertEqual(try validate("id,amount,label,at\r\n1,-2e3,\"multi\nline\",2025-10-01T10:00:00Z\r\n3,0.5,c,2025-10-01 10:00:00+02:00\r\n"), 2)
        XCTAssertEqual(try validate("1,1,a,\n", header: false), 1)
        XCTAssertEqual(try validate("id,amount,label,at\n"), 0)
    }

    func testABadRowIsReportedWithItsLineAndColumn() {
        XCTAssertEqual(failure("id,amount,label,at\n1,1,a,\n2,abc,b,\n"), .init(line: 3, message: "column amount: \"abc\" is not a valid numeric"))
        XCTAssertEqual(failure("id,amount,label,at\n1,1,a,\n2,1,b\n"), .init(line: 3, message: "expected 4 fields, found 3"))
        XCTAssertEqual(failure("id,amount,label,at\n,1,a,\n"), .init(line: 2, message: "column id: empty value in a column that may not be empty"))
        XCTAssertEqual(failure("id,amount,label,at\n1,1,a,2025-02-30 00:00:00\n")?.line, 2)
        XCTAssertEqual(failure("id,amount,label,at\n1,1,a,2025-10-01 25:00:00\n")?.line, 2)
        XCTAssertEqual(failure("id,amount,label,at\n99999999999999999999,1,a,\n")?.line, 2)
        // Line numbers count physical lines, also after a quoted field spanning two.
        XCTAssertEqual(failure("id,amount,label,at\n1,1,\"two\nlines\",\n2,x,c,\n")?.line, 4)
        XCTAssertEqual(failure("id,amount,label,at\n1,1,\"never closed,\n")?.message, "a quoted field is never closed")
        XCTAssertEqual(failure("id,amount,label,at\n1,1,a\"b,\n")?.message, "a quote inside an unquoted field")
        XCTAssertEqual(failure("id,amt,label,at\n")?.line, 1)
        // COPY does not skip blank lines (and would take a header after one as data).
        XCTAssertEqual(failure("id,amount,label,at\n1,1,a,\n\n2,1,b,\n"), .init(line: 3, message: "is blank (remove empty lines from the file)"))
        XCTAssertEqual(failure("\nid,amount,label,at\n1,1,a,\n")?.line, 1)
    }

    func testEachCheckKindHasItsQuery() {
        let notNull = DQCheckSQL.queries(for: DQCheck(name: "nn", kind: .notNull, columns: ["a", "b"]), table: "t")
        XCTAssertEqual(notNull.map(\.column), ["a", "b"])
        XCTAssertTrue(notNull[0].sql.contains("count(*) FILTER (WHERE \"a\" IS NULL) AS n FROM \"t\""), notNull[0].sql)
        XCTAssertEqual(notNull[0].expected, "0 null values")

        let unique = DQCheckSQL.queries(for: DQCheck(name: "u", kind: .unique, columns: ["a", "b"]), table: "t")[0]
        XCTAssertTrue(unique.sql.contains("GROUP BY \"a\", \"b\" HAVING count(*) > 1"), unique.sql)

        let rows = DQCheckSQL.queries(for: DQCheck(name: "r", kind: .rowCount, columns: [], min: 10), table: "t")[0]
        XCTAssertEqual(rows.parameters, ["10", nil])
        XCTAssertEqual(rows.expected, "at least 10 rows")

        let range = DQCheckSQL.queries(for: DQCheck(name: "r", kind: .range, columns: ["c"], min: 0, max: 2.5), table: "t")[0]
        XCTAssertEqual(range.parameters, ["0", "2.5"])
        XCTAssertEqual(range.expected, "between 0 and 2.5")
        XCTAssertTrue(range.sql.contains("\"c\" < $1::numeric OR \"c\" > $2::numeric"), range.sql)

        let fresh = DQCheckSQL.queries(for: DQCheck(name: "f", kind: .freshness, columns: ["at"], maxAgeSeconds: 3600), table: "t")[0]
        XCTAssertEqual(fresh.parameters, ["3600"])
        XCTAssertEqual(fresh.expected, "age at most 3600 s")
        for query in notNull + [unique, rows, range, fresh] {
            XCTAssertTrue(query.sql.contains("AS passed") && query.sql.contains("AS observed"), query.sql)
        }
    }
}
