import ConvergenceCore
@testable import ConvergenceAudit
import Glibc
import XCTest

/// The worker-side spool against a real directory: records land framed on
/// disk, and the buffer bound applies the configured policy.
final class AuditSpoolTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/convergence-unit-spool-XXXXXX".utf8CString)
        directory = String(cString: try XCTUnwrap(mkdtemp(&template)))
    }

    override func tearDown() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    func makeSpool(bufferBytes: Int, policy: AuditFullPolicy) throws -> AuditSpool {
        var config = Config()
        config.auditSpoolDir = directory
        config.auditBufferBytes = bufferBytes
        config.auditFullPolicy = policy
        return try AuditSpool(config: config, logger: Logger(role: "test", minimumLevel: .error))
    }

    /// A spool that cannot be made (its path runs through a regular file, as a full or
    /// missing disk would fail it) starts degraded instead of throwing: appends follow the
    /// policy, and the background work makes the segments once the path is usable again.
    func testADegradedSpoolRefusesThenRecoversWithoutARestart() throws {
        let blocker = directory + "/blocker"
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        var config = Config()
        config.auditSpoolDir = blocker + "/spool"
        config.auditBufferBytes = 1 << 20
        config.auditSegmentBytes = 64 << 10
        let logger = Logger(role: "test", minimumLevel: .error)
        XCTAssertThrowsError(try AuditSpool(config: config, logger: logger), "without `degraded` it still throws")
        let spool = try AuditSpool(config: config, logger: logger, lanes: 2, degraded: true)
        XCTAssertFalse(spool.isWritable)
        XCTAssertNotNil(spool.failure)
        XCTAssertEqual(spool.append(record(1), lane: 0), .refused)
        XCTAssertEqual(spool.append(record(2), lane: 1), .refused)
        spool.backgroundTick(sync: true)
        XCTAssertFalse(spool.isWritable, "still blocked")

        unlink(blocker)
        spool.backgroundTick(sync: true)
        XCTAssertTrue(spool.isWritable)
        XCTAssertNil(spool.failure)
        XCTAssertEqual(spool.append(record(3), lane: 0), .stored)
        XCTAssertEqual(spool.append(record(4), lane: 1), .stored)
        spool.close()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: blocker + "/spool")) ?? [] { unlink(blocker + "/spool/" + name) }
        rmdir(blocker + "/spool")
        rmdir(blocker)
    }

    func record(_ n: Int) -> AuditRecord { AuditRecord(kind: .check, customerID: nil, keyID: "k", requestID: "req_\(n)") }

    func testRecordsAreOnDiskWhenAppendReturns() throws {
        let spool = try makeSpool(bufferBytes: 1 << 20, policy: .failClosed)
        for n in 0..<3 { XCTAssertEqual(spool.append(record(n)), .stored) }
        let segments = SpoolDirectory.segments(directory)
        XCTAssertEqual(segments.count, 1)
        // A pre-sized, mapped segment: a header, then the frames up to its committed length.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + segments[0])))
        XCTAssertEqual(Array(bytes[0..<4]), SpoolSegment.magic)
        let committed = try XCTUnwrap(SpoolDirectory.committedLength(directory + "/" + segments[0]))
        let rows = bytes[SpoolSegment.headerBytes..<committed].withUnsafeBytes { raw in
            SpoolFrame.scan(raw, final: true).frames.map { String(decoding: bytes[(SpoolSegment.headerBytes + $0.payload.lowerBound)..<(SpoolSegment.headerBytes + $0.payload.upperBound)], as: UTF8.self) }
        }
        XCTAssertEqual(rows.count, 3)
        XCTAssertTrue(rows[2].contains("\treq_2\t"), rows[2])
        spool.close()
    }

    func testAFullBufferRefusesUnderFailClosedAndDropsUnderFailOpen() throws {
        let closed = try makeSpool(bufferBytes: 64 << 10, policy: .failClosed)
        var outcomes: [AuditSpool.Outcome] = []
        for n in 0..<1000 { outcomes.append(closed.append(record(n))) }
        XCTAssertTrue(outcomes.contains(.stored))
        XCTAssertEqual(outcomes.last, .refused)
        XCTAssertFalse(outcomes.contains(.dropped))
        closed.close()

        let open = try makeSpool(bufferBytes: 64 << 10, policy: .failOpen)
        XCTAssertEqual(open.append(record(0)), .dropped, "the spool is still full of the first one's records")
        open.close()
    }

    func testTheFlusherCheckpointShrinksTheBacklog() throws {
        let spool = try makeSpool(bufferBytes: 64 << 10, policy: .failClosed)
        while spool.append(record(1)) == .stored {}
        var status = SpoolStatus()
        for name in SpoolDirectory.segments(directory) { status.offsets[name] = SpoolDirectory.committedLength(directory + "/" + name) }
        try status.write(directory: directory)
        spool.refreshBacklog()
        XCTAssertEqual(spool.append(record(2)), .stored, "room again once the flusher has committed")
        spool.close()
    }
}
