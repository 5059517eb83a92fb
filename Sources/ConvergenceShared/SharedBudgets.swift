import CConvergenceShm
import ConvergenceCore

/// Budget usage per counter and calendar period, in the shared region (`cv_budget.c`):
/// workers reserve with one CAS (exact across every worker of the host), the
/// `budget-keeper` process adds what was admitted to PostgreSQL's totals and brings
/// the usage back from them (other hosts' usage, and the usage before a restart).
/// In cluster scope a slot holds grants leased from PostgreSQL instead, and a
/// reservation spends them (`spend`); the scope is part of the slot's identity.
public struct SharedBudgets: Sendable {
    public let region: SharedRegion

    public init(region: SharedRegion) { self.region = region }

    public var capacity: Int { Int(region.header.pointee.budget_count) }

    /// The counter's id in PostgreSQL: a hash of its name, the same on every host. Never 0.
    public static func counterID(_ name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { cv_hash64(0, $0.baseAddress, $0.count) }
    }

    /// A claimed slot of one (counter, period).
    public struct Slot: @unchecked Sendable {
        // Safe to send: the pointer is into the shared region, which outlives every worker
        // thread, and every access through it is atomic (cv_budget.c).
        let pointer: UnsafeMutablePointer<cv_budget>
        public let hash: UInt64
        /// This call claimed it: its usage starts at 0 and PostgreSQL's total is still to be loaded.
        public let created: Bool
    }

    public enum Reservation: Equatable, Sendable {
        case admitted(used: Int64)
        case refused(used: Int64)
        /// The slot was taken over by another counter meanwhile (the table is full).
        case lost
    }

    public func slot(counter: UInt64, periodStart: Int64, periodEnd: Int64, cluster: Bool = false, nowNs: UInt64) -> Slot? {
        var hash: UInt64 = 0
        var created: Int32 = 0
        guard let pointer = cv_budget_get(region.header, counter, periodStart, periodEnd, cluster ? 1 : 0, nowNs, &hash, &created) else {
            return nil
        }
        return Slot(pointer: pointer, hash: hash, created: created != 0)
    }

    /// The slot of (counter, period) if this host has one; never claims.
    public func existing(counter: UInt64, periodStart: Int64, cluster: Bool = false) -> Slot? {
        var hash: UInt64 = 0
        guard let pointer = cv_budget_find(region.header, counter, periodStart, cluster ? 1 : 0, &hash) else { return nil }
        return Slot(pointer: pointer, hash: hash, created: false)
    }

    /// Adds `amount` when the usage stays within `limit`.
    public func reserve(_ slot: Slot, amount: Int64, limit: Int64, nowNs: UInt64) -> Reservation {
        var used: Int64 = 0
        switch cv_budget_reserve(slot.pointer, slot.hash, amount, limit, nowNs, &used) {
        case 1: return .admitted(used: used)
        case 0: return .refused(used: used)
        default: return .lost
        }
    }

    public func refund(_ slot: Slot, amount: Int64) { cv_budget_refund(slot.pointer, slot.hash, amount) }

    /// Adds PostgreSQL's total to a slot this worker created; false when another loader did first.
    @discardableResult
    public func load(_ slot: Slot, total: Int64) -> Bool { cv_budget_load(slot.pointer, slot.hash, total) == 1 }

    public func usage(_ slot: Slot) -> Int64? {
        var used: Int64 = 0
        return cv_budget_owner(slot.pointer, &used) == slot.hash ? used : nil
    }

    // MARK: cluster scope (the slot holds grants)

    public enum Spending: Equatable, Sendable {
        case spent(left: Int64)
        /// Not enough granted: what is left.
        case short(left: Int64)
        case lost
    }

    /// Spends `amount` of the grants left, if enough is.
    public func spend(_ slot: Slot, amount: Int64, nowNs: UInt64) -> Spending {
        var left: Int64 = 0
        switch cv_budget_spend(slot.pointer, slot.hash, amount, nowNs, &left) {
        case 1: return .spent(left: left)
        case 0: return .short(left: left)
        default: return .lost
        }
    }

    /// Adds a grant (or gives back `refund` spent); false when the slot changed owner.
    @discardableResult
    public func grant(_ slot: Slot, amount: Int64, refund: Int64 = 0) -> Bool {
        cv_budget_grant(slot.pointer, slot.hash, amount, refund) == 1
    }

    /// Counts an admission made while PostgreSQL was unreachable, within `allowance` (charged at the next sync).
    public func admitOutside(_ slot: Slot, amount: Int64, allowance: Int64) -> Bool {
        cv_budget_outside(slot.pointer, amount, allowance) == 1
    }

    /// Takes back an outage admission (the check was blocked after all).
    public func refundOutside(_ slot: Slot, amount: Int64) { cv_budget_outside_refund(slot.pointer, amount) }

    /// PostgreSQL's usage of the counter (every host's grants) and when it was read (monotonic ns; 0: never).
    public func central(_ slot: Slot) -> (used: Int64, readNs: UInt64) {
        var readNs: UInt64 = 0
        let used = cv_budget_central(slot.pointer, &readNs)
        return (used, readNs)
    }

    public func noteCentral(_ slot: Slot, used: Int64, nowNs: UInt64) { cv_budget_note_central(slot.pointer, used, nowNs) }

    /// The limit leases are asked under (the keeper's refills use it; a changed policy updates it).
    public func noteLimit(_ slot: Slot, _ limit: Int64) { cv_budget_set_limit(slot.pointer, limit) }

    // MARK: the keeper's side

    /// A claimed slot as the keeper sees it on a pass over the table.
    public struct Entry: Sendable {
        public let index: Int
        public let hash: UInt64
        public let counter: UInt64
        public let periodStart: Int64
        public let periodEnd: Int64
        /// Host scope: the usage as this host sees it. Cluster scope: the grants left.
        public let used: Int64
        public let cluster: Bool
        public let lastUsedNs: UInt64
        /// Cluster scope: the limit of the last lease.
        public let limit: Int64
    }

    /// Every claimed slot.
    public func entries() -> [Entry] {
        var out: [Entry] = []
        for index in 0..<capacity {
            let b = cv_budget_at(region.header, UInt32(index))!
            var used: Int64 = 0
            let hash = cv_budget_owner(b, &used)
            guard hash > 1 else { continue }
            out.append(Entry(index: index, hash: hash, counter: b.pointee.counter, periodStart: b.pointee.period_start,
                             periodEnd: b.pointee.period_end, used: used, cluster: b.pointee.cluster != 0,
                             lastUsedNs: b.pointee.last_used_ns, limit: cv_budget_limit(b)))
        }
        return out
    }

    /// What was admitted since the last sync (the keeper adds it to PostgreSQL, or gives it back).
    public func takeUnsynced(_ entry: Entry) -> Int64 { cv_budget_take_unsynced(cv_budget_at(region.header, UInt32(entry.index))) }
    public func giveBack(_ entry: Entry, amount: Int64) { cv_budget_give_back(cv_budget_at(region.header, UInt32(entry.index)), amount) }
    /// Sets the usage to PostgreSQL's total plus what was admitted since it was taken.
    public func setTotal(_ entry: Entry, total: Int64) {
        _ = cv_budget_set_total(cv_budget_at(region.header, UInt32(entry.index)), entry.hash, total)
    }
    /// The entry's slot, for the cluster-scope calls above.
    public func slot(_ entry: Entry) -> Slot { Slot(pointer: cv_budget_at(region.header, UInt32(entry.index)), hash: entry.hash, created: false) }
    /// Cluster scope: takes every grant left (to return it); what an outage admitted, to charge it, then settle it.
    public func drain(_ entry: Entry) -> Int64 { cv_budget_drain(cv_budget_at(region.header, UInt32(entry.index)), entry.hash) }
    public func outsidePending(_ entry: Entry) -> Int64 { cv_budget_outside_pending(cv_budget_at(region.header, UInt32(entry.index)), entry.hash) }
    public func outsideSettled(_ entry: Entry, amount: Int64) {
        cv_budget_outside_settled(cv_budget_at(region.header, UInt32(entry.index)), entry.hash, amount)
    }
    /// The slot's outage admissions not yet charged (the request path leases only once they are).
    public func outsidePending(_ slot: Slot) -> Int64 { cv_budget_outside_pending(slot.pointer, slot.hash) }
    /// Frees the slot of an ended period (nothing unsynced left); true when freed.
    public func release(_ entry: Entry) -> Bool { cv_budget_release(cv_budget_at(region.header, UInt32(entry.index)), entry.hash) == 1 }
}
