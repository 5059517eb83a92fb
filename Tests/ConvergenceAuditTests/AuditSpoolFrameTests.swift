import ConvergenceCore
@testable import ConvergenceAudit
import XCTest

/// Spool framing: what the flusher can recover from a segment, intact or damaged.
final class AuditSpoolFrameTests: XCTestCase {
    func frame(_ text: String, at micros: Int64 = 1_700_000_000_000_000) -> [UInt8] {
        SpoolFrame.encode(createdAtMicros: micros, payload: Array(text.utf8))
    }

    func scan(_ bytes: [UInt8], final: Bool, maxFrames: Int = .max) -> (SpoolFrame.Scan, [String]) {
        bytes.withUnsafeBytes { raw in
            let result = SpoolFrame.scan(raw, maxFrames: maxFrames, final: final)
            return (result, result.frames.map { String(decoding: bytes[$0.payload], as: UTF8.self) })
        }
    }

    func testTheFastCRCIsTheStandardOne() {
        // Bit by bit, as the standard defines it: the slicing-by-8 code must agree at every length and alignment.
        func reference(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return crc ^ 0xFFFF_FFFF
        }
        for length in [0, 1, 7, 8, 9, 63, 430, 1000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
            XCTAssertEqual(CRC32.checksum(bytes), reference(bytes), "length \(length)")
            XCTAssertEqual(CRC32.checksum(bytes.dropFirst()), reference(Array(bytes.dropFirst())), "length \(length), offset 1")
        }
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926, "the IEEE check value")
    }

    func testFramesRoundTripWithTheirTimestamps() {
        let bytes = frame("one", at: 42) + frame("two", at: 43)
        let (result, payloads) = scan(bytes, final: true)
        XCTAssertEqual(payloads, ["one", "two"])
        XCTAssertEqual(result.frames.map(\.createdAtMicros), [42, 43])
        XCTAssertEqual(result.consumed, bytes.count)
        XCTAssertEqual(result.corruptRegions, 0)
    }

    func testAFrameStillBeingWrittenIsLeftForLaterUnlessTheWriterIsGone() {
        let whole = frame("first") + frame("second")
        let partial = Array(whole.dropLast(3))
        let (live, livePayloads) = scan(partial, final: false)
        XCTAssertEqual(livePayloads, ["first"])
        XCTAssertEqual(live.consumed, frame("first").count, "the partial frame is not consumed")
        XCTAssertEqual(live.corruptRegions, 0)

        let (dead, deadPayloads) = scan(partial, final: true)
        XCTAssertEqual(deadPayloads, ["first"])
        XCTAssertEqual(dead.consumed, partial.count, "a torn tail of a dead writer is skipped")
        XCTAssertEqual(dead.corruptRegions, 1)
    }

    func testDamageInTheMiddleLosesOnlyTheDamagedFrame() {
        var bytes = frame("a") + frame("b") + frame("c")
        bytes[frame("a").count + SpoolFrame.headerBytes + SpoolFrame.bodyPrefixBytes] ^= 0xFF // flip a payload byte of "b"
        let (result, payloads) = scan(bytes, final: false)
        XCTAssertEqual(payloads, ["a", "c"])
        XCTAssertEqual(result.corruptRegions, 1)
        XCTAssertEqual(result.corruptBytes, frame("b").count)
        XCTAssertEqual(result.consumed, bytes.count)
    }

    func testADamagedLengthInAFinishedSegmentLosesOnlyThatFrame() {
        var bytes = frame("a") + frame("b") + frame("c")
        let lengthField = frame("a").count + 4
        bytes[lengthField + 2] = 0x0F // "b" now claims ~1 MB: past the end, within the frame limit
        let (live, livePayloads) = scan(bytes, final: false)
        XCTAssertEqual(livePayloads, ["a"], "a live segment waits: the writer may still be appending")
        XCTAssertEqual(live.corruptRegions, 0)
        let (result, payloads) = scan(bytes, final: true)
        XCTAssertEqual(payloads, ["a", "c"], "the frames after the damaged one are recovered")
        XCTAssertEqual(result.corruptRegions, 1)
        XCTAssertEqual(result.corruptBytes, frame("b").count)
        XCTAssertEqual(result.consumed, bytes.count)
    }

    func testGarbageWithoutAnyFrameIsSkippedWhole() {
        let garbage = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let (result, payloads) = scan(garbage + frame("after"), final: true)
        XCTAssertEqual(payloads, ["after"])
        XCTAssertEqual(result.corruptRegions, 1)
        XCTAssertEqual(result.corruptBytes, 1000)
    }

    func testAnAbsurdLengthIsDamageNotAWaitForever() {
        var bytes = frame("x")
        bytes[4] = 0xFF; bytes[5] = 0xFF; bytes[6] = 0xFF; bytes[7] = 0x7F
        let (result, payloads) = scan(bytes + frame("y"), final: false)
        XCTAssertEqual(payloads, ["y"])
        XCTAssertEqual(result.corruptRegions, 1)
    }

    func testMaxFramesStopsAtAFrameBoundary() {
        let bytes = frame("1") + frame("2") + frame("3")
        let (result, payloads) = scan(bytes, final: true, maxFrames: 2)
        XCTAssertEqual(payloads, ["1", "2"])
        XCTAssertEqual(result.consumed, frame("1").count * 2)
    }
}
