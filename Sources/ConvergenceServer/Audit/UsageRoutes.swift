import ConvergenceCore
import ConvergenceHTTP

/// `GET /admin/usage`: checks per time bucket, totals and top lists for the dashboard's
/// charts, from the rollups the audit flusher keeps (so it costs the same with five
/// million audit records as with five). Counts trail the checks by the flush interval.
enum UsageRoutes {
    static func register(on router: inout Router<RequestContext>) {
        router.get("/admin/usage", query: UsageQuery.parameters) { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            var query = try UsageQuery.parse(request.queryParameters, nowMicros: WallClock.unixMicros())
            query.customerID = try query.customerID.map { try CustomerRoutes.resolve($0, context, includingDeleted: true) }
            let repository = UsageRepository(db: context.auditReadDatabase)
            // Both filters: the key's counts, or none if the key is another customer's.
            var disjoint = false
            if let keyID = query.keyID, let customerID = query.customerID {
                disjoint = try repository.customerOfKey(keyID) != customerID
            }
            let scope = UsageRepository.scope(customerID: query.customerID, keyID: query.keyID)
            let stored = disjoint ? [:] : try repository.buckets(scope: scope, seconds: query.bucket.seconds, from: query.firstStart,
                                                                 to: query.until)
            let series = UsageCounts.series(starts: query.bucketStarts, rows: stored)
            var totals = UsageCounts()
            for bucket in series { totals.add(bucket.counts) }
            let top = query.topLists
            let keyCustomer = query.keyID == nil ? nil : try query.customerID ?? repository.customerOfKey(query.keyID!)
            let body = UsageBody(
                bucket: query.bucket.rawValue, since: UsageBody.rfc3339(query.since), until: UsageBody.rfc3339(query.until),
                series: series.map { $0.counts.body(start: $0.start) }, totals: totals.body(start: nil),
                topCustomersByBlocks: !query.includesTopLists ? nil : disjoint ? []
                    : try repository.topCustomers(scope: scope, customerID: keyCustomer ?? query.customerID, seconds: top.seconds, from: top.from,
                                                  to: top.to),
                topRules: !query.includesTopLists ? nil : disjoint ? []
                    : try repository.topRules(scope: scope, seconds: top.seconds, from: top.from, to: top.to))
            var response = try Response.json(body)
            response.headers.append(HTTPField("Cache-Control", "no-store"))
            return response
        }
    }
}
