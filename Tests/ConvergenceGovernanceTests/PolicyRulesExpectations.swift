import ConvergenceJSON
import Testing
@testable import ConvergenceGovernance

/// `text` (a rules object) is refused with an error naming `field`.
func expectRefused(_ text: String, naming field: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try PolicyRules.parse(try JSONParser.parse(Array(text.utf8)))
        Issue.record("accepted \(text)", sourceLocation: sourceLocation)
    } catch let error as PolicyRules.Invalid {
        #expect(error.field == field, sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
    }
}
