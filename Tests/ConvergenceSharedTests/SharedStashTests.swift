import CConvergenceShm
import ConvergenceCore
import Testing
@testable import ConvergenceShared

/// The shared stash (cv_stash.c): what one worker read from PostgreSQL, for the others
/// while it is down. Never a wrong answer: an entry being written, spoiled or too old is a miss.
@Suite struct SharedStashTests {
    static let t0 = MonotonicInstant(nanoseconds: 5_000_000_000_000)
    let region = SharedRegion.inMemory(buckets: 64, series: 64)
    var stash: SharedStash { SharedStash(region: region) }

    func name(_ text: String) -> [UInt8] { SHA256.digest(text) }

    @Test func storedBytesComeBackUnderTheirNameWithinTheAge() {
        #expect(stash.store(Array("record a".utf8), name: name("a"), in: .keys, now: Self.t0))
        #expect(stash.store(Array("record b".utf8), name: name("b"), in: .keys, now: Self.t0))
        #expect(stash.load(name: name("a"), from: .keys, maxAgeMs: 1000, now: Self.t0.adding(milliseconds: 999)) == Array("record a".utf8))
        #expect(stash.load(name: name("a"), from: .keys, maxAgeMs: 1000, now: Self.t0.adding(milliseconds: 1000)) == nil, "too old")
        #expect(stash.load(name: name("a"), from: .policies, maxAgeMs: 1000, now: Self.t0) == nil, "tables are apart")
        #expect(stash.load(name: name("c"), from: .keys, maxAgeMs: 1000, now: Self.t0) == nil)
        // A newer store replaces the record in place.
        #expect(stash.store(Array("record a, revoked".utf8), name: name("a"), in: .keys, now: Self.t0.adding(milliseconds: 5)))
        #expect(stash.load(name: name("a"), from: .keys, maxAgeMs: 1000, now: Self.t0.adding(milliseconds: 5)) == Array("record a, revoked".utf8))
    }

    @Test func aRecordTooLargeIsNotStashed() {
        let large = [UInt8](repeating: 7, count: stash.capacity(.keys) + 1)
        #expect(!stash.store(large, name: name("big"), in: .keys, now: Self.t0))
        #expect(stash.store(large, name: name("big"), in: .policies, now: Self.t0), "policies have larger slots")
    }

    /// Many more names than slots: every load is either the right record or a miss (the least
    /// recently stored of a set makes room), and the most recent stores are all there.
    @Test func aFullTableEvictsTheOldestAndNeverMixesRecords() {
        let count = 20_000
        for i in 0..<count {
            stash.store(Array("record \(i)".utf8), name: name("k\(i)"), in: .keys, now: Self.t0.adding(milliseconds: i))
        }
        var found = 0
        for i in 0..<count {
            guard let bytes = stash.load(name: name("k\(i)"), from: .keys, maxAgeMs: 1_000_000, now: Self.t0.adding(milliseconds: count)) else {
                continue
            }
            #expect(bytes == Array("record \(i)".utf8))
            found += 1
        }
        #expect(found <= 8192 && found > 6000, "\(found)")
        for i in (count - 100)..<count {
            #expect(stash.load(name: name("k\(i)"), from: .keys, maxAgeMs: 1_000_000, now: Self.t0.adding(milliseconds: count)) != nil)
        }
    }

    /// The slot of `name` in the keys table, found by its stored name (a test reaching into the layout).
    func slotOf(_ name: [UInt8]) -> UnsafeMutablePointer<cv_stash_slot>? {
        let header = region.header.pointee
        let base = UnsafeMutableRawPointer(region.header) + Int(header.stash_offset.0)
        for i in 0..<Int(header.stash_slots.0) {
            let slot = (base + i * Int(header.stash_slot_bytes.0)).assumingMemoryBound(to: cv_stash_slot.self)
            if withUnsafeBytes(of: slot.pointee.name, { Array($0) }) == name { return slot }
        }
        return nil
    }

    @Test func aSpoiledPayloadIsAMiss() throws {
        stash.store(Array("record".utf8), name: name("a"), in: .keys, now: Self.t0)
        let slot = try #require(slotOf(name("a")))
        (UnsafeMutableRawPointer(slot) + MemoryLayout<cv_stash_slot>.size).storeBytes(of: UInt8(ascii: "R"), as: UInt8.self)
        #expect(stash.load(name: name("a"), from: .keys, maxAgeMs: 1000, now: Self.t0) == nil, "the checksum catches it")
    }

    /// A writer killed mid-copy leaves its slot marked busy: readers pass it by, and after a
    /// second another writer takes it over.
    @Test func aDeadWritersSlotIsTakenOverAfterASecond() throws {
        stash.store(Array("old".utf8), name: name("a"), in: .keys, now: Self.t0)
        let slot = try #require(slotOf(name("a")))
        slot.pointee.seq += 1 // odd: "being written", by a writer that never finishes
        slot.pointee.writer_ns = UInt64(Self.t0.nanoseconds)
        #expect(stash.load(name: name("a"), from: .keys, maxAgeMs: 10_000, now: Self.t0) == nil)
        #expect(!stash.store(Array("new".utf8), name: name("a"), in: .keys, now: Self.t0.adding(milliseconds: 500)))
        #expect(stash.store(Array("new".utf8), name: name("a"), in: .keys, now: Self.t0.adding(milliseconds: 1001)))
        #expect(stash.load(name: name("a"), from: .keys, maxAgeMs: 10_000, now: Self.t0.adding(milliseconds: 1001)) == Array("new".utf8))
        #expect(slot.pointee.seq % 2 == 0)
    }
}
