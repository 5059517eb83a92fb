import ConvergenceJSON
import ConvergencePipelines
import Foundation
import XCTest

/// Declared parameter formats (`format: yyyymm`, `format: date`): checked when a
/// run is triggered, named in the error, and declared by the shipped bill-sample template.
final class ParameterFormatTests: XCTestCase {
    let context = PipelineContext(tenantID: "acme_1", provider: "gcp", domain: "cost", templateName: "t", pipelineLoggingID: "run-1")

    func failure(_ yaml: String, _ parameters: [String: JSONValue] = [:]) -> TemplateError? {
        do { _ = try TemplateCompiler.compile(yaml: yaml, context: context, parameters: parameters); return nil } catch {
            return error
        }
    }

    static let monthly = """
        parameters:
          month: {type: string, format: yyyymm, default: "202510"}
          day: {type: string, format: date}
        steps:
          - {name: a, kind: sql, sql: "SELECT {month}, {day}"}
        """

    func testMonthsAreSixDigitsWithAMonthFrom01To12() {
        for good in ["202510", "202501", "202512", "190001", "999912"] {
            XCTAssertTrue(ParameterFormat.yyyymm.matches(good), good)
            XCTAssertNil(failure(Self.monthly, ["month": .string(good)]), good)
        }
        for bad in ["202513", "202500", "2025-10", "20251", "2025100", "abcdef", "20251a", " 20251", "189912", "２０２５１０", ""] {
            XCTAssertFalse(ParameterFormat.yyyymm.matches(bad), bad)
            let error = failure(Self.monthly, ["month": .string(bad)])
            XCTAssertEqual(error?.kind, .invalidParameters, bad)
            XCTAssertEqual(error?.message, "Parameter month must be a month as YYYYMM (six digits, month 01 to 12, such as 202510).", bad)
        }
        // The type is still checked first: a number is not a month string.
        XCTAssertEqual(failure(Self.monthly, ["month": .number(202510)])?.message, "Parameter month must be a string, not a number.")
    }

    func testDatesMustExist() {
        for good in ["2025-10-31", "2024-02-29", "2000-02-29", "1999-12-01"] {
            XCTAssertTrue(ParameterFormat.date.matches(good), good)
            XCTAssertNil(failure(Self.monthly, ["day": .string(good)]), good)
        }
        for bad in ["2025-02-29", "1900-02-29", "2025-04-31", "2025-13-01", "2025-10-00", "20251031", "2025/10/31", "2025-1-31"] {
            XCTAssertFalse(ParameterFormat.date.matches(bad), bad)
            XCTAssertEqual(failure(Self.monthly, ["day": .string(bad)])?.message,
                           "Parameter day must be a date as YYYY-MM-DD (such as 2025-10-31).", bad)
        }
    }

    func testTheFormatIsCheckedInTheTemplateToo() {
        let cases: [(String, String)] = [
            ("parameters:\n  m: {type: string, format: month}\nsteps:\n  - {name: a, kind: sql, sql: SELECT 1}\n",
             "line 2: parameter m has unknown format \"month\" (yyyymm or date)"),
            ("parameters:\n  m: {type: integer, format: yyyymm}\nsteps:\n  - {name: a, kind: sql, sql: SELECT 1}\n",
             "line 2: parameter m: format applies to strings only"),
            ("parameters:\n  m:\n    type: string\n    format: yyyymm\n    default: \"2025-10\"\nsteps:\n  - {name: a, kind: sql, sql: SELECT 1}\n",
             "line 5: the default of m does not match its type string and format yyyymm"),
        ]
        for (yaml, fragment) in cases {
            let error = failure(yaml)
            XCTAssertEqual(error?.kind, .invalidTemplate, yaml)
            XCTAssertTrue(error?.message.contains(fragment) ?? false, "\(String(describing: error?.message)) lacks \(fragment)")
        }
    }

    func testTheShippedBillSampleDeclaresItsMonth() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("configs/gcp/cost/bill-sample-export-template.yml"), encoding: .utf8)
        let plan = try TemplateCompiler.compile(yaml: text, context: context, parameters: ["invoice_month": .string("202511")])
        XCTAssertEqual(plan.parameters["invoice_month"], "202511")
        let error = failure(text, ["invoice_month": .string("202513")])
        XCTAssertEqual(error?.kind, .invalidParameters)
        XCTAssertTrue(error?.message.hasPrefix("Parameter invoice_month must be a month as YYYYMM") ?? false, "\(String(describing: error))")
        // Its data-quality checks look at the requested month's rows, not at the whole file.
        let monthCheck = try XCTUnwrap(plan.steps.first { $0.dq?.table == "gcp_billing_month" })
        XCTAssertEqual(monthCheck.dq?.checks.first?.kind, .rowCount)
        XCTAssertEqual(monthCheck.dq?.checks.first?.min, 1)
        let select = try XCTUnwrap(plan.steps.last { $0.number < monthCheck.number && $0.kind == .sql })
        XCTAssertTrue((select.statements ?? []).contains { $0.sql.contains("FROM gcp_billing_export_raw WHERE invoice_month = $1") },
                      "\(String(describing: select.statements))")
    }
}
