// swift-tools-version:6.0
import PackageDescription

// The architecture, bottom up (docs/architecture.md draws the same graph):
//
//   C          CConvergenceSys, CConvergenceShm (ours); CFastCGI, CLibPQ, COpenSSL, CYAML (Debian's)
//   base       ConvergenceCore: config, logging, clocks, hashing, byte buffers, the JSON string escaper
//   pure       ConvergencePII (sensitive-data recognisers, no dependency at all);
//              ConvergenceJSON → Core; ConvergenceHTTP → JSON; ConvergenceGovernance → JSON, PII;
//              ConvergencePipelines → JSON; ConvergenceIdentity → Core (no I/O: tested in milliseconds)
//   I/O        ConvergenceStore (PostgreSQL), ConvergenceShared (shared memory)
//   subsystems ConvergenceAudit (the audit write path), ConvergenceFastCGI (the transport),
//              ConvergenceSupervisor (the process manager: a pure state machine and its poll loop)
//   app        ConvergenceServer: routes, request context, caches, worker main, pipelines, the child roles
//   binaries   convergence, convergence-bench
//
// A target depends only on targets above it in this list; nothing imports a
// module for a type it could get from a lower one. Tests mirror the libraries:
// one unit-test target each, plus the integration suite that runs the whole stack.

// Release builds optimise across module boundaries: the router and request
// types live in ConvergenceHTTP, and without this every request would go
// through unspecialised generic code and runtime metadata lookups.
let optimize: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "Convergence",
    products: [
        .executable(name: "convergence", targets: ["convergence"]),
        .executable(name: "convergence-bench", targets: ["convergence-bench"]),
    ],
    targets: [
        // Debian C libraries, linked through module maps (no package dependencies).
        .systemLibrary(name: "CFastCGI", path: "Sources/CFastCGI"),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        .systemLibrary(name: "CYAML", path: "Sources/CYAML"),
        // Our own C: the few POSIX calls and macros Swift cannot import cleanly.
        .target(name: "CConvergenceSys", path: "Sources/CConvergenceSys", linkerSettings: [.linkedLibrary("crypto")]),
        // The shared-memory region (rate-limit buckets, metric series): layout and lock-free updates.
        // -mcx16: the 16-byte compare-and-swap is inlined (cmpxchg16b), never libatomic's lock.
        .target(name: "CConvergenceShm", path: "Sources/CConvergenceShm", cSettings: [.unsafeFlags(["-mcx16", "-O2"])]),

        // What every other target uses; the logger writes JSON, so the one JSON string escaper is here.
        .target(name: "ConvergenceCore", dependencies: ["CConvergenceSys", "COpenSSL"], swiftSettings: optimize),

        // Pure libraries: no I/O, so their unit tests need nothing.
        // JSON: the flat document the hot paths read in place, the value tree, parser and serializer.
        .target(name: "ConvergenceJSON", dependencies: ["ConvergenceCore"], swiftSettings: optimize),
        // HTTP: request, response, router, API errors; knows nothing of FastCGI.
        .target(name: "ConvergenceHTTP", dependencies: ["ConvergenceCore", "ConvergenceJSON"], swiftSettings: optimize),
        // Key formats, tenant ids, the key cache, the master keyring.
        .target(name: "ConvergenceIdentity", dependencies: ["ConvergenceCore"], swiftSettings: optimize),
        // Sensitive-data recognisers (personal data and secrets): bytes in, kinds and spans out.
        // Depends on nothing, so `convergence scan`, the engine and the bench share one detector.
        .target(name: "ConvergencePII", swiftSettings: optimize),
        // Check validation, policies and the risk engine: JSON in, a decision out.
        .target(name: "ConvergenceGovernance", dependencies: ["ConvergenceCore", "ConvergenceJSON", "ConvergencePII"], swiftSettings: optimize),
        // Pipeline templates, plans, CSV and data-quality SQL: no I/O beyond parsing text.
        .target(name: "ConvergencePipelines", dependencies: ["ConvergenceCore", "ConvergenceJSON", "CYAML"], swiftSettings: optimize),

        // I/O libraries.
        // PostgreSQL through libpq: connections, typed rows, COPY, LISTEN/NOTIFY, migrations.
        .target(name: "ConvergenceStore", dependencies: ["ConvergenceCore", "CLibPQ"], swiftSettings: optimize),
        // The shared-memory region every process maps: rate limiter, metrics recording and rendering.
        .target(name: "ConvergenceShared", dependencies: ["ConvergenceCore", "CConvergenceShm"], swiftSettings: optimize),

        // Subsystems with their own state and their own tests.
        // The audit write path: records, the spool (segments, frames), the flusher that drains it into PostgreSQL.
        .target(
            name: "ConvergenceAudit",
            dependencies: ["ConvergenceCore", "ConvergenceJSON", "ConvergenceStore", "ConvergenceShared", "CConvergenceSys"],
            swiftSettings: optimize
        ),
        // The FastCGI transport: accept loop, request reader, response writer, ready-connection set.
        // Generic over the application's context; it does not import the database layer.
        .target(
            name: "ConvergenceFastCGI",
            dependencies: ["ConvergenceCore", "ConvergenceHTTP", "CFastCGI", "CConvergenceSys"],
            swiftSettings: optimize
        ),

        // The php-fpm-style process supervisor: a pure state machine, the poll loop that carries
        // out its actions, and the contract every child follows. It knows its children only by
        // the roles the executable registers, never by importing them.
        .target(name: "ConvergenceSupervisor", dependencies: ["ConvergenceCore", "ConvergenceShared", "CConvergenceSys"], swiftSettings: optimize),

        // The application: routes, request context, caches, worker main, pipeline queue and executor,
        // and the child roles it registers with the supervisor.
        .target(
            name: "ConvergenceServer",
            dependencies: [
                "ConvergenceCore", "ConvergenceJSON", "ConvergenceHTTP", "ConvergenceStore", "ConvergenceIdentity", "ConvergenceGovernance",
                "ConvergencePII", "ConvergenceShared", "ConvergencePipelines", "ConvergenceAudit", "ConvergenceFastCGI", "ConvergenceSupervisor",
                "CFastCGI", "CConvergenceSys", "CConvergenceShm",
            ],
            swiftSettings: optimize
        ),
        // The command line: serve, migrate, admin tasks, and the child roles the supervisor starts.
        .executableTarget(
            name: "convergence",
            dependencies: [
                "ConvergenceCore", "ConvergenceServer", "ConvergenceSupervisor", "ConvergenceAudit", "ConvergenceStore", "ConvergenceIdentity",
                "ConvergencePII", "ConvergenceGovernance", "ConvergenceJSON",
            ],
            swiftSettings: optimize
        ),
        // Micro-benchmarks (scripts/bench); they reach server internals through `package` access.
        .executableTarget(
            name: "convergence-bench",
            dependencies: [
                "ConvergenceServer", "ConvergenceAudit", "ConvergenceGovernance", "ConvergencePII", "ConvergenceJSON", "ConvergenceHTTP",
                "ConvergenceCore",
                "ConvergenceShared", "ConvergenceStore", "ConvergenceIdentity", "ConvergencePipelines", "CConvergenceShm",
            ],
            swiftSettings: optimize
        ),

        // Tests: one unit-test target per library (no processes, no database), then the integration suite.
        .testTarget(name: "ConvergenceCoreTests", dependencies: ["ConvergenceCore"]),
        .testTarget(name: "ConvergenceJSONTests", dependencies: ["ConvergenceJSON", "ConvergenceCore"]),
        .testTarget(name: "ConvergenceHTTPTests", dependencies: ["ConvergenceHTTP", "ConvergenceJSON", "ConvergenceCore"]),
        .testTarget(name: "ConvergenceIdentityTests", dependencies: ["ConvergenceIdentity", "ConvergenceCore"]),
        .testTarget(name: "ConvergencePIITests", dependencies: ["ConvergencePII"], exclude: ["pii_corpus.tsv", "Corpus"]),
        .testTarget(name: "ConvergenceGovernanceTests", dependencies: ["ConvergenceGovernance", "ConvergenceJSON", "ConvergencePII"]),
        .testTarget(name: "ConvergencePipelinesTests", dependencies: ["ConvergencePipelines", "ConvergenceJSON"]),
        .testTarget(name: "ConvergenceSharedTests", dependencies: ["ConvergenceShared", "ConvergenceCore", "CConvergenceShm"]),
        .testTarget(name: "ConvergenceAuditTests", dependencies: ["ConvergenceAudit", "ConvergenceCore", "ConvergenceJSON"]),
        .testTarget(name: "ConvergenceFastCGITests", dependencies: ["ConvergenceFastCGI", "ConvergenceCore"]),
        .testTarget(name: "ConvergenceSupervisorTests", dependencies: ["ConvergenceSupervisor", "ConvergenceCore", "ConvergenceShared"]),
        .testTarget(
            name: "ConvergenceServerTests",
            dependencies: [
                "ConvergenceServer", "ConvergenceAudit", "ConvergenceCore", "ConvergenceJSON", "ConvergenceHTTP", "ConvergenceGovernance",
                "ConvergencePII", "ConvergencePipelines",
            ]
        ),
        // The harness the integration tests share: PostgreSQL via initdb, `convergence serve`, nginx.
        .target(
            name: "ConvergenceTestSupport",
            dependencies: ["ConvergenceCore", "CConvergenceSys"],
            path: "Tests/ConvergenceTestSupport"
        ),
        .testTarget(
            name: "ConvergenceIntegrationTests",
            dependencies: ["ConvergenceTestSupport", "ConvergenceCore", "ConvergenceStore", "ConvergenceIdentity", "ConvergenceAudit"]
        ),
    ]
)
