import Foundation
import XCTest

/// An XCTest class with one stack (PostgreSQL + `serve` + nginx) for all its tests and an
/// admin key made the way an operator makes one. A subclass names its stack with
/// `stackLabel` and may override `stackOverrides`; each subclass gets its own stack.
open class StackTestCase: XCTestCase {
    /// Per subclass: XCTest runs one class's tests at a time, on one thread, and
    /// `class setUp`/`tearDown` bracket them, so this table is never touched concurrently.
    nonisolated(unsafe) private static var stacks: [ObjectIdentifier: (stack: TestStack, adminKey: String)] = [:]

    open class var stackLabel: String { String(describing: self) }
    open class var stackOverrides: [String: String] { [:] }

    override open class func setUp() {
        super.setUp()
        do {
            let stack = try TestStack(label: stackLabel, overrides: stackOverrides)
            stacks[ObjectIdentifier(self)] = (stack, try stack.createAdminKey())
        } catch {
            XCTFail("cannot start the stack: \(error)")
        }
    }

    override open class func tearDown() {
        stacks.removeValue(forKey: ObjectIdentifier(self))?.stack.stop()
        super.tearDown()
    }

    public var stack: TestStack { Self.stacks[ObjectIdentifier(Self.self)]!.stack }
    public var adminKey: String { Self.stacks[ObjectIdentifier(Self.self)]!.adminKey }
    public var client: HTTPClient { stack.client }
    public var admin: [String: String] { ["Authorization": "Bearer \(adminKey)"] }
    public func psql(_ sql: String) throws -> String { try stack.postgres.psql(sql) }

    public func errorCode(_ response: HTTPClient.Response) -> String? {
        ((try? response.json())?["error"] as? [String: Any])?["code"] as? String
    }

    public func errorMessage(_ response: HTTPClient.Response) -> String {
        (((try? response.json())?["error"] as? [String: Any])?["message"] as? String) ?? ""
    }
}
