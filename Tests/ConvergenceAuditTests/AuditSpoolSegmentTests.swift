import ConvergenceCore
@testable import ConvergenceAudit
import Foundation
import Glibc
import XCTest

/// The mapped segment format: what a reader (the flusher) may see of it, rotation
/// onto prepared segments, plain segments left by the `write(2)` spool, and the
/// backlog as committed bytes.
final class AuditSpoolSegmentTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/convergence-unit-segment-XXXXXX".utf8CString)
        directory = String(cString: try XCTUnwrap(mkdtemp(&template)))
    }

    override func tearDown() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    func makeSpool(segmentBytes: Int = 64 << 10, fsyncIntervalMs: Int = 200) throws -> AuditSpool {
        var config = Config()
        config.auditSpoolDir = directory
        config.auditBufferBytes = 1 << 30
        config.auditSegmentBytes = segmentBytes
        config.auditFsyncIntervalMs = fsyncIntervalMs
        return try AuditSpool(config: config, logger: Logger(role: "test", minimumLevel: .error))
    }

    func makeSegment(_ name: String = "seg-00000000000000001-1-0-1.spool") throws -> SpoolSegment {
        try SpoolSegment.create(directory: directory, name: name, capacity: 64 << 10, sizing: .allocated, durable: false)
    }

    func openReader(_ name: String) throws -> SpoolSegmentReader {
        let fd = open(directory + "/" + name, O_RDONLY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        return SpoolSegmentReader(fd: fd)
    }

    /// Every payload a flusher would read from `name` now (from its data start).
    func readable(_ name: String, writerGone: Bool = false) throws -> (rows: [String], scan: SpoolFrame.Scan?) {
        let reader = try openReader(name)
        defer { reader.close() }
        let end = try XCTUnwrap(reader.readableEnd())
        var rows: [UInt8] = []
        let read = reader.readFrames(from: reader.dataStart, to: end, maxFrames: .max, writerGone: writerGone, maxBytes: .max, into: &rows)
        let text = String(decoding: rows, as: UTF8.self)
        return (text.split(separator: "\n").map(String.init), read?.scan)
    }

    func payload(_ text: String) -> [UInt8] { Array((text + "\n").utf8) }

    func append(_ segment: SpoolSegment, _ text: String, at committed: Int) -> Int? {
        payload(text).withUnsafeBytes { segment.append(payload: $0, createdAtMicros: 7, at: committed) }
    }

    /// Records of one size (fixed-width request ids), so a test can count how many fill a segment.
    func record(_ n: Int) -> AuditRecord {
        AuditRecord(kind: .check, customerID: nil, keyID: "k", requestID: "req_\(zeroPadded(Int64(n), 6))")
    }

    func allRows() throws -> [String] {
        try SpoolDirectory.segments(directory).flatMap { try readable($0).rows }
    }

    // MARK: - Publish protocol

    func testAReaderSeesPublishedFramesOnly() throws {
        let segment = try makeSegment()
        var committed = SpoolSegment.headerBytes
        committed = try XCTUnwrap(append(segment, "one", at: committed))
        committed = try XCTUnwrap(append(segment, "two", at: committed))
        XCTAssertEqual(segment.committedLength, committed)
        // A third frame copied in whole but not (yet) published: invisible.
        let hidden = payload("three")
        let size = hidden.withUnsafeBytes { SpoolFrame.encode(into: segment.base + committed, createdAtMicros: 7, payload: $0) }
        XCTAssertEqual(try readable(segment.name).rows, ["one", "two"])
        let reader = try openReader(segment.name)
        XCTAssertEqual(reader.format, .mapped)
        XCTAssertEqual(reader.readableEnd(), committed, "the reader stops at the committed length")
        // Published: now it is there, read through the same mapping.
        segment.publish(committed + size)
        XCTAssertEqual(reader.readableEnd(), committed + size)
        reader.close()
        XCTAssertEqual(try readable(segment.name).rows, ["one", "two", "three"])
        segment.close()
    }

    func testAWriterKilledMidCopyLeavesNothingReadable() throws {
        let segment = try makeSegment()
        let committed = try XCTUnwrap(append(segment, "kept", at: SpoolSegment.headerBytes))
        // Half a frame copied, then the writer dies: its lock goes with it, nothing was published.
        let frame = SpoolFrame.encode(createdAtMicros: 7, payload: payload("torn record"))
        frame.withUnsafeBytes { (segment.base + committed).copyMemory(from: $0.baseAddress!, byteCount: frame.count / 2) }
        segment.close()
        let (rows, scan) = try readable(segment.name, writerGone: true)
        XCTAssertEqual(rows, ["kept"])
        XCTAssertEqual(scan?.corruptRegions, 0, "bytes past the committed length are not damage")
        XCTAssertEqual(scan?.consumed, committed - SpoolSegment.headerBytes)
        // What the flusher does with a final segment: it ends at its committed length.
        let reader = try openReader(segment.name)
        XCTAssertEqual(flock(reader.fd, LOCK_EX | LOCK_NB), 0, "the writer's lock is gone")
        XCTAssertEqual(reader.readableEnd(), committed)
        reader.close()
    }

    func testACommittedLengthPastTheFileIsClampedAndAnUnknownVersionIsLeftAlone() throws {
        let segment = try makeSegment()
        _ = try XCTUnwrap(append(segment, "one", at: SpoolSegment.headerBytes))
        segment.publish(Int.max / 2)
        XCTAssertEqual(try openReader(segment.name).readableEnd(), segment.capacity)
        (segment.base + 4).storeBytes(of: UInt32(9).littleEndian, as: UInt32.self)
        let reader = try openReader(segment.name)
        XCTAssertEqual(reader.format, .unsupported(version: 9))
        XCTAssertNil(reader.readableEnd())
        XCTAssertFalse(reader.isSupported)
        reader.close()
        segment.close()
    }

    func testAppendEncodesStraightIntoTheMapping() throws {
        let spool = try makeSpool()
        let row = payload("a row")
        XCTAssertEqual(row.withUnsafeBytes { spool.append(payload: $0, createdAtMicros: 99, lane: 0) }, .stored)
        XCTAssertEqual(spool.append(record(1)), .stored)
        let rows = try allRows()
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0], "a row")
        XCTAssertTrue(rows[1].contains("\treq_000001\t"), rows[1])
        spool.close()
    }

    /// The background thread faults pages in ahead of the writer: they become resident,
    /// and neither the frames below nor the zeros past the committed length change.
    func testPrefaultingAheadChangesNothingAReaderSees() throws {
        let segment = try makeSegment()
        var committed = SpoolSegment.headerBytes
        committed = try XCTUnwrap(append(segment, "first row", at: committed))
        segment.publish(committed)
        let page = SpoolSegment.pageBytes
        func resident() -> [UInt8] {
            var pages = [UInt8](repeating: 0, count: segment.capacity / page)
            XCTAssertEqual(mincore(segment.base, segment.capacity, &pages), 0)
            return pages.map { $0 & 1 }
        }
        XCTAssertEqual(resident()[3], 0, "a page past the first record is not resident yet")
        segment.prefault(ahead: committed, window: 8 * page)
        XCTAssertEqual(Array(resident()[0..<9]), Array(repeating: 1, count: 9), "the window is faulted in")
        committed = try XCTUnwrap(append(segment, "second row", at: committed))
        segment.publish(committed)
        XCTAssertEqual(try readable(segment.name).rows, ["first row", "second row"])
        let tail = UnsafeRawBufferPointer(start: segment.base + committed, count: segment.capacity - committed)
        XCTAssertTrue(tail.allSatisfy { $0 == 0 }, "the zeros past the committed length stay zeros")
        segment.close()
    }

    // MARK: - Rotation

    func testRotationSwapsInThePreparedSegment() throws {
        let spool = try makeSpool()
        let first = SpoolDirectory.segments(directory)
        XCTAssertEqual(first.count, 1)
        spool.backgroundTick(sync: true) // prepares the next segment
        let withPrepared = SpoolDirectory.segments(directory)
        XCTAssertEqual(withPrepared.count, 2)
        let prepared = try XCTUnwrap(withPrepared.first { $0 != first[0] })

        let frameBytes = SpoolFrame.frameBytes(payloadBytes: record(0).copyRow().count)
        let perSegment = ((64 << 10) - SpoolSegment.headerBytes) / frameBytes
        for n in 0...perSegment { XCTAssertEqual(spool.append(record(n)), .stored) }
        XCTAssertEqual(SpoolDirectory.segments(directory), withPrepared, "the append rotated without creating a file")
        XCTAssertEqual(SpoolDirectory.committedLength(directory + "/" + prepared), SpoolSegment.headerBytes + frameBytes)
        let full = try openReader(first[0])
        XCTAssertNotEqual(flock(full.fd, LOCK_EX | LOCK_NB), 0, "a rotated-out segment stays locked until it is synced")

        spool.backgroundTick(sync: false) // finishes the full one, prepares the next
        XCTAssertEqual(flock(full.fd, LOCK_EX | LOCK_NB), 0, "then it is final")
        full.close()
        XCTAssertEqual(SpoolDirectory.segments(directory).count, 3)
        let rows = try allRows()
        XCTAssertEqual(rows.count, perSegment + 1)
        XCTAssertTrue(rows.last?.contains("\treq_\(zeroPadded(Int64(perSegment), 6))\t") == true)
        spool.close()
    }

    func testWithoutAPreparedSegmentTheAppendMakesOneAndARecordLargerThanASegmentFits() throws {
        let spool = try makeSpool(fsyncIntervalMs: 0)
        let frameBytes = SpoolFrame.frameBytes(payloadBytes: record(0).copyRow().count)
        let perSegment = ((64 << 10) - SpoolSegment.headerBytes) / frameBytes
        for n in 0...perSegment { XCTAssertEqual(spool.append(record(n)), .stored) }
        XCTAssertEqual(SpoolDirectory.segments(directory).count, 2)
        let large = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000) + [10]
        XCTAssertEqual(large.withUnsafeBytes { spool.append(payload: $0, createdAtMicros: 1, lane: 0) }, .stored)
        XCTAssertEqual(try allRows().count, perSegment + 2)
        XCTAssertEqual(try allRows().last?.count, 100_000)
        spool.close()
    }

    func testCloseLeavesEverySegmentFinal() throws {
        let spool = try makeSpool()
        spool.backgroundTick(sync: true)
        XCTAssertEqual(spool.append(record(1)), .stored)
        spool.close()
        for name in SpoolDirectory.segments(directory) {
            let reader = try openReader(name)
            XCTAssertEqual(flock(reader.fd, LOCK_EX | LOCK_NB), 0, name)
            reader.close()
        }
        XCTAssertEqual(try allRows().count, 1)
    }

    // MARK: - Plain segments (written by the write(2) spool before an upgrade)

    func testPlainSegmentsStillDrain() throws {
        let name = "seg-00000000000000001-1-0-1.spool"
        let frames = SpoolFrame.encode(createdAtMicros: 5, payload: payload("old one")) + SpoolFrame.encode(createdAtMicros: 6, payload: payload("old two"))
        let torn = Array(SpoolFrame.encode(createdAtMicros: 7, payload: payload("being written")).prefix(15))
        try Data(frames + torn).write(to: URL(fileURLWithPath: directory + "/" + name))

        let reader = try openReader(name)
        XCTAssertEqual(reader.format, .plain)
        XCTAssertEqual(reader.dataStart, 0)
        XCTAssertEqual(reader.readableEnd(), frames.count + torn.count, "a plain segment ends at its size")
        reader.close()
        let (live, liveScan) = try readable(name)
        XCTAssertEqual(live, ["old one", "old two"])
        XCTAssertEqual(liveScan?.consumed, frames.count, "its old writer may still be writing the last frame")
        let (final, finalScan) = try readable(name, writerGone: true)
        XCTAssertEqual(final, ["old one", "old two"])
        XCTAssertEqual(finalScan?.corruptRegions, 1, "a torn tail of a finished plain segment is damage, as before")
        XCTAssertEqual(SpoolDirectory.backlogBytes(directory, status: nil), frames.count + torn.count)

        // Beside it, a mapped segment of the new spool: both drain, each by its own rule.
        let spool = try makeSpool()
        XCTAssertEqual(spool.append(record(1)), .stored)
        XCTAssertEqual(try allRows().count, 3)
        spool.close()
    }

    // MARK: - Backlog

    func testTheBacklogIsCommittedBytesNotFileSizes() throws {
        let spool = try makeSpool(segmentBytes: 1 << 20)
        spool.backgroundTick(sync: true) // a prepared, empty segment too
        XCTAssertEqual(SpoolDirectory.backlogBytes(directory, status: nil), 0, "pre-sized files hold no records yet")
        var appended = 0
        for n in 0..<3 {
            XCTAssertEqual(spool.append(record(n)), .stored)
            appended += SpoolFrame.frameBytes(payloadBytes: record(n).copyRow().count)
        }
        let names = SpoolDirectory.segments(directory)
        XCTAssertEqual(names.count, 2)
        XCTAssertEqual(SpoolDirectory.size(directory + "/" + names[0]), 1 << 20)
        XCTAssertEqual(SpoolDirectory.backlogBytes(directory, status: nil), appended)

        // The flusher's checkpoint is a file offset: past the header once something was committed.
        var status = SpoolStatus()
        let first = try XCTUnwrap(SpoolDirectory.committedLength(directory + "/" + names[0]))
        status.offsets[names[0]] = first - SpoolFrame.frameBytes(payloadBytes: record(2).copyRow().count)
        XCTAssertEqual(SpoolDirectory.backlogBytes(directory, status: status), appended - (first - SpoolSegment.headerBytes - SpoolFrame.frameBytes(payloadBytes: record(2).copyRow().count)))
        status.offsets[names[0]] = first
        XCTAssertEqual(SpoolDirectory.backlogBytes(directory, status: status), 0)
        spool.close()
    }
}
