import ConvergenceCore
import ConvergenceStore

/// Per-thread state handed to every handler: owned by one worker thread, never shared.
public final class RequestContext {
    public let database: PostgresConnection
    public let logger: Logger
    public let config: Config

    public init(database: PostgresConnection, logger: Logger, config: Config) {
        self.database = database
        self.logger = logger
        self.config = config
    }
}
