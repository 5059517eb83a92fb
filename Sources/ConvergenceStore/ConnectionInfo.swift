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
        var keys = ["dbname", "connect_timeout", "application_name"]
        var values = [url, String(connectTimeoutSeconds), applicationName]
        if let password {
            keys.append("password")
            values.append(password)
        }
        return (keys, values)
    }
}
