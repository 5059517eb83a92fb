import ConvergenceTestSupport
import Foundation
import XCTest

/// `convergence scan` as an operator runs it on their own files: JSON lines that
/// say where (file, line or path, byte span) and what kind, never the value.
final class ScanCommandTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "convergence-scan-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func file(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func scan(_ arguments: [String]) throws -> (status: Int32, lines: [[String: Any]], text: String) {
        let result = try Shell.run([TestPaths.binary, "scan"] + arguments, check: false, stdoutOnly: true)
        let lines = result.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return (result.status, lines, result.output)
    }

    func testTextIsScannedLineByLineWithByteSpans() throws {
        let path = try file("notes.txt", "hello bob@example.org\nnothing here\ncard 4111 1111 1111 1111\n")
        let result = try scan([path])
        XCTAssertEqual(result.status, 1, "something found: exit 1, as grep")
        XCTAssertEqual(result.lines.count, 2, result.text)
        XCTAssertEqual(result.lines[0]["line"] as? Int, 1)
        XCTAssertEqual(result.lines[0]["kind"] as? String, "email")
        XCTAssertEqual(result.lines[0]["start"] as? Int, 6)
        XCTAssertEqual(result.lines[0]["end"] as? Int, 21)
        XCTAssertEqual(result.lines[0]["file"] as? String, path)
        XCTAssertEqual(result.lines[1]["line"] as? Int, 3)
        XCTAssertEqual(result.lines[1]["kind"] as? String, "payment_card")
        // The file's path is in every line, and its directory's UUID may hold "4111" (it did once in CI): only the rest counts.
        let printed = result.text.replacingOccurrences(of: path, with: "")
        XCTAssertFalse(printed.contains("bob@") || printed.contains("4111"), "where, never what")
    }

    func testJSONDocumentsReportFieldPaths() throws {
        let body = #"{"operations": [{"type": "llm_call", "input": "mail me: a@b.co"}], "context": {"user": {"email": "x@y.org"}}}"#
        let result = try scan([try file("check.json", body)])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.lines.map { $0["path"] as? String }, ["operations[0].input", "context.user.email"])
        XCTAssertEqual(result.lines.map { $0["start"] as? Int }, [9, 0])
        XCTAssertNil(result.lines.first?["line"])
    }

    func testCleanInputExitsZeroAndKindsFilter() throws {
        XCTAssertEqual(try scan([try file("clean.txt", "Order 12345678 shipped on 2026-11-25, version 1.2.3\n")]).status, 0)
        let mixed = try file("mixed.txt", "bob@example.org from 10.0.0.7\n")
        let onlyIP = try scan(["--kinds", "ip_address", mixed])
        XCTAssertEqual(onlyIP.lines.map { $0["kind"] as? String }, ["ip_address"])
        XCTAssertEqual(try scan(["--text", try file("doc.json", #"{"a": "x@y.org"}"#)]).lines.first?["line"] as? Int, 1,
                       "--text reads JSON as text")
    }

    func testBadUsageExitsTwoAndNamesTheProblem() throws {
        let unknown = try Shell.run([TestPaths.binary, "scan", "--kinds", "passport_photo"], check: false)
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.output.contains("unknown kind \"passport_photo\""), unknown.output)
        XCTAssertEqual(try Shell.run([TestPaths.binary, "scan", directory + "/missing.txt"], check: false).status, 2)
        XCTAssertEqual(try Shell.run([TestPaths.binary, "scan", "--json", try file("t.txt", "not json")], check: false).status, 2)
        XCTAssertEqual(try Shell.run([TestPaths.binary, "scan", "--help"], check: false).status, 0)
    }

    /// Hostile input stays linear: 1 MiB of digits, of capitals and of '@' each in well under a second.
    func testHugeHostileInputsStayFast() throws {
        for (name, unit) in [("digits", "9"), ("capitals", "A"), ("ats", "@"), ("cues", "phone Dear Mr ")] {
            let path = try file(name, String(repeating: unit, count: (1 << 20) / unit.count))
            let start = Date()
            XCTAssertLessThanOrEqual(try scan([path]).status, 1)
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, name)
        }
    }
}
