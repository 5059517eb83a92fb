import ConvergenceGovernance
import ConvergenceJSON
import ConvergencePipelines
import Foundation
import Testing

/// openapi.yaml is what outside clients and fuzzers load: it must be valid YAML (it was
/// not, for a while, over one unquoted ": " in a description), and the policy rules it
/// declares must be exactly the ones the server accepts.
@Suite struct OpenAPIContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func document() throws -> YAMLNode {
        try YAMLParser.parse(try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8))
    }

    static func member(_ node: YAMLNode, _ key: String) -> YAMLNode? {
        guard case .mapping(let pairs, _) = node else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    @Test func theSpecIsValidYAML() throws {
        let spec = try Self.document()
        guard case .scalar(let version, _, _)? = Self.member(spec, "openapi") else { Issue.record("no openapi version"); return }
        #expect(version.hasPrefix("3."))
    }

    @Test func policyRulesInTheSpecAreTheRulesTheServerAccepts() throws {
        let spec = try Self.document()
        let schema = Self.member(Self.member(Self.member(spec, "components") ?? .sequence([], line: 0), "schemas") ?? .sequence([], line: 0),
                                 "PolicyRules")
        guard let schema, case .mapping(let properties, _)? = Self.member(schema, "properties") else {
            Issue.record("no PolicyRules properties")
            return
        }
        let declared = Set(properties.map(\.key))
        var known: Set<String> = []
        do {
            _ = try PolicyRules.parse(try JSONParser.parse(Array(#"{"no_such_rule": 1}"#.utf8)))
        } catch let error as PolicyRules.Invalid {
            let list = error.problem.components(separatedBy: "known: ").last ?? ""
            known = Set(list.components(separatedBy: ", "))
        } catch {
            Issue.record("\(error)")
        }
        #expect(known.count > 10)
        #expect(declared == known, "in the spec only: \(declared.subtracting(known).sorted()); accepted only: \(known.subtracting(declared).sorted())")
    }
}
