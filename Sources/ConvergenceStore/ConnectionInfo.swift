/// What libpq needs to connect: the URI plus settings kept out of it
/// (the password, which never appears in config files or logs).
public struct ConnectionInfo: Sendable {
    public let url: String
    let password: String?
    public let connectTimeoutSeconds: Int
    public let applicationName: String

    public init(url: String, password: String?, connectTimeoutSeconds: Int, applicationName: String = "convergence") {
        self.url = url
        self.password = password
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }

    /// Keyword/value pairs for PQconnectdbParams; `dbname` carries the URI (expand_dbname).
    var parameters: ([String], [String]) {
        // TCP keepalives and a user timeout: a connection to a host that vanished
        // (partition, crash: no RST) fails within about a minute instead of the
        // kernel's two hours, so a pipeline run or the flusher cannot hang on it.
        // libpq ignores them on unix sockets.
        var keys = ["dbname", "connect_timeout", "application_name", "keepalives", "keepalives_idle", "keepalives_interval",
                    "keepalives_count", "tcp_user_timeout"]
        var values = [url, String(connectTimeoutSeconds), applicationName, "1", "30", "10", "3", "60000"]
        if let password {
            keys.append("password")
            values.append(password)
        }
        return (keys, values)
    }
}
