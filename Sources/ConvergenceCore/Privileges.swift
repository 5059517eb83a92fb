import CConvergenceSys
import Glibc

/// The account `serve`'s children run as, resolved to numbers once by the supervisor.
public struct ServiceIdentity: Sendable, Equatable {
    public let user: String
    public let uid: UInt32
    public let gid: UInt32
    /// Supplementary groups (the user's groups from the group database, plus `gid`).
    public let groups: [UInt32]

    public init(user: String, uid: UInt32, gid: UInt32, groups: [UInt32]) {
        self.user = user
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }
}

/// Who `serve`'s children (workers, audit flusher, pipeline executor) run as,
/// php-fpm style: started as root, `serve` refuses to run them as root unless
/// told to (`allow_root`, `--allow-to-run-as-root`) and otherwise needs `user`;
/// each child drops to it first thing (`ChildPrivileges.enter`), before it starts
/// a thread, opens a file or connects to PostgreSQL. The supervisor itself stays
/// root (it accepts no connection); started unprivileged, nothing changes and
/// `user`/`group` may only name the current account.
public enum PrivilegePlan: Sendable, Equatable {
    /// Not root: children run as the supervisor does.
    case keep
    /// Root, and `allow_root` said so.
    case keepRoot
    /// Root: children drop to this account.
    case drop(ServiceIdentity)

    /// Name/id lookups (the system databases; tests pass their own).
    public struct Directory: Sendable {
        public var user: @Sendable (String) -> (name: String, uid: UInt32, gid: UInt32)?
        public var group: @Sendable (String) -> UInt32?
        public var supplementaryGroups: @Sendable (_ user: String, _ gid: UInt32) -> [UInt32]

        public init(user: @escaping @Sendable (String) -> (name: String, uid: UInt32, gid: UInt32)?,
                    group: @escaping @Sendable (String) -> UInt32?,
                    supplementaryGroups: @escaping @Sendable (String, UInt32) -> [UInt32]) {
            self.user = user
            self.group = group
            self.supplementaryGroups = supplementaryGroups
        }

        public static let system = Directory(user: systemUser, group: systemGroup, supplementaryGroups: systemGroupList)
    }

    /// Account names as useradd accepts them, or a numeric id.
    public static func isValidAccountName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 32, name.first != "-" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }

    /// Decides from the configuration and the ids `serve` runs with; errors name the key.
    public static func resolve(config: Config, euid: UInt32, egid: UInt32,
                               directory: Directory = .system) throws(ConfigError) -> PrivilegePlan {
        func fail(_ key: String, _ problem: String) -> ConfigError {
            ConfigError(key: key, source: "privileges", problem: problem)
        }
        func lookUpUser(_ name: String) throws(ConfigError) -> (name: String, uid: UInt32, gid: UInt32) {
            guard let account = directory.user(name) else { throw fail("user", "no such user \"\(name)\"") }
            return account
        }
        func lookUpGroup(_ name: String) throws(ConfigError) -> UInt32 {
            guard let gid = directory.group(name) else { throw fail("group", "no such group \"\(name)\"") }
            return gid
        }
        guard euid == 0 else {
            if let name = config.user, try lookUpUser(name).uid != euid {
                throw fail("user", "is \"\(name)\" but serve runs as uid \(euid) and only root can switch users; "
                    + "unset user or start serve as root")
            }
            if let name = config.group, try lookUpGroup(name) != egid {
                throw fail("group", "is \"\(name)\" but serve runs as gid \(egid) and only root can switch groups; "
                    + "unset group or start serve as root")
            }
            return .keep
        }
        guard let name = config.user else {
            if config.group != nil { throw fail("group", "needs user: set the account the children run as") }
            if config.allowRoot { return .keepRoot }
            throw fail("user", "serve is running as root and refuses to run its workers as root: set user (and group) "
                + "to the service account (e.g. user = convergence), or set allow_root = true / pass "
                + "--allow-to-run-as-root to run them as root on purpose")
        }
        let account = try lookUpUser(name)
        let gid = try config.group.map { (group) throws(ConfigError) in try lookUpGroup(group) } ?? account.gid
        if account.uid == 0 || gid == 0 {
            guard config.allowRoot else {
                throw fail(account.uid == 0 ? "user" : "group",
                           "names root: children would keep root's rights; choose an unprivileged account "
                               + "(or set allow_root = true to run them as root on purpose)")
            }
            return .keepRoot
        }
        var groups = [gid]
        for group in directory.supplementaryGroups(account.name, gid) where group != 0 && !groups.contains(group) {
            groups.append(group)
        }
        return .drop(ServiceIdentity(user: account.name, uid: account.uid, gid: gid, groups: groups))
    }

    /// The supervisor hands the decision to its children in this variable; reloads
    /// do not change it (user, group and allow_root take effect on restart).
    public static let environmentKey = "CONVERGENCE_RUN_AS"

    /// `uid:gid:g1,g2,...:name`, `root`, or nil (not root: nothing to hand over).
    public var environmentValue: String? {
        switch self {
        case .keep: return nil
        case .keepRoot: return "root"
        case .drop(let id):
            return "\(id.uid):\(id.gid):\(id.groups.map(String.init).joined(separator: ",")):\(id.user)"
        }
    }

    public static func parse(environmentValue text: String) -> PrivilegePlan? {
        if text == "root" { return .keepRoot }
        let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let uid = UInt32(parts[0]), let gid = UInt32(parts[1]), uid != 0 else { return nil }
        var groups: [UInt32] = []
        for part in parts[2].split(separator: ",") {
            guard let group = UInt32(part) else { return nil }
            groups.append(group)
        }
        return .drop(ServiceIdentity(user: String(parts[3]), uid: uid, gid: gid, groups: groups))
    }
}

public struct PrivilegeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The one place a child of `serve` gives up root.
public enum ChildPrivileges {
    /// Called first thing by every child role, before it starts threads, opens files or
    /// connects to PostgreSQL. As root: reads the secrets it may need (the files may be
    /// root-only) into `environment` (the in-memory copy the role reads, never the
    /// process's environment), then drops to the identity the supervisor passed.
    /// Returns what it did, for one log line.
    public static func enter(config: Config, environment: inout [String: String]) throws(PrivilegeError) -> String? {
        guard geteuid() == 0 else { return nil }
        guard let text = environment[PrivilegePlan.environmentKey], let plan = PrivilegePlan.parse(environmentValue: text) else {
            throw PrivilegeError("started as root without an identity to run as; children are started by `convergence serve`")
        }
        guard case .drop(let identity) = plan else { return "running as root (allow_root)" }
        if let password = try? ConfigLoader.databasePassword(config: config, environment: environment), !password.isEmpty {
            environment["CONVERGENCE_DATABASE_PASSWORD"] = password
        }
        if let keys = try? ConfigLoader.masterKeyText(config: config, environment: environment), !keys.isEmpty {
            environment["CONVERGENCE_MASTER_KEY"] = keys
        }
        try drop(to: identity)
        return "dropped root: running as \(identity.user) (uid \(identity.uid), gid \(identity.gid))"
    }

    /// setgroups, setresgid, setresuid (in that order), then checks root cannot be regained.
    public static func drop(to identity: ServiceIdentity) throws(PrivilegeError) {
        let rc = identity.groups.map { gid_t($0) }.withUnsafeBufferPointer {
            cv_drop_privileges(uid_t(identity.uid), gid_t(identity.gid), $0.baseAddress, $0.count)
        }
        guard rc == 0 else {
            throw PrivilegeError("cannot drop privileges to \(identity.user): \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `body` with the effective ids of `identity` (root keeps its saved ids and
    /// gets them back after): the supervisor connects to PostgreSQL for migrations
    /// as the service account, never as root.
    public static func asEffective<T>(_ identity: ServiceIdentity?, _ body: () throws -> T) throws -> T {
        guard let identity else { return try body() }
        guard cv_become_effective(uid_t(identity.uid), gid_t(identity.gid)) == 0 else {
            throw PrivilegeError("cannot switch to \(identity.user): \(String(cString: strerror(errno)))")
        }
        defer { _ = cv_restore_root_effective() }
        return try body()
    }

    /// Creates `path` (and missing parents, 0750, given to `identity`) and gives the
    /// directory and its entries to `identity`: a spool written by an earlier root
    /// run stays usable. Refuses a sticky (shared) directory such as /tmp.
    public static func prepareDirectory(_ path: String, for identity: ServiceIdentity) throws(PrivilegeError) {
        func failure(_ what: String) -> PrivilegeError {
            PrivilegeError("\(what) \(path): \(String(cString: strerror(errno)))")
        }
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o750) == 0 {
                guard chown(prefix, identity.uid, identity.gid) == 0 else { throw failure("cannot chown") }
            } else if errno != EEXIST {
                throw failure("cannot create")
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw failure("cannot stat") }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw PrivilegeError("\(path) is not a directory") }
        guard info.st_mode & S_ISVTX == 0 else {
            throw PrivilegeError("\(path) is a shared (sticky) directory; give the spool a directory of its own")
        }
        guard chown(path, identity.uid, identity.gid) == 0 else { throw failure("cannot chown") }
        guard let dir = opendir(path) else { throw failure("cannot open") }
        defer { closedir(dir) }
        let fd = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name != ".", name != ".." else { continue }
            _ = fchownat(fd, name, identity.uid, identity.gid, AT_SYMLINK_NOFOLLOW)
        }
    }
}

@Sendable private func systemUser(_ name: String) -> (name: String, uid: UInt32, gid: UInt32)? {
    var entry = getpwnam(name)
    if entry == nil, let uid = UInt32(name) { entry = getpwuid(uid) }
    guard let entry else { return nil }
    return (String(cString: entry.pointee.pw_name), entry.pointee.pw_uid, entry.pointee.pw_gid)
}

@Sendable private func systemGroup(_ name: String) -> UInt32? {
    if let entry = getgrnam(name) { return entry.pointee.gr_gid }
    if let gid = UInt32(name), let entry = getgrgid(gid) { return entry.pointee.gr_gid }
    return nil
}

@Sendable private func systemGroupList(_ user: String, _ gid: UInt32) -> [UInt32] {
    var count: Int32 = 64
    var groups = [gid_t](repeating: 0, count: Int(count))
    if getgrouplist(user, gid, &groups, &count) < 0 {
        groups = [gid_t](repeating: 0, count: Int(count))
        guard getgrouplist(user, gid, &groups, &count) >= 0 else { return [gid] }
    }
    return Array(groups.prefix(Int(count)))
}
