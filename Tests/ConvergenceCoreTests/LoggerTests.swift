import Foundation
import Synchronization
import Testing
@testable import ConvergenceCore

@Suite struct LoggerTests {
    @Test func lineIsOneJSONObjectWithTheStandardFields() throws {
        let line = Logger.format(level: .warning, role: "worker-1", pid: 42, message: "quote \" and \n newline",
                                 fields: ["count": 3, "name": "x\ty", "ok": .bool(true)], requestID: "req_abc",
                                 time: "2026-01-01T00:00:00.000Z")
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["role"] as? String == "worker-1")
        #expect(object["pid"] as? Int == 42)
        #expect(object["request_id"] as? String == "req_abc")
        #expect(object["msg"] as? String == "quote \" and \n newline")
        #expect(object["count"] as? Int == 3)
        #expect(object["name"] as? String == "x\ty")
        #expect(object["ok"] as? Bool == true)
    }

    /// The supervisor logs its workers' pids: each key appears once, the child's renamed.
    @Test func aFieldNamedLikeALineKeyIsTheChilds() throws {
        let line = Logger.format(level: .info, role: "supervisor", pid: 7, message: "worker ready",
                                 fields: ["worker": 0, "pid": 4242, "role": "worker"], requestID: nil)
        #expect(line.components(separatedBy: "\"pid\":").count == 2, "one pid key: \(line)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["pid"] as? Int == 7)
        #expect(object["child_pid"] as? Int == 4242)
        #expect(object["role"] as? String == "supervisor")
        #expect(object["child_role"] as? String == "worker")
    }

    @Test func controlCharactersAreEscaped() throws {
        let line = Logger.format(level: .info, role: "r", pid: 1, message: "bell \u{07} nul \u{00}", fields: [:], requestID: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "bell \u{07} nul \u{00}")
        #expect(object["request_id"] == nil)
    }

    @Test func levelsBelowTheMinimumAreDropped() {
        let lines = Mutex<[String]>([])
        let logger = Logger(role: "t", minimumLevel: .warning) { line in lines.withLock { $0.append(line) } }
        logger.debug("no")
        logger.info("no")
        logger.warning("yes")
        logger.error("yes")
        #expect(lines.withLock { $0.count } == 2)
    }

    @Test func rfc3339FormatsKnownInstants() {
        #expect(WallClock.rfc3339(seconds: 0, milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(WallClock.rfc3339(seconds: 951_782_400, milliseconds: 5) == "2000-02-29T00:00:00.005Z")
        #expect(WallClock.rfc3339(seconds: 1_795_000_000, milliseconds: 999) == "2026-11-18T11:06:40.999Z")
    }

    @Test func secureRandomHexHasTheRequestedLengthAndVaries() {
        let a = SecureRandom.hex(byteCount: 16)
        let b = SecureRandom.hex(byteCount: 16)
        #expect(a.count == 32)
        #expect(a != b)
        #expect(a.allSatisfy { "0123456789abcdef".contains($0) })
    }
}
