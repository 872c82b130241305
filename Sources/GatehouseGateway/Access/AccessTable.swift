import GatehouseModel

/// A token bucket's settings: `burstLimit` tokens at most, `rateLimit` added per second.
public struct Throttle: Sendable, Equatable {
    public var rateLimit: Double
    public var burstLimit: Int

    public init(rateLimit: Double, burstLimit: Int) {
        self.rateLimit = rateLimit
        self.burstLimit = burstLimit
    }

    /// From a `{rateLimit, burstLimit}` object; nil when neither is set.
    public init?(_ json: JSON?) {
        guard let json, json["rateLimit"] != nil || json["burstLimit"] != nil else { return nil }
        self.init(rateLimit: json["rateLimit"]?.doubleValue ?? 10000, burstLimit: json["burstLimit"]?.intValue ?? 5000)
    }

    /// AWS's account default: 10 000 requests per second, bursts of 5 000.
    public static let accountDefault = Throttle(rateLimit: 10000, burstLimit: 5000)
}

/// API keys, usage plans and the account's throttle as the data plane checks them. Unlike
/// stages these are not deployed: a change applies to the next request.
public struct AccessTable: Sendable {
    public struct APIKey: Sendable {
        public var id: String
        public var enabled: Bool
    }

    /// A usage plan as it applies to one key on one stage, with the key's counters under it.
    public struct StagePlan: Sendable {
        public var planID: String
        public var throttle: Throttle?
        public var quota: Quota?
        /// Per-method throttles keyed `/resource/path/METHOD`.
        public var methodThrottles: [String: Throttle]
        /// The key's bucket for the plan's throttle and its quota counts (they outlive tables).
        var bucket: AtomicTokenBucket
        var usage: UsageAccount
    }

    /// Keys by value.
    public var keys: [String: APIKey] = [:]
    /// For each API id and stage, the plans that include it, by API key id.
    public var plans: [String: [String: [String: StagePlan]]] = [:]
    public var accountThrottle = Throttle.accountDefault

    public init() {}

    /// Built from the region's key, plan, plan-key and account documents; each key's counters
    /// come from `meter` and its buckets from `limiter`, which keep them between tables.
    public init(keys: [JSON], plans: [JSON], planKeys: [String: [String]], account: JSON?, meter: QuotaMeter, limiter: RateLimiter) {
        for key in keys {
            guard let value = key["value"]?.stringValue, let id = key["id"]?.stringValue else { continue }
            self.keys[value] = APIKey(id: id, enabled: key["enabled"]?.boolValue ?? false)
        }
        for plan in plans {
            guard let planID = plan["id"]?.stringValue else { continue }
            let throttle = Throttle(plan["throttle"]), quota = Quota(plan: plan)
            for stage in plan["apiStages"]?.arrayValue ?? [] {
                let api = stage["apiId"]?.stringValue ?? "", name = stage["stage"]?.stringValue ?? ""
                let throttles = (stage["throttle"]?.objectValue ?? [:]).compactMapValues { Throttle($0) }
                for keyID in planKeys[planID] ?? [] {
                    self.plans[api, default: [:]][name, default: [:]][keyID] = StagePlan(
                        planID: planID, throttle: throttle, quota: quota, methodThrottles: throttles,
                        bucket: limiter.bucket(named: "plan/\(planID)/\(keyID)", startingWith: throttle?.burstLimit ?? 0),
                        usage: meter.account(plan: planID, key: keyID))
                }
            }
        }
        accountThrottle = Throttle(account?["throttleSettings"]) ?? .accountDefault
    }
}
