/// The kinds of documents the store keeps, named once for the planes that write and read them.
/// Each document lives under a parent: a region, an API id, or `{region}:{function}`.
public enum DocumentKind {
    // API Gateway: REST APIs and what they own (parent: the API id), and the region's keys,
    // plans and account settings (parent: the region; usage plan keys: their plan).
    public static let restAPI = "restapi"
    public static let resource = "resource"
    public static let deployment = "deployment"
    /// What a deployment froze of its API.
    public static let snapshot = "snapshot"
    public static let stage = "stage"
    public static let model = "model"
    public static let requestValidator = "requestvalidator"
    public static let authorizer = "authorizer"
    public static let gatewayResponse = "gatewayresponse"
    public static let account = "account"
    public static let apiKey = "apikey"
    public static let usagePlan = "usageplan"
    public static let usagePlanKey = "usageplankey"
    /// Documentation parts and versions (parent: the API id).
    public static let documentationPart = "documentationpart"
    public static let documentationVersion = "documentationversion"
    /// Custom domain names made through the REST API (parent: the region) and their base path
    /// mappings (parent: `{region}/{domain}`; id: the base path, `(none)` for the root).
    public static let restDomainName = "restdomainname"
    public static let basePathMapping = "basepathmapping"
    /// VPC links made through the REST API (parent: the region).
    public static let restVpcLink = "restvpclink"

    // API Gateway v2: HTTP and WebSocket APIs (parent: the region) and what they own (parent:
    // the API id; route and integration responses: `{api id}/{route or integration id}`).
    public static let httpAPI = "v2api"
    public static let route = "v2route"
    public static let integration = "v2integration"
    public static let v2Stage = "v2stage"
    public static let v2Deployment = "v2deployment"
    /// What a v2 deployment froze of its API.
    public static let v2Snapshot = "v2snapshot"
    public static let v2Authorizer = "v2authorizer"
    public static let v2Model = "v2model"
    public static let routeResponse = "v2routeresponse"
    public static let integrationResponse = "v2integrationresponse"
    // … and under the region: VPC links, custom domain names; API mappings under `{region}/{domain}`.
    public static let vpcLink = "vpclink"
    public static let domainName = "domainname"
    public static let apiMapping = "apimapping"

    // Lambda: functions (parent: the region); versions, aliases and `Event` settings (parent:
    // `{region}:{name}`).
    public static let function = "function"
    public static let functionVersion = "functionversion"
    public static let functionAlias = "functionalias"
    public static let eventInvokeConfig = "eventinvokeconfig"
    /// Layer versions (parent: `{region}:{layer name}`; id: the version number).
    public static let layerVersion = "layerversion"
    /// Function URL configurations (parent: `{region}:{name}`; id: the qualifier).
    public static let functionURL = "functionurl"

    // IAM roles (parent: the account; id: the role name in lower case) and STS's temporary
    // credentials (parent: `sts`; id: the access key id).
    public static let iamRole = "iamrole"
    public static let temporaryCredential = "stscredential"

    // CloudWatch Logs: records, not configuration; writing them does not change the revision.
    public static let logGroup = "loggroup"
    public static let logStream = "logstream"

    // CloudWatch alarms (parent: `{account}|{region}`; id: the alarm's name): configuration and
    // state, which the evaluator writes; not part of the gateway's revision.
    public static let metricAlarm = "metricalarm"

    // WAF (parent: `{account}|{region}`; id: the resource's id): IP sets, web ACLs, and web ACL
    // associations (id: the associated resource's ARN). Configuration: the data plane compiles them.
    public static let wafIPSet = "wafipset"
    public static let wafRegexPatternSet = "wafregexpatternset"
    public static let webACL = "webacl"
    public static let webACLAssociation = "webaclassociation"
}
