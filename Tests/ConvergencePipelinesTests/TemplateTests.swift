import ConvergenceJSON
import ConvergencePipelines
import Foundation
import XCTest

/// Templates: YAML parsing, compilation, placeholder expansion, validation.
final class TemplateTests: XCTestCase {
    let context = PipelineContext(tenantID: "acme_1", provider: "gcp", domain: "cost", templateName: "t", pipelineLoggingID: "run-1")

    func compile(_ yaml: String, _ parameters: [String: JSONValue] = [:]) throws -> PipelinePlan {
        try TemplateCompiler.compile(yaml: yaml, context: context, parameters: parameters)
    }

    func failure(_ yaml: String, _ parameters: [String: JSONValue] = [:]) -> TemplateError? {
        do { _ = try compile(yaml, parameters); return nil } catch { return error as? TemplateError }
    }

    // MARK: YAML

    func testYAMLBecomesATreeWithLinesAndQuotingKept() throws {
        let node = try YAMLParser.parse("a: 1\nb:\n  - x\n  - \"5\"\nc: {d: true}\n")
        guard case .mapping(let pairs, 1) = node else { return XCTFail("\(node)") }
        XCTAssertEqual(pairs.map(\.key), ["a", "b", "c"])
        XCTAssertEqual(pairs[0].value, .scalar("1", isPlain: true, line: 1))
        XCTAssertEqual(pairs[1].value, .sequence([.scalar("x", isPlain: true, line: 3), .scalar("5", isPlain: false, line: 4)], line: 3))
    }

    func testInvalidYAMLNamesTheLine() {
        XCTAssertThrowsError(try YAMLParser.parse("steps:\n  - name: a\n    kind: sql\n   sql: [unclosed\n")) { error in
            XCTAssertEqual((error as? YAMLParser.Failure)?.line, 4, "\(error)")
        }
        XCTAssertThrowsError(try YAMLParser.parse("a: 1\na: 2\n")) { error in
            XCTAssertEqual((error as? YAMLParser.Failure)?.message, "duplicate key \"a\"")
            XCTAssertEqual((error as? YAMLParser.Failure)?.line, 2)
        }
        XCTAssertThrowsError(try YAMLParser.parse(""))
        let error = failure("name: x\nsteps: [\n")
        XCTAssertEqual(error?.kind, .invalidTemplate)
        XCTAssertTrue(error?.message.hasPrefix("Template gcp/cost/t.yml, line ") ?? false, "\(String(describing: error))")
    }

    func testAliasBombsAreRefused() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        XCTAssertThrowsError(try YAMLParser.parse(yaml))
    }

    // MARK: Compilation

    func testASQLStepBindsEveryPlaceholderAsAParameter() throws {
        let plan = try compile("""
            parameters:
              month: {type: string, required: true}
              limit: {type: integer, default: 10}
            steps:
              - name: s1
                kind: sql
                sql: SELECT * FROM t WHERE month = {month} AND tenant = {tenant_id} AND m2 = {month} LIMIT {limit}
            """, ["month": .string("2025'10")])
        XCTAssertEqual(plan.pipelineID, "acme_1-gcp-cost-t")
        XCTAssertEqual(plan.steps[0].statements, [BoundStatement(
            sql: "SELECT * FROM t WHERE month = $1 AND tenant = $2 AND m2 = $1 LIMIT $3::bigint", parameters: ["2025'10", "acme_1", "10"])])
        XCTAssertEqual(plan.parametersJSON, #"{"limit":10,"month":"2025'10"}"#)
    }

    func testPlaceholdersInQuotesCommentsAndDollarQuotes() throws {
        let values: [String: PlaceholderExpansion.Value] = ["x": .init("v")]
        XCTAssertThrowsError(try PlaceholderExpansion.bind(sql: "SELECT '{x}'", values: values)) { error in
            XCTAssertEqual(error as? PlaceholderExpansion.Problem, .insideQuotes("x"))
        }
        XCTAssertThrowsError(try PlaceholderExpansion.bind(sql: "SELECT \"{x}\"", values: values))
        XCTAssertThrowsError(try PlaceholderExpansion.bind(sql: "SELECT $$ {x} $$", values: values))
        XCTAssertThrowsError(try PlaceholderExpansion.bind(sql: "SELECT {y}", values: values)) { error in
            XCTAssertEqual(error as? PlaceholderExpansion.Problem, .unknown("y"))
        }
        // JSON and array literals in quotes are not placeholders; comments are left alone.
        let bound = try PlaceholderExpansion.bind(sql: "SELECT '{\"a\": 1}'::jsonb, '{1,2}'::int[], {x} -- {x}\n/* {x} */", values: values)
        XCTAssertEqual(bound.sql, "SELECT '{\"a\": 1}'::jsonb, '{1,2}'::int[], $1 -- {x}\n/* {x} */")
        XCTAssertEqual(bound.parameters, ["v"])
        XCTAssertEqual(try PlaceholderExpansion.bind(sql: "SELECT 'it''s', {x}", values: values).sql, "SELECT 'it''s', $1")
        XCTAssertThrowsError(try PlaceholderExpansion.bind(sql: "SELECT $1", values: values)) { error in
            XCTAssertEqual(error as? PlaceholderExpansion.Problem, .positional)
        }
        XCTAssertEqual(try PlaceholderExpansion.bind(sql: "SELECT '$1', $tag$ $2 $tag$, col$1 FROM t", values: values).parameters, [])
    }

    func testParametersAreCheckedAgainstTheirDeclarations() {
        let yaml = """
            parameters:
              n: {type: integer, required: true}
              f: {type: number}
              b: {type: boolean}
              s: {type: string, max_length: 3}
            steps:
              - {name: a, kind: sql, sql: "SELECT {n}, {f}, {b}, {s}"}
            """
        XCTAssertEqual(failure(yaml)?.message, "Parameter n is required.")
        XCTAssertEqual(failure(yaml, ["n": .number(1.5)])?.message, "Parameter n must be an integer, not a number.")
        XCTAssertEqual(failure(yaml, ["n": .string("1")])?.message, "Parameter n must be an integer, not a string.")
        XCTAssertEqual(failure(yaml, ["n": .number(1), "b": .string("yes")])?.message, "Parameter b must be a boolean, not a string.")
        XCTAssertEqual(failure(yaml, ["n": .number(1), "s": .string("long")])?.message, "Parameter s is longer than 3 characters.")
        XCTAssertEqual(failure(yaml, ["n": .number(1), "s": .array([])])?.message, "Parameter s must be a string, not a list.")
        XCTAssertEqual(failure(yaml, ["n": .number(1), "zzz": .number(1)])?.message, "Unknown parameter zzz; this template takes n, f, b, s.")
        XCTAssertEqual(failure(yaml, ["n": .number(1)])?.kind, nil)
        XCTAssertEqual(failure(yaml, ["n": .number(1), "s": .string("ab")])?.kind, nil)
        XCTAssertEqual(failure(yaml, ["n": .null])?.kind, .invalidParameters)
    }

    func testTemplateMistakesNameFileAndLine() {
        let cases: [(String, String)] = [
            ("steps:\n  - name: a\n    kind: shell\n", "line 3: unknown step kind \"shell\""),
            ("steps:\n  - name: a\n    kind: sql\n    sql: SELECT 1\n    sqll: x\n", "line 5: unknown key \"sqll\""),
            ("stepz: []\n", "line 1: unknown key \"stepz\""),
            ("steps: []\n", "steps must list 1 to 100 steps"),
            ("steps:\n  - name: a\n    kind: sql\n", "needs \"sql\""),
            ("steps:\n  - name: ../x\n    kind: sql\n    sql: SELECT 1\n", "step name \"../x\""),
            ("steps:\n  - {name: a, kind: sql, sql: SELECT 1}\n  - {name: a, kind: sql, sql: SELECT 2}\n", "two steps are named \"a\""),
            ("parameters:\n  p: {type: date}\nsteps:\n  - {name: a, kind: sql, sql: SELECT 1}\n", "line 2: parameter p has unknown type \"date\""),
            ("parameters:\n  p: {type: integer, default: ten}\nsteps:\n  - {name: a, kind: sql, sql: SELECT 1}\n", "does not match its type"),
            ("parameters:\n  tenant_id: {type: string}\nsteps:\n  - {name: a, kind: sql, sql: SELECT 1}\n", "built-in placeholder"),
            ("steps:\n  - name: a\n    kind: sql\n    sql: SELECT {nope}\n", "line 4: step a: unknown placeholder {nope}"),
            ("steps:\n  - {name: a, kind: dq_check, table: t, checks: [{check: median, column: c}]}\n", "unknown check \"median\""),
            ("steps:\n  - {name: a, kind: dq_check, table: t, checks: [{check: range, column: c}]}\n", "range needs min, max or both"),
            ("steps:\n  - {name: a, kind: dq_check, table: t, checks: [{check: freshness, column: c}]}\n", "needs max_age"),
            ("steps:\n  - {name: a, kind: dq_check, table: t, checks: [{check: freshness, column: c, max_age: soon}]}\n", "max_age must look like"),
            ("steps:\n  - {name: a, kind: dq_check, table: \"T; DROP\", checks: [{check: row_count, min: 1}]}\n", "table \"T; DROP\""),
            ("steps:\n  - {name: a, kind: load_csv, file: ../etc/passwd.csv, table: t, columns: [{name: c}]}\n", "file \"../etc/passwd.csv\""),
            ("steps:\n  - {name: a, kind: load_csv, file: /etc/x.csv, table: t, columns: [{name: c}]}\n", "must be a relative path"),
            ("steps:\n  - {name: a, kind: load_csv, file: x.csv, table: t, columns: [{name: c, type: blob}]}\n", "unknown type \"blob\""),
            ("steps:\n  - {name: a, kind: load_csv, file: x.csv, table: t, columns: [{name: c}, {name: c}]}\n", "column \"c\" must be a unique"),
        ]
        for (yaml, fragment) in cases {
            let error = failure(yaml)
            XCTAssertEqual(error?.kind, .invalidTemplate, yaml)
            XCTAssertTrue(error?.message.contains(fragment) ?? false, "\(yaml)\n→ \(error?.message ?? "no error")\nwanted: \(fragment)")
            XCTAssertTrue(error?.message.hasPrefix("Template gcp/cost/t.yml, line ") ?? false, error?.message ?? "")
        }
    }

    func testLoadAndDQStepsCompileToValidatedNames() throws {
        let plan = try compile("""
            timeout_seconds: 60
            parameters:
              name: {type: string, default: sample}
            steps:
              - name: load
                kind: load_csv
                file: gcp/{name}.csv
                table: "{tenant_id}.raw_{name}"
                timeout_seconds: 5
                columns:
                  - {name: id, type: integer, nullable: false}
                  - {name: at, type: timestamp}
              - name: dq
                kind: dq_check
                table: raw_{name}
                checks:
                  - {check: freshness, column: at, max_age: 36h, severity: warn}
                  - {check: unique, columns: [id, at], name: key}
            """)
        let load = try XCTUnwrap(plan.steps[0].load)
        XCTAssertEqual(load.file, "gcp/sample.csv")
        XCTAssertEqual(load.table, "raw_sample")
        XCTAssertEqual(plan.steps[0].timeoutSeconds, 5)
        XCTAssertEqual(plan.steps[1].timeoutSeconds, 60)
        XCTAssertEqual(load.createTableSQL, "CREATE TABLE IF NOT EXISTS \"raw_sample\" (\"id\" bigint NOT NULL, \"at\" timestamptz)")
        XCTAssertEqual(load.copySQL, "COPY \"raw_sample\" (\"id\", \"at\") FROM STDIN WITH (FORMAT csv, HEADER true)")
        let checks = try XCTUnwrap(plan.steps[1].dq?.checks)
        XCTAssertEqual(checks[0], DQCheck(name: "freshness", kind: .freshness, columns: ["at"], maxAgeSeconds: 36 * 3600, severity: .warn))
        XCTAssertEqual(checks[1].columns, ["id", "at"])
        // Parameters that would make a bad name are refused at the trigger.
        XCTAssertEqual(failure("""
            parameters:
              name: {type: string}
            steps:
              - {name: a, kind: dq_check, table: "x_{name}", checks: [{check: row_count, min: 1}]}
            """, ["name": .string("y\"; DROP TABLE z; --")])?.kind, .invalidTemplate)
    }

    func testPlansSurviveJSONRoundTrips() throws {
        let plan = try compile("steps:\n  - {name: a, kind: sql, sql: [SELECT 1, \"SELECT {pipeline_id}\"]}\n")
        let decoded = try JSONDecoder().decode(PipelinePlan.self, from: try JSONEncoder().encode(plan))
        XCTAssertEqual(decoded, plan)
    }

    func testShippedTemplatesCompile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for path in ["gcp/example/dryrun.yml", "gcp/cost/bill-sample-export-template.yml", "customer/onboarding-template.yml"] {
            let text = try String(contentsOf: root.appendingPathComponent("configs/" + path), encoding: .utf8)
            XCTAssertNoThrow(try TemplateCompiler.compile(yaml: text, context: context, parameters: [:]), path)
        }
    }

    // MARK: Names

    func testNamesThatCouldEscapeAreRefused() {
        for good in ["gcp", "bill-sample-export-template", "a_b-C9", String(repeating: "a", count: 64)] {
            XCTAssertTrue(PipelineName.isValid(good), good)
        }
        for bad in ["", "..", ".", "a/b", "../etc", "a.yml", "a b", "ü", "a%2f", String(repeating: "a", count: 65), "a\0b"] {
            XCTAssertFalse(PipelineName.isValid(bad), bad)
        }
        XCTAssertTrue(SQLIdentifier.isValid("gcp_daily_cost"))
        for bad in ["Upper", "1abc", "a-b", "a\"b", "", String(repeating: "a", count: 64)] { XCTAssertFalse(SQLIdentifier.isValid(bad), bad) }
        XCTAssertTrue(DataFilePath.isValid("gcp/billing_export_sample.csv"))
        for bad in ["../x.csv", "a/../x.csv", "/x.csv", "x.txt", ".hidden.csv", "a//b.csv", "a/./b.csv"] { XCTAssertFalse(DataFilePath.isValid(bad), bad) }
    }

    func testDurations() {
        XCTAssertEqual(DurationText.seconds("90s"), 90)
        XCTAssertEqual(DurationText.seconds("30m"), 1800)
        XCTAssertEqual(DurationText.seconds("36h"), 129_600)
        XCTAssertEqual(DurationText.seconds("7d"), 604_800)
        XCTAssertEqual(DurationText.seconds("45"), 45)
        for bad in ["", "h", "-1h", "0s", "1w", "1.5h"] { XCTAssertNil(DurationText.seconds(bad), bad) }
    }
}
