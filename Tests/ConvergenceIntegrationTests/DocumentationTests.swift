import ConvergenceTestSupport
import Foundation
import XCTest

/// The docs are part of the product: an error code a client can receive must be
/// in docs/api.md's table, so a new code cannot ship undocumented.
final class DocumentationTests: XCTestCase {
    func testEveryErrorCodeTheServerAnswersIsInTheAPIDocs() throws {
        let root = TestPaths.repositoryRoot
        let api = try String(contentsOf: root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        // `code: "…"` (APIError) and `badRequest("…"` literals across the sources.
        let pattern = try NSRegularExpression(pattern: #"(?:code: |badRequest\()"([a-z_]+)""#)
        var codes: Set<String> = []
        let sources = root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        XCTAssertGreaterThan(files.count, 50, "the sources were found")
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                codes.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        XCTAssertTrue(codes.isSuperset(of: ["invalid_json", "key_not_found", "rate_limited", "tenant_mismatch"]), "\(codes.sorted())")
        let missing = codes.filter { !api.contains("`\($0)`") }.sorted()
        XCTAssertEqual(missing, [], "error codes the server answers but docs/api.md does not list")
    }
}
